// Attention of the query x_H over the context for the recall family (docs/theory/recall.md#model-and-loss), in the token
// space "current token ⊕ previous token": the two embedding tables E and Ẽ are the index pairs
// (z_h, N + z_{h−1}) of a 2N-dimensional one-hot space, so x_hᵀ W x_H is four gathers from W.
// σ: 0 linear, 1 ReLU(s + 10⁻⁸), 2 softmax over h. Twin: src/tasks/recall/kernels/attention.ts.

import { axpy, scale } from '../vec';
import { expShiftSum } from '../exp';

const RELU_SHIFT: f64 = 1e-8;

@inline function tok(z: usize, i: i32): i32 {
  return load<i32>(z + ((<usize>i) << 2));
}

@inline function at<T>(p: usize, i: i32): usize {
  return p + (<usize>i) * sizeof<T>();
}

/** R = W[q, :] + W[N + z_{H−1}, :], the query's row of scores (W is 2N×2N) */
export function queryRow<T>(R: usize, W: usize, N: i32, q: i32, prev: i32): void {
  const n2 = 2 * N;
  const row = (<usize>n2) * sizeof<T>();
  memory.copy(R, W + (<usize>q) * row, row);
  axpy<T>(R, <T>1, W + (<usize>(N + prev)) * row, n2);
}

/** s_h = R[z_h] + [h ≥ 2] R[N + z_{h−1}] over the sentence at z, then a = σ(s) */
export function attentionForward<T>(sigma: i32, R: usize, z: usize, H: i32, N: i32, s: usize, a: usize): void {
  store<T>(s, load<T>(at<T>(R, tok(z, 0))));
  for (let h = 1; h < H; h++) {
    store<T>(at<T>(s, h), load<T>(at<T>(R, tok(z, h))) + load<T>(at<T>(R, N + tok(z, h - 1))));
  }
  if (sigma == 0) {
    memory.copy(a, s, (<usize>H) * sizeof<T>());
  } else if (sigma == 1) {
    for (let h = 0; h < H; h++) store<T>(at<T>(a, h), max(load<T>(at<T>(s, h)) + <T>RELU_SHIFT, <T>0));
  } else {
    let m = load<T>(s);
    for (let h = 1; h < H; h++) m = max(m, load<T>(at<T>(s, h)));
    const total = expShiftSum<T>(a, s, H, m);
    scale<T>(a, <T>1 / total, H);
  }
}

/** ws = Σ_h a_h (e_{z_h} + [h ≥ 2] e_{N + z_{h−1}}), a scatter-add into 2N bins */
export function weightedSum<T>(ws: usize, a: usize, z: usize, H: i32, N: i32): void {
  memory.fill(ws, 0, (<usize>(2 * N)) * sizeof<T>());
  let p = at<T>(ws, tok(z, 0));
  store<T>(p, load<T>(p) + load<T>(a));
  for (let h = 1; h < H; h++) {
    const ah = load<T>(at<T>(a, h));
    p = at<T>(ws, tok(z, h));
    store<T>(p, load<T>(p) + ah);
    p = at<T>(ws, N + tok(z, h - 1));
    store<T>(p, load<T>(p) + ah);
  }
}

/**
 * From ∂ws: ∂a_h = ∂ws[z_h] + [h ≥ 2] ∂ws[N + z_{h−1}], ∂s_h through σ, and the scatter of ∂s_h
 * into dR (the gradient of the query's score row). Softmax centres on the most attended
 * position, so Σ_k a_k(∂a_k − ∂a_ref) is a sum of small exact terms when one position dominates.
 */
export function attentionBackward<T>(sigma: i32, dws: usize, z: usize, H: i32, N: i32, s: usize, a: usize, ds: usize, dR: usize): void {
  store<T>(ds, load<T>(at<T>(dws, tok(z, 0))));
  for (let h = 1; h < H; h++) {
    store<T>(at<T>(ds, h), load<T>(at<T>(dws, tok(z, h))) + load<T>(at<T>(dws, N + tok(z, h - 1))));
  }
  if (sigma == 1) {
    for (let h = 0; h < H; h++) {
      if (!(load<T>(at<T>(s, h)) + <T>RELU_SHIFT > <T>0)) store<T>(at<T>(ds, h), <T>0);
    }
  } else if (sigma == 2) {
    let ref = 0;
    for (let h = 1; h < H; h++) if (load<T>(at<T>(a, h)) > load<T>(at<T>(a, ref))) ref = h;
    const dref = load<T>(at<T>(ds, ref));
    let c: T = <T>0;
    for (let h = 0; h < H; h++) c += load<T>(at<T>(a, h)) * (load<T>(at<T>(ds, h)) - dref);
    for (let h = 0; h < H; h++) {
      const p = at<T>(ds, h);
      store<T>(p, load<T>(at<T>(a, h)) * (load<T>(p) - dref - c));
    }
  }
  memory.fill(dR, 0, (<usize>(2 * N)) * sizeof<T>());
  let p = at<T>(dR, tok(z, 0));
  store<T>(p, load<T>(p) + load<T>(ds));
  for (let h = 1; h < H; h++) {
    const d = load<T>(at<T>(ds, h));
    p = at<T>(dR, tok(z, h));
    store<T>(p, load<T>(p) + d);
    p = at<T>(dR, N + tok(z, h - 1));
    store<T>(p, load<T>(p) + d);
  }
}

/** ∇W[q, :] += dR and ∇W[N + z_{H−1}, :] += dR: the two rows of W the query reads */
export function queryRowBackward<T>(gW: usize, dR: usize, N: i32, q: i32, prev: i32): void {
  const n2 = 2 * N;
  const row = (<usize>n2) * sizeof<T>();
  axpy<T>(gW + (<usize>q) * row, <T>1, dR, n2);
  axpy<T>(gW + (<usize>(N + prev)) * row, <T>1, dR, n2);
}
