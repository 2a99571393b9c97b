// The model's state: sizes and the addresses of every buffer in linear memory.
// One WebAssembly instance holds one model, so module globals are the model.

export let V: i32 = 0; // vocabulary size |V|
export let D: i32 = 0; // embedding dimension d
export let N: i32 = 0; // distinct samples
export let C: i32 = 0; // collocation pairs (stage-1 samples)
export let MAXL: i32 = 0; // longest context
export let F32: bool = false; // precision of parameters and activations
export let ONE_HOT: bool = true; // E = I: token space is parameter space, no embedding products

// packed dataset (CSR)
export let offsets: usize = 0; // i32[N + 1]
export let tokens: usize = 0; // i32[offsets[N]]
export let labels: usize = 0; // i32[N]
export let weights: usize = 0; // T[N], π_n
export let optimal: usize = 0; // i32[N], optimal token of sample n, -1 if none
export let fixed: usize = 0; // i32[N], 1 where the context is one token repeated (logits independent of K)
export let colX: usize = 0; // i32[C]
export let colY: usize = 0; // i32[C], n(x)

// parameters, stored transposed (WovT = W_ovᵀ, d×V; WkqT = W_kqᵀ, d×d) so that with a
// one-hot embedding they are exactly the token-space matrices Mt and Kt below.
export let E: usize = 0; // T[d×V], column v is token v's embedding
export let WovT: usize = 0;
export let WkqT: usize = 0;
export let gWovT: usize = 0; // gradients, same layouts
export let gWkqT: usize = 0;

// token space: Mt[t, :] = M[:, t] = W_ov E_t, Kt[q, t] = K[t, q] = E_tᵀ W_kq E_q
export let Mt: usize = 0; // T[V×V]
export let Kt: usize = 0; // T[V×V]
export let dMt: usize = 0; // T[V×V]
export let dKt: usize = 0; // T[V×V]
export let tmpDV: usize = 0; // T[d×V], intermediate of the embedding products

// per-sample scratch
export let z: usize = 0; // T[V] logits
export let dz: usize = 0; // T[V] loss gradient wrt logits
export let phi: usize = 0; // T[MAXL] attention weights
export let dphi: usize = 0; // T[MAXL] loss gradient wrt attention weights

// results of the last call, read by the host
export let outLoss: f64 = 0;
// loss and metrics at the iterate a chunk started from (its first step's forward pass), so
// the host records them without a forward pass of its own
export let outFirstLoss: f64 = 0;
export let outGradNorm: f64 = 0;
export let outMinOptimal: f64 = 0;
export let outCorrect: i32 = 0;
export let outSteps: i32 = 0;

@inline export function sz(): usize {
  return F32 ? 4 : 8;
}

function align(p: usize): usize {
  return (p + 15) & ~(15 as usize);
}

let top: usize = 0;
function take(bytes: usize): usize {
  const p = top;
  top = align(top + bytes);
  return p;
}

/**
 * Lays out every buffer once. Returns the number of bytes used, or 0 when the
 * memory cannot grow that far (the host checks sizes before calling).
 */
export function layout(v: i32, d: i32, n: i32, totalTokens: i32, c: i32, maxL: i32, f32: bool, oneHot: bool): usize {
  V = v; D = d; N = n; C = c; MAXL = maxL; F32 = f32; ONE_HOT = oneHot;
  const s = sz();
  const vv = (<usize>v) * (<usize>v) * s;
  top = align(__heap_base);
  offsets = take((<usize>n + 1) * 4);
  tokens = take((<usize>totalTokens) * 4);
  labels = take((<usize>n) * 4);
  weights = take((<usize>n) * s);
  optimal = take((<usize>n) * 4);
  fixed = take((<usize>n) * 4);
  colX = take((<usize>c) * 4);
  colY = take((<usize>c) * 4);
  WovT = take((<usize>d) * (<usize>v) * s);
  WkqT = take((<usize>d) * (<usize>d) * s);
  gWovT = take((<usize>d) * (<usize>v) * s);
  gWkqT = take((<usize>d) * (<usize>d) * s);
  if (oneHot) {
    E = 0;
    Mt = WovT; Kt = WkqT; dMt = gWovT; dKt = gWkqT;
    tmpDV = 0;
  } else {
    E = take((<usize>d) * (<usize>v) * s);
    Mt = take(vv); Kt = take(vv); dMt = take(vv); dKt = take(vv);
    tmpDV = take((<usize>d) * (<usize>v) * s);
  }
  z = take((<usize>v) * s + 16);
  dz = take((<usize>v) * s + 16);
  phi = take((<usize>maxL) * s + 16);
  dphi = take((<usize>maxL) * s + 16);
  const need = (top + 0xffff) >>> 16;
  const have = <usize>memory.size();
  if (need > have) {
    if (memory.grow(<i32>(need - have)) < 0) return 0;
  }
  return top;
}

/** Extra memory past the model's buffers for the host's kernel tests and benchmarks; 0 if it cannot grow. */
export function scratch(bytes: usize): usize {
  const p = take(bytes);
  const need = (top + 0xffff) >>> 16;
  const have = <usize>memory.size();
  if (need > have && memory.grow(<i32>(need - have)) < 0) return 0;
  return p;
}
