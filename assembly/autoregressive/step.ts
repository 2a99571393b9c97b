// The causal transformer of the autoregressive family on one sequence, forward and backward, top
// to bottom (TS twin: src/tasks/autoregressive/kernels/js-step.ts; the model and its math:
// docs/theory/autoregressive.md). The heads of a layer are one product: their Q, K, V weights are
// the rows of one (3·H·D)×D matrix W, so E·Wᵀ gives every head's q, k, v at once (T × 3HD, head
// h's q, k, v in columns 3hD, 3hD + D, 3hD + 2D), and the weight gradient and the input gradient
// are again one product each. Attention per head is the banded gemm of gemm.ts.
//
// `lay` points to the layout: i32 fields (LAY_*) holding sizes and byte addresses. The buffers a
// sequence writes (E … vT, G) are the caller's per thread; P and WT are shared and read only.

import { gemm, transpose, BAND_FULL, BAND_LOWER_A, BAND_UPPER_AT, BAND_LOWER_C } from './gemm';
import { expAttentionForward, expAttentionBackward } from './causal-exp';
import { softmaxAttentionForward, softmaxAttentionBackward } from './causal-softmax';
import { mseForwardBackward } from './mse';

export const LAY_KIND = 0; // 0 linear, 1 exp, 2 softmax
export const LAY_D = 1; // token dimension d (D = 4d)
export const LAY_T = 2;
export const LAY_LAYERS = 3;
export const LAY_HEADS = 4;
export const LAY_TIED = 5;
export const LAY_P = 6; // parameters [set][head][Q, K, V] D×D
export const LAY_G = 7; // their gradient (accumulated)
export const LAY_WT = 8; // per set, Wᵀ: D × 3HD
export const LAY_E = 9; // e^l, l = 0 … n: T×D each
export const LAY_QKV = 10; // per layer: T × 3HD
export const LAY_A = 11; // per layer and head: T×T
export const LAY_DE = 12; // T×D
export const LAY_DPREV = 13; // T×D
export const LAY_DA = 14; // T×T
export const LAY_DQKV = 15; // T × 3HD
export const LAY_KT = 16; // D×T
export const LAY_VT = 17; // D×T
export const LAY_FIELDS = 18;

@inline function field(lay: usize, f: i32): i32 {
  return load<i32>(lay + ((<usize>f) << 2));
}
@inline function ptr(lay: usize, f: i32): usize {
  return <usize>load<u32>(lay + ((<usize>f) << 2));
}

/** WT of every weight set: the transposes E·Wᵀ reads row by row. Once per weight update. */
export function prepareWeights<T>(lay: usize): void {
  const D = 4 * field(lay, LAY_D);
  const n3 = 3 * field(lay, LAY_HEADS) * D;
  const sets = field(lay, LAY_TIED) != 0 ? 1 : field(lay, LAY_LAYERS);
  const size = (<usize>n3) * (<usize>D) * sizeof<T>();
  for (let l = 0; l < sets; l++) transpose<T>(ptr(lay, LAY_WT) + (<usize>l) * size, ptr(lay, LAY_P) + (<usize>l) * size, D, n3, D);
}

/** T0: e^0_t = (0, [t≥2]·x_t, x_t, [t≥2]·x_{t−1}), 1-based t, from tokens x (T×d) */
function buildInput<T>(e: usize, x: usize, d: i32, T: i32): void {
  const s = <usize>sizeof<T>();
  const D = 4 * d;
  memory.fill(e, 0, (<usize>T) * (<usize>D) * s);
  for (let t = 0; t < T; t++) {
    const et = e + (<usize>t) * (<usize>D) * s;
    const xt = x + (<usize>t) * (<usize>d) * s;
    memory.copy(et + (<usize>(2 * d)) * s, xt, (<usize>d) * s);
    if (t > 0) {
      memory.copy(et + (<usize>d) * s, xt, (<usize>d) * s);
      memory.copy(et + (<usize>(3 * d)) * s, xt - (<usize>d) * s, (<usize>d) * s);
    }
  }
}

