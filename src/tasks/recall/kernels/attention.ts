// TS twin of assembly/recall-attention.ts: attention of the query x_H over the context in the
// token space "current token ⊕ previous token" (the two embedding tables E and Ẽ are the index
// pairs (z_h, N + z_{h−1}) of a 2N-dimensional one-hot space; docs/theory/recall.md#model-and-loss).

export type Real = Float64Array | Float32Array;

/** σ codes shared with the WebAssembly kernels */
export const SIGMA = { linear: 0, relu: 1, softmax: 2 } as const;

/** ReLU attention is max(s + 10⁻⁸, 0), as in the authors' code: at zero init every position gets weight 10⁻⁸. */
export const RELU_SHIFT = 1e-8;

/** float32 exponentials below e^−60 are 0, as the WebAssembly kernels do (assembly/exp.ts) */
const FLUSH_F32 = -60;

/** e^x, flushed like the WebAssembly kernels in float32 */
export const expFor = (f32: boolean): ((x: number) => number) => (f32 ? (x) => (x >= FLUSH_F32 ? Math.exp(x) : 0) : Math.exp);

/** R = W[q, :] + W[N + z_{H−1}, :], the query's row of scores (W is 2N×2N). */
export function queryRow(R: Real, W: Real, N: number, q: number, prev: number): void {
  const n2 = 2 * N;
  const a = q * n2;
  const b = (N + prev) * n2;
  for (let j = 0; j < n2; j++) R[j] = W[a + j] + W[b + j];
}

/**
 * s_h = R[z_h] + [h ≥ 2] R[N + z_{h−1}] for the sentence at z[o … o+H−1], and a = σ(s)
 * (linear, ReLU(s + 10⁻⁸) or softmax over h).
 */
export function attentionForward(sigma: number, R: Real, z: Int32Array, o: number, H: number, N: number, s: Real, a: Real, exp: (x: number) => number): void {
  s[0] = R[z[o]];
  for (let h = 1; h < H; h++) s[h] = R[z[o + h]] + R[N + z[o + h - 1]];
  if (sigma === SIGMA.linear) {
    for (let h = 0; h < H; h++) a[h] = s[h];
  } else if (sigma === SIGMA.relu) {
    for (let h = 0; h < H; h++) a[h] = Math.max(s[h] + RELU_SHIFT, 0);
  } else {
    let m = s[0];
    for (let h = 1; h < H; h++) m = Math.max(m, s[h]);
    let total = 0;
    for (let h = 0; h < H; h++) {
      a[h] = exp(s[h] - m);
      total += a[h];
    }
    const inv = 1 / total;
    for (let h = 0; h < H; h++) a[h] *= inv;
  }
}

/** ws = Σ_h a_h (e_{z_h} + [h ≥ 2] e_{N + z_{h−1}}), a scatter-add into 2N bins. */
export function weightedSum(ws: Real, a: Real, z: Int32Array, o: number, H: number, N: number): void {
  ws.fill(0, 0, 2 * N);
  ws[z[o]] += a[0];
  for (let h = 1; h < H; h++) {
    ws[z[o + h]] += a[h];
    ws[N + z[o + h - 1]] += a[h];
  }
}

/**
 * From ∂ws: ∂a_h = ∂ws[z_h] + [h ≥ 2] ∂ws[N + z_{h−1}], ∂s_h through σ, and the scatter
 * dR[z_h] += ∂s_h, dR[N + z_{h−1}] += ∂s_h (the gradient of the query's score row R).
 * Softmax centres on the most attended position, so that Σ_k a_k(∂a_k − ∂a_ref) is a sum of
 * small exact terms when one position holds almost all the weight.
 */
export function attentionBackward(sigma: number, dws: Real, z: Int32Array, o: number, H: number, N: number, s: Real, a: Real, ds: Real, dR: Real): void {
  ds[0] = dws[z[o]];
  for (let h = 1; h < H; h++) ds[h] = dws[z[o + h]] + dws[N + z[o + h - 1]];
  if (sigma === SIGMA.relu) {
    for (let h = 0; h < H; h++) if (!(s[h] + RELU_SHIFT > 0)) ds[h] = 0;
  } else if (sigma === SIGMA.softmax) {
    let ref = 0;
    for (let h = 1; h < H; h++) if (a[h] > a[ref]) ref = h;
    const dref = ds[ref];
    let c = 0;
    for (let h = 0; h < H; h++) c += a[h] * (ds[h] - dref);
    for (let h = 0; h < H; h++) ds[h] = a[h] * (ds[h] - dref - c);
  }
  dR.fill(0, 0, 2 * N);
  dR[z[o]] += ds[0];
  for (let h = 1; h < H; h++) {
    dR[z[o + h]] += ds[h];
    dR[N + z[o + h - 1]] += ds[h];
  }
}

/** ∇W[q, :] += dR and ∇W[N + z_{H−1}, :] += dR: both rows of W that the query x_H reads. */
export function queryRowBackward(gW: Real, dR: Real, N: number, q: number, prev: number): void {
  const n2 = 2 * N;
  const a = q * n2;
  const b = (N + prev) * n2;
  for (let j = 0; j < n2; j++) {
    gW[a + j] += dR[j];
    gW[b + j] += dR[j];
  }
}
