// The model's state: sizes and the addresses of every buffer in linear memory.
// One WebAssembly instance holds one model, so module globals are the model.

export let V: i32 = 0; // vocabulary size |V|
export let D: i32 = 0; // embedding dimension d
export let N: i32 = 0; // distinct samples
export let C: i32 = 0; // collocation pairs (stage-1 samples)
export let MAXL: i32 = 0; // longest context
export let F32: bool = false; // precision of parameters and activations
export let ONE_HOT: bool = true; // E = I: token space is parameter space, no embedding products
// parameter space (assembly/param-space.ts): W_ov, W_kq act on d-dimensional embeddings and no
// |V|×|V| matrix exists; Mt, Kt, dMt, dKt and tmpDV are then unset
export let PARAM: bool = false;
/** Samples per block of the parameter-space products ((block × d)·(d × |V|)). */
export const BLOCK: i32 = 64;

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

// parameter space: token embeddings as rows, queries' u_q = W_kq x_q and ∂L/∂u_q, and one block's rows
export let ET: usize = 0; // T[V×d], row t = x_t (Eᵀ)
export let U: usize = 0; // T[V×d], row q = (W_kq x_q)ᵀ
export let gU: usize = 0; // T[V×d], row q = Σ over samples with query q of Σ_l ds_l x_{t_l}
export let blkN: usize = 0; // i32[BLOCK], the block's samples (stage 1: collocation pairs)
export let Hb: usize = 0; // T[BLOCK×d], pooled h = Σ_l φ_l x_{t_l}
export let Zb: usize = 0; // T[BLOCK×V], logits W_ov h
export let dZb: usize = 0; // T[BLOCK×V], loss gradient wrt the logits
export let dHb: usize = 0; // T[BLOCK×d], W_ovᵀ dz
export let Gb: usize = 0; // T[BLOCK×d], Σ_l ds_l x_{t_l}
export let phiB: usize = 0; // T[BLOCK×MAXL], attention weights
export let dphiB: usize = 0; // T[BLOCK×MAXL], loss gradient wrt them
export let lossB: usize = 0; // f64[BLOCK], π_n ℓ_n (stage 1: ℓ)
export let optB: usize = 0; // f64[BLOCK], attention on the optimal token, 2 where none
export let corrB: usize = 0; // i32[BLOCK], 1 where the label is the strict argmax
export let accB: usize = 0; // v128[BLOCK×d], lane sums of dH between panels (assembly/logits.ts)

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
export function layout(v: i32, d: i32, n: i32, totalTokens: i32, c: i32, maxL: i32, f32: bool, oneHot: bool, param: bool): usize {
  V = v; D = d; N = n; C = c; MAXL = maxL; F32 = f32; ONE_HOT = oneHot;
  PARAM = param && !oneHot;
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
  ET = U = gU = blkN = Hb = Zb = dZb = dHb = Gb = phiB = dphiB = lossB = optB = corrB = accB = 0;
  if (oneHot) {
    E = 0;
    Mt = WovT; Kt = WkqT; dMt = gWovT; dKt = gWkqT;
    tmpDV = 0;
  } else if (PARAM) {
    const vd = (<usize>d) * (<usize>v) * s;
    const bd = (<usize>BLOCK) * (<usize>d) * s;
    const bv = (<usize>BLOCK) * (<usize>v) * s;
    E = take(vd);
    Mt = Kt = dMt = dKt = tmpDV = 0;
    ET = take(vd); U = take(vd); gU = take(vd);
    blkN = take((<usize>BLOCK) * 4);
    Hb = take(bd); dHb = take(bd); Gb = take(bd);
    Zb = take(bv); dZb = take(bv);
    phiB = take((<usize>BLOCK) * (<usize>maxL) * s);
    dphiB = take((<usize>BLOCK) * (<usize>maxL) * s);
    lossB = take((<usize>BLOCK) * 8);
    optB = take((<usize>BLOCK) * 8);
    corrB = take((<usize>BLOCK) * 4);
    accB = take((<usize>BLOCK) * (<usize>d) * 16);
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

// Worker instances of the threaded build (assembly/parallel-train.ts) share one memory with the
// instance that laid the model out: they adopt its layout, with per-sample scratch of their own.

/** Fields written by describeLayout, each a u32. */
export const LAYOUT_FIELDS = 40;

/** Writes this instance's sizes and buffer addresses at p (LAYOUT_FIELDS u32) for adoptLayout. */
export function describeLayout(p: usize): void {
  store<u32>(p, V); store<u32>(p, D, 4); store<u32>(p, N, 8); store<u32>(p, C, 12); store<u32>(p, MAXL, 16);
  store<u32>(p, F32 ? 1 : 0, 20); store<u32>(p, ONE_HOT ? 1 : 0, 24);
  store<u32>(p, offsets, 28); store<u32>(p, tokens, 32); store<u32>(p, labels, 36); store<u32>(p, weights, 40);
  store<u32>(p, optimal, 44); store<u32>(p, fixed, 48); store<u32>(p, colX, 52); store<u32>(p, colY, 56);
  store<u32>(p, E, 60); store<u32>(p, WovT, 64); store<u32>(p, WkqT, 68); store<u32>(p, gWovT, 72); store<u32>(p, gWkqT, 76);
  store<u32>(p, Mt, 80); store<u32>(p, Kt, 84); store<u32>(p, dMt, 88); store<u32>(p, dKt, 92);
  store<u32>(p, PARAM ? 1 : 0, 96); store<u32>(p, ET, 100); store<u32>(p, U, 104); store<u32>(p, gU, 108);
  store<u32>(p, blkN, 112); store<u32>(p, Hb, 116); store<u32>(p, Zb, 120); store<u32>(p, dZb, 124);
  store<u32>(p, dHb, 128); store<u32>(p, Gb, 132); store<u32>(p, phiB, 136); store<u32>(p, dphiB, 140);
  store<u32>(p, lossB, 144); store<u32>(p, optB, 148); store<u32>(p, corrB, 152); store<u32>(p, accB, 156);
}

/**
 * Takes the layout another instance wrote at p (describeLayout) as this instance's model, with
 * its own per-sample scratch z, dz (T[V + 2]) and phi, dphi (T[MAXL + 2]) at the given addresses.
 * tmpDV stays unset: the embedding products run on the describing instance only.
 */
export function adoptLayout(p: usize, zp: usize, dzp: usize, phip: usize, dphip: usize): void {
  V = load<u32>(p); D = load<u32>(p, 4); N = load<u32>(p, 8); C = load<u32>(p, 12); MAXL = load<u32>(p, 16);
  F32 = load<u32>(p, 20) != 0; ONE_HOT = load<u32>(p, 24) != 0;
  offsets = load<u32>(p, 28); tokens = load<u32>(p, 32); labels = load<u32>(p, 36); weights = load<u32>(p, 40);
  optimal = load<u32>(p, 44); fixed = load<u32>(p, 48); colX = load<u32>(p, 52); colY = load<u32>(p, 56);
  E = load<u32>(p, 60); WovT = load<u32>(p, 64); WkqT = load<u32>(p, 68); gWovT = load<u32>(p, 72); gWkqT = load<u32>(p, 76);
  Mt = load<u32>(p, 80); Kt = load<u32>(p, 84); dMt = load<u32>(p, 88); dKt = load<u32>(p, 92);
  PARAM = load<u32>(p, 96) != 0; ET = load<u32>(p, 100); U = load<u32>(p, 104); gU = load<u32>(p, 108);
  blkN = load<u32>(p, 112); Hb = load<u32>(p, 116); Zb = load<u32>(p, 120); dZb = load<u32>(p, 124);
  dHb = load<u32>(p, 128); Gb = load<u32>(p, 132); phiB = load<u32>(p, 136); dphiB = load<u32>(p, 140);
  lossB = load<u32>(p, 144); optB = load<u32>(p, 148); corrB = load<u32>(p, 152); accB = load<u32>(p, 156);
  z = zp; dz = dzp; phi = phip; dphi = dphip;
  tmpDV = 0;
}

/** Points the accumulation of dM at another buffer (a thread's partial of a joint step); returns the previous one. */
export function useGradientM(p: usize): usize {
  const was = dMt;
  dMt = p;
  return was;
}