/** Zeroes what BAND_LOWER_C computed outside the valid keys 1 ≤ j ≤ t of each row. */
function maskScores<T>(S: usize, T: i32): void {
  const s = <usize>sizeof<T>();
  for (let t = 0; t < T; t++) {
    const St = S + (<usize>t) * (<usize>T) * s;
    store<T>(St, <T>0);
    const end = min(T, (t & ~3) + 4);
    if (t + 1 < end) memory.fill(St + (<usize>(t + 1)) * s, 0, (<usize>(end - t - 1)) * s);
  }
}

/**
 * The forward pass of the sequence at x (T + 1 tokens; the first T are read): fills E, QKV, A
 * (of the top layer: v and e^n in the first d columns, the u-slot the loss reads).
 */
export function forwardSequence<T>(lay: usize, x: usize): void {
  const s = <usize>sizeof<T>();
  const kind = field(lay, LAY_KIND);
  const d = field(lay, LAY_D), T = field(lay, LAY_T), H = field(lay, LAY_HEADS), layers = field(lay, LAY_LAYERS);
  const D = 4 * d;
  const n3 = 3 * H * D;
  const tied = field(lay, LAY_TIED) != 0;
  const eSize = (<usize>T) * (<usize>D) * s;
  const qkvSize = (<usize>T) * (<usize>n3) * s;
  const aSize = (<usize>T) * (<usize>T) * s;
  const wtSize = (<usize>n3) * (<usize>D) * s;
  const kT = ptr(lay, LAY_KT);
  buildInput<T>(ptr(lay, LAY_E), x, d, T);
  for (let l = 0; l < layers; l++) {
    const e = ptr(lay, LAY_E) + (<usize>l) * eSize;
    const next = e + eSize;
    const qkv = ptr(lay, LAY_QKV) + (<usize>l) * qkvSize;
    const WT = ptr(lay, LAY_WT) + (tied ? 0 : (<usize>l) * wtSize);
    memory.copy(next, e, eSize);
    // e^0's u-slot (its first d columns) is 0: layer 0's projection starts past it
    const k0 = l == 0 ? d : 0;
    // the loss reads only the u-slot of e^n: the top layer computes v and its output there only
    // (e^n past the u-slot is left as e^{n−1}; nothing reads it)
    const vOut = l == layers - 1 ? d : D;
    if (vOut == D) gemm<T>(qkv, n3, e + (<usize>k0) * s, D, 1, WT + (<usize>(k0 * n3)) * s, n3, T, n3, D - k0, false, BAND_FULL);
    else for (let h = 0; h < H; h++) gemm<T>(qkv + (<usize>(3 * h * D)) * s, n3, e + (<usize>k0) * s, D, 1, WT + (<usize>(k0 * n3 + 3 * h * D)) * s, n3, T, 2 * D + vOut, D - k0, false, BAND_FULL);
    for (let h = 0; h < H; h++) {
      const A = ptr(lay, LAY_A) + (<usize>(l * H + h)) * aSize;
      const q = qkv + (<usize>(3 * h * D)) * s;
      transpose<T>(kT, q + (<usize>D) * s, n3, T, D);
      memory.fill(A, 0, aSize);
      gemm<T>(A, T, q, n3, 1, kT, T, T, T, D, false, BAND_LOWER_C);
      maskScores<T>(A, T);
      if (kind == 1) expAttentionForward<T>(A, T);
      else if (kind == 2) softmaxAttentionForward<T>(A, T);
      gemm<T>(next, D, A, T, 1, q + (<usize>(2 * D)) * s, n3, T, vOut, T, true, BAND_LOWER_A);
    }
  }
}

/**
 * Forward and backward of the sequence at x: returns Σ (u_t − x_{t+1})² and adds scale × its
 * gradient into G.
 */
