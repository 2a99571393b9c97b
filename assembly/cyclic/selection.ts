// The selection head (docs/theory/cyclic.md#training-variants, Li et al.'s `iden` + `nll`): loss −log Σ_{l: t_l = o_n} φ_l, the
// attention mass on the sample's target token. Pointer-and-size kernels, no module state; one
// forward and one backward pass over all samples, generic over the precision T (f64 or f32) like
// the core model's kernels; `selectionForward`/`selectionBackward` are the f64 instantiation,
// `selectionForward32`/`selectionBackward32` the f32 one. The loss is summed in f64 either way.
// Layouts: offsets i32[n+1] and tokens i32[] (CSR contexts), targets i32[n], weights T[n],
// Kt T[V×V] with Kt[q·V + t] = K[t, q], dKt the same, phi T[total tokens] (φ per position).

import { at, contextSoftmax, ld32 } from './context-softmax';

/** Sample i's φ into phi; returns π_i log1p(Σ_{l∉O} φ_l / Σ_{l∈O} φ_l). */
export function selectionSampleForward<T>(i: i32, offsets: usize, tokens: usize, targets: usize, weights: usize, Kt: usize, V: i32, phi: usize): f64 {
  const start = ld32(offsets, i);
  const L = ld32(offsets, i + 1) - start;
  const q = ld32(tokens, start + L - 1);
  const o = ld32(targets, i);
  const f = at<T>(phi, start);
  contextSoftmax<T>(tokens, start, L, at<T>(Kt, q * V), f);
  let inO = <T>0;
  let outO = <T>0;
  for (let l = 0; l < L; l++) {
    const e = load<T>(at<T>(f, l));
    if (ld32(tokens, start + l) == o) inO += e; else outO += e;
  }
  // log1p of the complement ratio: exact when the loss is tiny
  return <f64>load<T>(at<T>(weights, i)) * Math.log1p(<f64>(outO / inO));
}

/** φ = softmax of each context's scores into phi; returns Σ_n π_n log1p(Σ_{l∉O} φ_l / Σ_{l∈O} φ_l). */
function forward<T>(offsets: usize, tokens: usize, targets: usize, weights: usize, n: i32, Kt: usize, V: i32, phi: usize): f64 {
  let loss: f64 = 0;
  for (let i = 0; i < n; i++) loss += selectionSampleForward<T>(i, offsets, tokens, targets, weights, Kt, V, phi);
  return loss;
}

/**
 * Sample i's dKt[q, t_l] += π_i ds_l with ds_l = −φ_l·(Σ_{k∉O} φ_k)/(Σ_{k∈O} φ_k) on the target and φ_l
 * elsewhere (complement sums, never 1 − Φ_O), from the φ of the last forward pass.
 */
export function selectionSampleBackward<T>(i: i32, offsets: usize, tokens: usize, targets: usize, weights: usize, phi: usize, V: i32, dKt: usize): void {
  const start = ld32(offsets, i);
  const L = ld32(offsets, i + 1) - start;
  const q = ld32(tokens, start + L - 1);
  const o = ld32(targets, i);
  const w = load<T>(at<T>(weights, i));
  const f = at<T>(phi, start);
  let inO = <T>0;
  let outO = <T>0;
  for (let l = 0; l < L; l++) {
    const e = load<T>(at<T>(f, l));
    if (ld32(tokens, start + l) == o) inO += e; else outO += e;
  }
  const ratio = outO / inO;
  const drow = at<T>(dKt, q * V);
  for (let l = 0; l < L; l++) {
    const t = ld32(tokens, start + l);
    const p = load<T>(at<T>(f, l));
    const a = at<T>(drow, t);
    store<T>(a, load<T>(a) + w * (t == o ? -p * ratio : p));
  }
}

/** Every sample's backward, in sample order (each row dK[q, :] sums its samples in that order). */
function backward<T>(offsets: usize, tokens: usize, targets: usize, weights: usize, n: i32, phi: usize, V: i32, dKt: usize): void {
  for (let i = 0; i < n; i++) selectionSampleBackward<T>(i, offsets, tokens, targets, weights, phi, V, dKt);
}

export function selectionForward(offsets: usize, tokens: usize, targets: usize, weights: usize, n: i32, Kt: usize, V: i32, phi: usize): f64 {
  return forward<f64>(offsets, tokens, targets, weights, n, Kt, V, phi);
}

export function selectionBackward(offsets: usize, tokens: usize, targets: usize, weights: usize, n: i32, phi: usize, V: i32, dKt: usize): void {
  backward<f64>(offsets, tokens, targets, weights, n, phi, V, dKt);
}

export function selectionForward32(offsets: usize, tokens: usize, targets: usize, weights: usize, n: i32, Kt: usize, V: i32, phi: usize): f64 {
  return forward<f32>(offsets, tokens, targets, weights, n, Kt, V, phi);
}

export function selectionBackward32(offsets: usize, tokens: usize, targets: usize, weights: usize, n: i32, phi: usize, V: i32, dKt: usize): void {
  backward<f32>(offsets, tokens, targets, weights, n, phi, V, dKt);
}
