// The recall family's model over a batch (docs/theory/recall.md#model-and-loss): one forward and one backward per
// sentence, reading top to bottom. Weights W (2N×2N), V and F (N×2N); tokens B×H i32.
// Twin: src/tasks/recall/kernels/step.ts.

import { queryRow, attentionForward, weightedSum, attentionBackward, queryRowBackward } from './attention';
import { headForward, combineHead, logitsFromF, columnsBackward } from './head';
import { gemmNN, transpose } from '../matmul';
import { axpy } from '../vec';
import { crossEntropy } from '../softmax';

function align(p: usize): usize {
  return (p + 15) & ~(15 as usize);
}

// scratch: R, dR, ws, dws (2N), s, a, ds (H), xi, xiA, xiF, dz (N), M, O (N×2N), then Mᵀ (2N×N),
// a product's P (N×2N) and a chunk's WS, ∂WS (CHUNK×2N), Ξ, G (CHUNK×N) and s, a (CHUNK×H); each
// 16-byte aligned, the chunk's matrices with dense rows (the products' layout)
/** Sentences whose output layers run as one matrix product (assembly/matmul.ts): the N×2N weights are read once per chunk, not once per sentence. */
const CHUNK = 32;

/** Bytes of scratch the kernels below need for vocabulary N and context H. */
export function scratchBytes(N: i32, H: i32, s: usize): usize {
  const mat = align((<usize>(2 * N * N)) * s);
  const chunk = (<usize>2) * align((<usize>(CHUNK * 2 * N)) * s) + (<usize>2) * align((<usize>(CHUNK * N)) * s) + (<usize>(2 * CHUNK)) * align((<usize>H) * s);
  return (<usize>4) * align((<usize>(2 * N)) * s) + (<usize>3) * align((<usize>H) * s) + (<usize>4) * align((<usize>N) * s) + (<usize>4) * mat + chunk;
}

// Scratch pointers are computed, not held in an object: the module runs without a garbage
// collector (runtime stub), so nothing may be allocated per call.
@inline function b2(N: i32, sz: usize): usize { return align((<usize>(2 * N)) * sz); }
@inline function bH(H: i32, sz: usize): usize { return align((<usize>H) * sz); }
@inline function bN(N: i32, sz: usize): usize { return align((<usize>N) * sz); }

@inline function tok(z: usize, i: i32): i32 {
  return load<i32>(z + ((<usize>i) << 2));
}

/**
 * Mean cross-entropy of the batch; with non-zero gradient pointers (zeroed here), ∇W, ∇V, ∇F.
 * A zero pointer is a tensor that does not train.
 */
export function forwardBackward<T>(sigma: i32, kappa: i32, useF: bool, N: i32, H: i32, B: i32, tokens: usize, targets: usize, W: usize, V: usize, F: usize, gW: usize, gV: usize, gF: usize, scratch: usize): f64 {
  return forwardBackwardRange<T>(sigma, kappa, useF, N, H, B, 0, B, tokens, targets, W, V, F, gW, gV, gF, scratch);
}

/**
 * forwardBackward's share of sentences [b0, b1) of a batch of B: their loss / B, and their part
 * of the gradients (the gradients are sums over sentences, so the parts of a partition add up to
 * the whole; assembly/recall/parallel.ts runs one part per thread). Sentences go in chunks of
 * CHUNK: each sentence's attention alone, then the chunk's output layers as three products,
 * Ξ = WS·Mᵀ, ∂WS = G·M and P = Gᵀ·WS (added into ∇V's dense part O).
 */