export function gradientSequence<T>(lay: usize, x: usize, scale: f64): f64 {
  forwardSequence<T>(lay, x);
  const s = <usize>sizeof<T>();
  const kind = field(lay, LAY_KIND);
  const d = field(lay, LAY_D), T = field(lay, LAY_T), H = field(lay, LAY_HEADS), layers = field(lay, LAY_LAYERS);
  const D = 4 * d;
  const n3 = 3 * H * D;
  const tied = field(lay, LAY_TIED) != 0;
  const eSize = (<usize>T) * (<usize>D) * s;
  const qkvSize = (<usize>T) * (<usize>n3) * s;
  const aSize = (<usize>T) * (<usize>T) * s;
  const wSize = (<usize>n3) * (<usize>D) * s;
  const dA = ptr(lay, LAY_DA), dQKV = ptr(lay, LAY_DQKV), vT = ptr(lay, LAY_VT);
  let dE = ptr(lay, LAY_DE);
  let dPrev = ptr(lay, LAY_DPREV);
  const sum = mseForwardBackward<T>(dE, ptr(lay, LAY_E) + (<usize>layers) * eSize, x + (<usize>d) * s, T, D, d, scale);
  for (let l = layers - 1; l >= 0; l--) {
    const e = ptr(lay, LAY_E) + (<usize>l) * eSize;
    const qkv = ptr(lay, LAY_QKV) + (<usize>l) * qkvSize;
    const set: usize = tied ? 0 : <usize>l;
    // the input e^0 is not trained: layer 0 needs no input gradient
    if (l > 0) memory.copy(dPrev, dE, eSize);
    // the loss reads only the u-slot: the top layer's dOut is 0 past its first d columns, so
    // its dA sums over d of them and its dV has d nonzero columns, the only ones computed and
    // read (dropped terms are exact zeros)
    const kOut = l == layers - 1 ? d : D;
    for (let h = 0; h < H; h++) {
      const A = ptr(lay, LAY_A) + (<usize>(l * H + h)) * aSize;
      const col = (<usize>(3 * h * D)) * s;
      const q = qkv + col, k = q + (<usize>D) * s, v = q + (<usize>(2 * D)) * s;
      const dq = dQKV + col, dk = dq + (<usize>D) * s, dv = dq + (<usize>(2 * D)) * s;
      // dA = dOut·Vᵀ on the valid keys, dV = Aᵀ·dOut
      transpose<T>(vT, v, n3, T, kOut);
      memory.fill(dA, 0, aSize);
      gemm<T>(dA, T, dE, D, 1, vT, T, T, T, kOut, false, BAND_LOWER_C);
      maskScores<T>(dA, T);
      gemm<T>(dv, n3, A, 1, T, dE, D, T, kOut, T, false, BAND_UPPER_AT);
      if (kind == 1) expAttentionBackward<T>(dA, A, T);
      else if (kind == 2) softmaxAttentionBackward<T>(dA, A, T);
      // dQ = dS·K, dK = dSᵀ·Q
      gemm<T>(dq, n3, dA, T, 1, k, n3, T, D, T, false, BAND_LOWER_A);
      gemm<T>(dk, n3, dA, 1, T, q, n3, T, D, T, false, BAND_UPPER_AT);
    }
    // G += dQKVᵀ·e (every head's Q, K, V at once), dPrev += dQKV·W
    // (layer 0: e^0's zero u-slot adds nothing to its first d columns; the columns skipped stay a
    // multiple of 4 so that the rest are whole vectors)
    const g0 = l == 0 ? d & ~3 : 0;
    const G = ptr(lay, LAY_G) + set * wSize;
    const W = ptr(lay, LAY_P) + set * wSize;
    if (kOut == D) {
      gemm<T>(G + (<usize>g0) * s, D, dQKV, 1, n3, e + (<usize>g0) * s, D, n3, D - g0, T, true, BAND_FULL);
      if (l > 0) gemm<T>(dPrev, D, dQKV, n3, 1, W, D, T, D, n3, true, BAND_FULL);
    } else {
      // top layer: each head's dV is 0 past its first d columns, so per head the products run over
      // its q, k and the d live v rows (2D + d), accumulating in the same order as one product
      for (let h = 0; h < H; h++) {
        const col = 3 * h * D;
        gemm<T>(G + (<usize>(col * D + g0)) * s, D, dQKV + (<usize>col) * s, 1, n3, e + (<usize>g0) * s, D, 2 * D + kOut, D - g0, T, true, BAND_FULL);
        if (l > 0) gemm<T>(dPrev, D, dQKV + (<usize>col) * s, n3, 1, W + (<usize>(col * D)) * s, D, T, D, 2 * D + kOut, true, BAND_FULL);
      }
    }
    const tmp = dE;
    dE = dPrev;
    dPrev = tmp;
  }
  return sum;
}
