// The `gen` head (docs/theory/cyclic.md#training-variants, Li et al.'s `gen` + `ce` with one-hot tokens): logits z_v = attention
// mass on token v, cross-entropy against the target o_n; the package's frozen-M head with M the
// collocation's permutation at scale 1. Pointer-and-size kernels, no module state; one forward and
// one backward pass over all samples, generic over the precision T (f64 or f32): `genForward` and
// `genBackward` are the f64 instantiation, `genForward32`/`genBackward32` the f32 one.
// Layouts as in selection.ts, plus scratch z T[V], p T[V] (read and written at context tokens only)
// and dphi T[longest context].

import { at, contextSoftmax, ld32 } from './context-softmax';
import { exps } from '../exp';

/**
 * z = attention mass per context token of sample i (from its φ), p_t = exp(z_t − z_o) for each
 * distinct context token t ≠ o; returns Σ_{v≠o} p_v. Every token outside the context has z_v = 0,
 * so its term is the one number e^{−z_o}: the sum costs O(L) exponentials, not O(|V|), and its
 * terms are all positive (no cancellation, exact when tiny). Touches z and p at the context's tokens only.
 */
function massAndRest<T>(tokens: usize, start: i32, L: i32, o: i32, f: usize, V: i32, z: usize, p: usize): T {
  for (let l = 0; l < L; l++) store<T>(at<T>(z, ld32(tokens, start + l)), <T>0);
  let zo = <T>0;
  for (let l = 0; l < L; l++) {
    const t = ld32(tokens, start + l);
    const a = at<T>(z, t);
    const m = load<T>(a) + load<T>(at<T>(f, l));
    store<T>(a, m);
    if (t == o) zo = m;
  }
  // z ∈ [0, 1]: shifting by z_o keeps exp in range
  let rest = <T>0;
  let seen = 0;
  for (let l = 0; l < L; l++) {
    const t = ld32(tokens, start + l);
    if (t == o) continue;
    const a = at<T>(z, t);
    const m = load<T>(a);
    // a mass is ≥ 0: −1 marks a token already counted
    if (m < <T>0) continue;
    const e = exps<T>(m - zo);
    store<T>(at<T>(p, t), e);
    rest += e;
    store<T>(a, <T>-1);
    seen++;
  }
  return rest + <T>(V - 1 - seen) * exps<T>(-zo);
}

/** Sample i's φ into phi; returns π_i CE(z_i, o_i) = π_i log1p(Σ_{v≠o} e^{z_v − z_o}). */
export function genSampleForward<T>(i: i32, offsets: usize, tokens: usize, targets: usize, weights: usize, Kt: usize, V: i32, phi: usize, z: usize, p: usize): f64 {
  const start = ld32(offsets, i);
  const L = ld32(offsets, i + 1) - start;
  const q = ld32(tokens, start + L - 1);
  const f = at<T>(phi, start);
  contextSoftmax<T>(tokens, start, L, at<T>(Kt, q * V), f);
  const rest = massAndRest<T>(tokens, start, L, ld32(targets, i), f, V, z, p);
  return <f64>load<T>(at<T>(weights, i)) * Math.log1p(<f64>rest);
}

/** φ per position into phi; returns Σ_n π_n CE(z_n, o_n). */
function forward<T>(offsets: usize, tokens: usize, targets: usize, weights: usize, n: i32, Kt: usize, V: i32, phi: usize, z: usize, p: usize): f64 {
  let loss: f64 = 0;
  for (let i = 0; i < n; i++) loss += genSampleForward<T>(i, offsets, tokens, targets, weights, Kt, V, phi, z, p);
  return loss;
}

/**
 * Sample i's dKt[q, t_l] += ds_l from the φ of the last forward pass: dz = π (p − e_o) with dz_o = −π Σ_{v≠o} p_v,
 * dφ_l = dz[t_l], ds_l = φ_l((dφ_l − dφ_ref) − Σ_k φ_k (dφ_k − dφ_ref)), centred on the most
 * attended position so that the sum is of small exact terms.
 */
export function genSampleBackward<T>(i: i32, offsets: usize, tokens: usize, targets: usize, weights: usize, phi: usize, V: i32, dKt: usize, z: usize, p: usize, dphi: usize): void {
  const start = ld32(offsets, i);
  const L = ld32(offsets, i + 1) - start;
  const q = ld32(tokens, start + L - 1);
  const o = ld32(targets, i);
  const w = load<T>(at<T>(weights, i));
  const f = at<T>(phi, start);
  const rest = massAndRest<T>(tokens, start, L, o, f, V, z, p);
  const sInv = <T>1 / (<T>1 + rest);
  let ref = 0;
  for (let l = 0; l < L; l++) {
    const t = ld32(tokens, start + l);
    store<T>(at<T>(dphi, l), t == o ? -w * rest * sInv : w * load<T>(at<T>(p, t)) * sInv);
    if (load<T>(at<T>(f, l)) > load<T>(at<T>(f, ref))) ref = l;
  }
  const dref = load<T>(at<T>(dphi, ref));
  let c = <T>0;
  for (let l = 0; l < L; l++) c += load<T>(at<T>(f, l)) * (load<T>(at<T>(dphi, l)) - dref);
  const drow = at<T>(dKt, q * V);
  for (let l = 0; l < L; l++) {
    const a = at<T>(drow, ld32(tokens, start + l));
    store<T>(a, load<T>(a) + load<T>(at<T>(f, l)) * ((load<T>(at<T>(dphi, l)) - dref) - c));
  }
}

/** Every sample's backward, in sample order (each row dK[q, :] sums its samples in that order). */
function backward<T>(offsets: usize, tokens: usize, targets: usize, weights: usize, n: i32, phi: usize, V: i32, dKt: usize, z: usize, p: usize, dphi: usize): void {
  for (let i = 0; i < n; i++) genSampleBackward<T>(i, offsets, tokens, targets, weights, phi, V, dKt, z, p, dphi);
}

export function genForward(offsets: usize, tokens: usize, targets: usize, weights: usize, n: i32, Kt: usize, V: i32, phi: usize, z: usize, p: usize): f64 {
  return forward<f64>(offsets, tokens, targets, weights, n, Kt, V, phi, z, p);
}

export function genBackward(offsets: usize, tokens: usize, targets: usize, weights: usize, n: i32, phi: usize, V: i32, dKt: usize, z: usize, p: usize, dphi: usize): void {
  backward<f64>(offsets, tokens, targets, weights, n, phi, V, dKt, z, p, dphi);
}

export function genForward32(offsets: usize, tokens: usize, targets: usize, weights: usize, n: i32, Kt: usize, V: i32, phi: usize, z: usize, p: usize): f64 {
  return forward<f32>(offsets, tokens, targets, weights, n, Kt, V, phi, z, p);
}

export function genBackward32(offsets: usize, tokens: usize, targets: usize, weights: usize, n: i32, phi: usize, V: i32, dKt: usize, z: usize, p: usize, dphi: usize): void {
  backward<f32>(offsets, tokens, targets, weights, n, phi, V, dKt, z, p, dphi);
}