export function forwardBackwardRange<T>(sigma: i32, kappa: i32, useF: bool, N: i32, H: i32, B: i32, b0: i32, b1: i32, tokens: usize, targets: usize, W: usize, V: usize, F: usize, gW: usize, gV: usize, gF: usize, scratch: usize): f64 {
  const sz = sizeof<T>();
  const n2 = 2 * N;
  const nVF = N * n2;
  const mat = align((<usize>nVF) * sz);
  const R = scratch;
  const dR = R + b2(N, sz);
  const ds = dR + 3 * b2(N, sz) + 2 * bH(H, sz);
  const M = ds + bH(H, sz) + 4 * bN(N, sz);
  const O = gV != 0 ? gV : (gF != 0 && kappa != 0 ? M + mat : 0);
  const MT = M + 2 * mat;
  const P = MT + mat;
  const WS = P + mat;
  const DWS = WS + align((<usize>(CHUNK * n2)) * sz);
  const XI = DWS + align((<usize>(CHUNK * n2)) * sz);
  const G = XI + align((<usize>(CHUNK * N)) * sz);
  const SV = G + align((<usize>(CHUNK * N)) * sz);
  const A = SV + (<usize>CHUNK) * bH(H, sz);
  const r2 = (<usize>n2) * sz;
  const rN = (<usize>N) * sz;
  if (gW != 0) memory.fill(gW, 0, (<usize>n2) * (<usize>n2) * sz);
  if (O != 0) memory.fill(O, 0, (<usize>nVF) * sz);
  if (gF != 0) memory.fill(gF, 0, (<usize>nVF) * sz);
  combineHead<T>(M, V, F, N, kappa, useF);
  transpose<T>(MT, M, n2, N, n2);
  const backward = gW != 0 || gV != 0 || gF != 0;
  const w = <T>(1.0 / <f64>B);
  let loss: f64 = 0;
  for (let c0 = b0; c0 < b1; c0 += CHUNK) {
    const k = min(CHUNK, b1 - c0);
    for (let i = 0; i < k; i++) {
      const z = tokens + (<usize>(c0 + i)) * (<usize>H) * 4;
      const sv = SV + (<usize>i) * bH(H, sz);
      const a = A + (<usize>i) * bH(H, sz);
      queryRow<T>(R, W, N, tok(z, H - 1), tok(z, H - 2));
      attentionForward<T>(sigma, R, z, H, N, sv, a);
      weightedSum<T>(WS + (<usize>i) * r2, a, z, H, N);
    }
    // Ξ = WS·Mᵀ, then each sentence's F columns and its loss
    gemmNN<T>(XI, WS, MT, k, N, n2, n2, 1);
    for (let i = 0; i < k; i++) {
      const b = c0 + i;
      const z = tokens + (<usize>b) * (<usize>H) * 4;
      const xi = XI + (<usize>i) * rN;
      if (useF) logitsFromF<T>(xi, F, N, tok(z, H - 1), tok(z, H - 2));
      loss += crossEntropy<T>(xi, G + (<usize>i) * rN, N, load<i32>(targets + (<usize>b) * 4), w);
    }
    if (!backward) continue;
    if (O != 0) {
      gemmNN<T>(P, G, WS, N, n2, k, 1, N);
      axpy<T>(O, <T>1, P, nVF);
    }
    if (gF != 0) {
      for (let i = 0; i < k; i++) {
        const z = tokens + (<usize>(c0 + i)) * (<usize>H) * 4;
        columnsBackward<T>(G + (<usize>i) * rN, gF, N, tok(z, H - 1), tok(z, H - 2));
      }
    }
    if (gW != 0) {
      gemmNN<T>(DWS, G, M, k, n2, N, N, 1);
      for (let i = 0; i < k; i++) {
        const z = tokens + (<usize>(c0 + i)) * (<usize>H) * 4;
        attentionBackward<T>(sigma, DWS + (<usize>i) * r2, z, H, N, SV + (<usize>i) * bH(H, sz), A + (<usize>i) * bH(H, sz), ds, dR);
        queryRowBackward<T>(gW, dR, N, tok(z, H - 1), tok(z, H - 2));
      }
    }
  }
  // ∇F's dense part is κ times ∇V's: c = e_q + e_{N+z_{H−1}} + κ ws
  if (gF != 0 && kappa != 0) axpy<T>(gF, <T>1, O, nVF);
  return loss / <f64>B;
}

/** −ln p(v) under softmax(ξ), in f64, as log1p(Σ_{u≠v} e^{ξ_u − ξ_v}) when v attains the max */
function negLogProb<T>(xi: usize, N: i32, v: i32): f64 {
  const sz = sizeof<T>();
  const zv = <f64>load<T>(xi + (<usize>v) * sz);
  let m = zv;
  for (let u = 0; u < N; u++) m = max(m, <f64>load<T>(xi + (<usize>u) * sz));
  if (m <= zv) {
    let S: f64 = 0;
    for (let u = 0; u < N; u++) if (u != v) S += Math.exp(<f64>load<T>(xi + (<usize>u) * sz) - zv);
    return Math.log1p(S);
  }
  let total: f64 = 0;
  for (let u = 0; u < N; u++) total += Math.exp(<f64>load<T>(xi + (<usize>u) * sz) - m);
  return m - zv + Math.log(total);
}

function maxOf<T>(x: usize, n: i32): f64 {
  let m = <f64>load<T>(x);
  for (let i = 1; i < n; i++) m = max(m, <f64>load<T>(x + (<usize>i) * sizeof<T>()));
  return m;
}

/** Fields per sentence written by evaluate (f64): −ln p(y), −ln p(τ), −ln p(target), ξ_A[y], max ξ_A, ξ_F[τ], max ξ_F */
export const EVAL_FIELDS: i32 = 7;

export function evaluate<T>(sigma: i32, kappa: i32, useF: bool, N: i32, H: i32, B: i32, tokens: usize, targets: usize, outputs: usize, tau: i32, W: usize, V: usize, F: usize, scratch: usize, out: usize): void {
  const sz = sizeof<T>();
  const R = scratch;
  const dR = R + b2(N, sz);
  const ws = dR + b2(N, sz);
  const dws = ws + b2(N, sz);
  const sv = dws + b2(N, sz);
  const a = sv + bH(H, sz);
  const ds = a + bH(H, sz);
  const xi = ds + bH(H, sz);
  const xiA = xi + bN(N, sz);
  const xiF = xiA + bN(N, sz);
  const dz = xiF + bN(N, sz);
  for (let b = 0; b < B; b++) {
    const z = tokens + (<usize>b) * (<usize>H) * 4;
    const q = tok(z, H - 1);
    const prev = tok(z, H - 2);
    queryRow<T>(R, W, N, q, prev);
    attentionForward<T>(sigma, R, z, H, N, sv, a);
    weightedSum<T>(ws, a, z, H, N);
    headForward<T>(xi, xiA, xiF, V, F, ws, N, q, prev, kappa, useF);
    const y = load<i32>(outputs + (<usize>b) * 4);
    const o = out + (<usize>b) * (<usize>EVAL_FIELDS) * 8;
    store<f64>(o, negLogProb<T>(xi, N, y));
    store<f64>(o + 8, negLogProb<T>(xi, N, tau));
    store<f64>(o + 16, negLogProb<T>(xi, N, load<i32>(targets + (<usize>b) * 4)));
    store<f64>(o + 24, <f64>load<T>(xiA + (<usize>y) * sz));
    store<f64>(o + 32, maxOf<T>(xiA, N));
    store<f64>(o + 40, <f64>load<T>(xiF + (<usize>tau) * sz));
    store<f64>(o + 48, maxOf<T>(xiF, N));
  }
}
