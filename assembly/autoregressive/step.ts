// The causal transformer of the autoregressive family on one sequence, forward and backward, top
// to bottom (TS twin: src/tasks/autoregressive/kernels/js-step.ts; the model and its math:
// docs/theory/autoregressive.md#compute). A head's scores need Q and K only through
// M = QᵀK (D×D): S = (E·Qᵀ)(E·Kᵀ)ᵀ = (E·M)·Eᵀ, so a pass multiplies by M and V, formed once per
// weight update. The heads of a layer are one product: the rows of one (2·H·D)×D matrix MV,
// per head Mᵀ then V, so E·MVᵀ gives every head's E·M and v at once (T × 2HD, head h's in columns
// 2hD and 2hD + D); the backward accumulates the gradient with respect to MV over the batch (dMV:
// per head dMᵀ, dV), and finishGradient turns it into the gradient with respect to Q, K, V once
// per step: ∂L/∂Q = K·dMᵀ, ∂L/∂K = Q·dM. Attention per head is the banded gemm of gemm.ts.
//
// Layer 0 reads e^0_t = (0, [t≥2]·x_t, x_t, [t≥2]·x_{t−1}) through z_t = (x_t, x_{t−1}), its last
// 2d columns: on every row that matters (t ≥ 2; position 1 has no valid key and is no row's valid key)
// e^0_t = U·z_t, U copying x_t into two slots, so the layer runs on z with M0 = UᵀMU (2d×2d) and
// V0 = V·U (D×2d), folded once per weight update (MVT0, MV0); its gradient dMV0 unfolds once per
// step. Below a top layer its values go through z too: Out = A·(Z·V0ᵀ) = (A·Z)·V0ᵀ, T(T+1)/2·2d
// and T·2d·D multiply-adds instead of T·2d·D and T(T+1)/2·D, and likewise in the backward.
//
// `lay` points to the layout: i32 fields (LAY_*) holding sizes and byte addresses. The buffers a
// sequence writes (dMV, E … vT) are the caller's per thread; P, MV and MVT are shared and read
// only, G is written by finishGradient alone.

import { gemm, BAND_FULL, BAND_LOWER_A, BAND_UPPER_AT, BAND_LOWER_C } from './gemm';
import { transpose } from '../matmul';
import { expAttentionForward, expAttentionBackward } from './causal-exp';
import { softmaxAttentionForward, softmaxAttentionBackward } from './causal-softmax';
import { mseForwardBackward } from './mse';
import { addInto } from '../vec';

export const LAY_KIND = 0; // 0 linear, 1 exp, 2 softmax
export const LAY_D = 1; // token dimension d (D = 4d)
export const LAY_T = 2;
export const LAY_LAYERS = 3;
export const LAY_HEADS = 4;
export const LAY_TIED = 5;
export const LAY_P = 6; // parameters [set][head][Q, K, V] D×D
export const LAY_G = 7; // their gradient (finishGradient adds into it)
export const LAY_MV = 8; // per set and head, Mᵀ = KᵀQ then V: 2HD × D per set; then layer 0's MV0: 2HD × 2d
export const LAY_MVT = 9; // per set, MVᵀ: D × 2HD; then layer 0's MVT0: 2d × 2HD
export const LAY_DMV = 10; // the gradient with respect to MV, accumulated over the batch (per thread); then dMV0: 2HD × 2d
export const LAY_E = 11; // e^l, l = 0 … n: T×D each
export const LAY_EMV = 12; // per layer: T × 2HD, head h's E·M and v
export const LAY_A = 13; // per layer and head: T×T
export const LAY_DE = 14; // T×D
export const LAY_DPREV = 15; // T×D
export const LAY_DA = 16; // T×T
export const LAY_DEMV = 17; // T × 2HD
export const LAY_ET = 18; // D×T
export const LAY_VT = 19; // D×T
export const LAY_FIELDS = 20;

@inline function field(lay: usize, f: i32): i32 {
  return load<i32>(lay + ((<usize>f) << 2));
}
@inline function ptr(lay: usize, f: i32): usize {
  return <usize>load<u32>(lay + ((<usize>f) << 2));
}

/** Weight sets: one when the layers share their weights, else one per layer. */
@inline function weightSets(lay: usize): i32 {
  return field(lay, LAY_TIED) != 0 ? 1 : field(lay, LAY_LAYERS);
}

/** Bytes of every weight set's block of MV, MVT or dMV (2HD × D each): where layer 0's folded block starts. */
@inline function setsBytes<T>(lay: usize): usize {
  const D = 4 * field(lay, LAY_D);
  return (<usize>(weightSets(lay) * 2 * field(lay, LAY_HEADS) * D)) * (<usize>D) * sizeof<T>();
}

/** Bytes of MV, MVT or dMV: every weight set's block, then layer 0's folded one (2HD × 2d). */
@inline export function foldedBytes<T>(lay: usize): usize {
  const d = field(lay, LAY_D);
  return setsBytes<T>(lay) + (<usize>(2 * field(lay, LAY_HEADS) * 4 * d * 2 * d)) * sizeof<T>();
}

/** MV and MVT of every weight set: per head Mᵀ = KᵀQ and V, and their transpose. Once per weight update. */
export function prepareWeights<T>(lay: usize): void {
  const s = <usize>sizeof<T>();
  const D = 4 * field(lay, LAY_D);
  const H = field(lay, LAY_HEADS);
  const n2 = 2 * H * D;
  const sets = weightSets(lay);
  const DD = (<usize>D) * (<usize>D) * s;
  const mvSize = (<usize>n2) * (<usize>D) * s;
  for (let l = 0; l < sets; l++) {
    const MV = ptr(lay, LAY_MV) + (<usize>l) * mvSize;
    for (let h = 0; h < H; h++) {
      const Q = ptr(lay, LAY_P) + (<usize>(3 * (l * H + h))) * DD;
      const mv = MV + (<usize>(2 * h)) * DD;
      gemm<T>(mv, D, Q + DD, 1, D, Q, D, D, D, D, false, BAND_FULL);
      memory.copy(mv + DD, Q + 2 * DD, DD);
    }
    transpose<T>(ptr(lay, LAY_MVT) + (<usize>l) * mvSize, MV, D, n2, D);
  }
  foldLayer0<T>(lay);
}

/**
 * Layer 0's weights on z = (x_t, x_{t−1}): MVT0[c', 2hD + 2d + i'] = M0[c', i'] = Σ M[a, b] over
 * the columns a, b of e^0 that z's c', i' fill (U), MVT0[c', 2hD + D + i] = V0[i, c'] = Σ_a V[i, a],
 * and MV0[2hD + D + i, c'] = V0[i, c'] (the backward's dOut·V0).
 */
function foldLayer0<T>(lay: usize): void {
  const s = <usize>sizeof<T>();
  const d = field(lay, LAY_D), H = field(lay, LAY_HEADS);
  const D = 4 * d;
  const n2 = 2 * H * D;
  const MV = ptr(lay, LAY_MV);
  const MVT0 = ptr(lay, LAY_MVT) + setsBytes<T>(lay);
  const MV0 = MV + setsBytes<T>(lay);
  for (let h = 0; h < H; h++) {
    for (let c = 0; c < 2 * d; c++) {
      const row = MVT0 + (<usize>(c * n2 + 2 * h * D)) * s;
      for (let i = 0; i < 2 * d; i++) {
        let x: T = <T>0;
        for (let a = slot(c, d, 0); a >= 0; a = slot(c, d, a)) {
          for (let b = slot(i, d, 0); b >= 0; b = slot(i, d, b)) x += load<T>(MV + (<usize>((2 * h * D + b) * D + a)) * s);
        }
        store<T>(row + (<usize>(2 * d + i)) * s, x);
      }
      for (let i = 0; i < D; i++) {
        let x: T = <T>0;
        for (let a = slot(c, d, 0); a >= 0; a = slot(c, d, a)) x += load<T>(MV + (<usize>((2 * h * D + D + i) * D + a)) * s);
        store<T>(row + (<usize>(D + i)) * s, x);
        store<T>(MV0 + (<usize>((2 * h * D + D + i) * 2 * d + c)) * s, x);
      }
    }
  }
}

/** The columns of e^0 that z's column c fills, ascending: after `prev` (0: the first), −1 past the last. */
@inline function slot(c: i32, d: i32, prev: i32): i32 {
  if (prev == 0) return c < d ? d + c : 2 * d + c;
  return c < d && prev == d + c ? 2 * d + c : -1;
}

/**
 * G += the gradient with respect to Q, K, V of the batch's dMV (every thread's share added):
 * per head ∂L/∂Q = K·dMᵀ, ∂L/∂K = Q·dM, ∂L/∂V = dV. Once per step; dMV is left overwritten.
 */
export function finishGradient<T>(lay: usize): void {
  const s = <usize>sizeof<T>();
  const D = 4 * field(lay, LAY_D);
  const H = field(lay, LAY_HEADS);
  const sets = weightSets(lay);
  const DD = (<usize>D) * (<usize>D) * s;
  unfoldLayer0<T>(lay);
  for (let i = 0; i < sets * H; i++) {
    const Q = ptr(lay, LAY_P) + (<usize>(3 * i)) * DD;
    const G = ptr(lay, LAY_G) + (<usize>(3 * i)) * DD;
    const dMT = ptr(lay, LAY_DMV) + (<usize>(2 * i)) * DD;
    const dV = dMT + DD;
    addInto<T>(G + 2 * DD, dV, D * D);
    gemm<T>(G, D, Q + DD, D, 1, dMT, D, D, D, D, true, BAND_FULL);
    // dM in place of dMᵀ: Q·dM reads it row by row
    for (let r = 0; r < D; r++) {
      for (let c = r + 1; c < D; c++) {
        const a = dMT + ((<usize>r) * (<usize>D) + (<usize>c)) * s;
        const b = dMT + ((<usize>c) * (<usize>D) + (<usize>r)) * s;
        const x = load<T>(a);
        store<T>(a, load<T>(b));
        store<T>(b, x);
      }
    }
    gemm<T>(G + DD, D, Q, D, 1, dMT, D, D, D, D, true, BAND_FULL);
  }
}

/** dMV (layer 0's weight set) += dMV0 through U: dMᵀ[b, a] += dM0ᵀ[i', c'], dV[i, a] += dV0[i, c'] over the columns a, b that c', i' fill. */
function unfoldLayer0<T>(lay: usize): void {
  const s = <usize>sizeof<T>();
  const d = field(lay, LAY_D), H = field(lay, LAY_HEADS);
  const D = 4 * d;
  const dMV = ptr(lay, LAY_DMV);
  const dMV0 = dMV + setsBytes<T>(lay);
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < 2 * d; i++) {
      for (let c = 0; c < 2 * d; c++) {
        const x = load<T>(dMV0 + (<usize>((2 * h * D + 2 * d + i) * 2 * d + c)) * s);
        for (let b = slot(i, d, 0); b >= 0; b = slot(i, d, b)) {
          for (let a = slot(c, d, 0); a >= 0; a = slot(c, d, a)) {
            const o = dMV + (<usize>((2 * h * D + b) * D + a)) * s;
            store<T>(o, load<T>(o) + x);
          }
        }
      }
    }
    for (let i = 0; i < D; i++) {
      for (let c = 0; c < 2 * d; c++) {
        const x = load<T>(dMV0 + (<usize>((2 * h * D + D + i) * 2 * d + c)) * s);
        for (let a = slot(c, d, 0); a >= 0; a = slot(c, d, a)) {
          const o = dMV + (<usize>((2 * h * D + D + i) * D + a)) * s;
          store<T>(o, load<T>(o) + x);
        }
      }
    }
  }
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

/** Zeroes what BAND_LOWER_C computed outside the valid keys 1 ≤ j ≤ t of each row (up to its 4-row block's edge, as far as the bands read). */
function maskScores<T>(S: usize, T: i32): void {
  const s = <usize>sizeof<T>();
  for (let t = 0; t < T; t++) {
    const St = S + (<usize>t) * (<usize>T) * s;
    store<T>(St, <T>0);
    const end = min(T, (t & ~3) + 4);
    for (let j = t + 1; j < end; j++) store<T>(St + (<usize>j) * s, <T>0);
  }
}

/**
 * The forward pass of the sequence at x (T + 1 tokens; the first T are read): fills E, EMV, A
 * (of the top layer: v and e^n in the first d columns, the u-slot the loss reads).
 */
export function forwardSequence<T>(lay: usize, x: usize): void {
  const s = <usize>sizeof<T>();
  const kind = field(lay, LAY_KIND);
  const d = field(lay, LAY_D), T = field(lay, LAY_T), H = field(lay, LAY_HEADS), layers = field(lay, LAY_LAYERS);
  const D = 4 * d;
  const n2 = 2 * H * D;
  const tied = field(lay, LAY_TIED) != 0;
  const sets = tied ? 1 : layers;
  const eSize = (<usize>T) * (<usize>D) * s;
  const emvSize = (<usize>T) * (<usize>n2) * s;
  const aSize = (<usize>T) * (<usize>T) * s;
  const mvSize = (<usize>n2) * (<usize>D) * s;
  const ET = ptr(lay, LAY_ET);
  buildInput<T>(ptr(lay, LAY_E), x, d, T);
  for (let l = 0; l < layers; l++) {
    const e = ptr(lay, LAY_E) + (<usize>l) * eSize;
    const next = e + eSize;
    const emv = ptr(lay, LAY_EMV) + (<usize>l) * emvSize;
    memory.copy(next, e, eSize);
    // layer 0 runs on z, e^0's last 2d columns, with MVT0: E·M has 2d columns (those of z)
    const k0 = l == 0 ? 2 * d : 0;
    const MVT = ptr(lay, LAY_MVT) + (l == 0 ? (<usize>sets) * mvSize : tied ? 0 : (<usize>l) * mvSize);
    // the loss reads only the u-slot of e^n: the top layer computes v and its output there only
    // (e^n past the u-slot is left as e^{n−1}; nothing reads it)
    const vOut = l == layers - 1 ? d : D;
    // layer 0 below a top layer: its values through z, Out = (A·Z)·V0ᵀ; no v
    const viaZ = l == 0 && layers > 1;
    if (k0 == 0 && vOut == D) gemm<T>(emv, n2, e, D, 1, MVT, n2, T, n2, D, false, BAND_FULL);
    else for (let h = 0; h < H; h++) gemm<T>(emv + (<usize>(2 * h * D + k0)) * s, n2, e + (<usize>k0) * s, D, 1, MVT + (<usize>(2 * h * D + k0)) * s, n2, T, D - k0 + (viaZ ? 0 : vOut), D - k0, false, BAND_FULL);
    transpose<T>(ET + (<usize>(k0 * T)) * s, e + (<usize>k0) * s, D, T, D - k0);
    for (let h = 0; h < H; h++) {
      const A = ptr(lay, LAY_A) + (<usize>(l * H + h)) * aSize;
      const em = emv + (<usize>(2 * h * D)) * s;
      // S = (E·M)·Eᵀ
      gemm<T>(A, T, em + (<usize>k0) * s, n2, 1, ET + (<usize>(k0 * T)) * s, T, T, T, D - k0, false, BAND_LOWER_C);
      maskScores<T>(A, T);
      if (kind == 1) expAttentionForward<T>(A, T);
      else if (kind == 2) softmaxAttentionForward<T>(A, T);
      if (viaZ) {
        // A·Z in v's columns, then Out += (A·Z)·V0ᵀ
        gemm<T>(em + (<usize>D) * s, n2, A, T, 1, e + (<usize>k0) * s, D, T, D - k0, T, false, BAND_LOWER_A);
        gemm<T>(next, D, em + (<usize>D) * s, n2, 1, MVT + (<usize>(2 * h * D + D)) * s, n2, T, D, D - k0, true, BAND_FULL);
      } else gemm<T>(next, D, A, T, 1, em + (<usize>D) * s, n2, T, vOut, T, true, BAND_LOWER_A);
    }
  }
}

/**
 * Forward and backward of the sequence at x: returns Σ (u_t − x_{t+1})² and adds scale × its
 * gradient with respect to MV into dMV (finishGradient turns the batch's into G).
 */
export function gradientSequence<T>(lay: usize, x: usize, scale: f64): f64 {
  forwardSequence<T>(lay, x);
  const s = <usize>sizeof<T>();
  const kind = field(lay, LAY_KIND);
  const d = field(lay, LAY_D), T = field(lay, LAY_T), H = field(lay, LAY_HEADS), layers = field(lay, LAY_LAYERS);
  const D = 4 * d;
  const n2 = 2 * H * D;
  const tied = field(lay, LAY_TIED) != 0;
  const eSize = (<usize>T) * (<usize>D) * s;
  const emvSize = (<usize>T) * (<usize>n2) * s;
  const aSize = (<usize>T) * (<usize>T) * s;
  const mvSize = (<usize>n2) * (<usize>D) * s;
  const dA = ptr(lay, LAY_DA), dEMV = ptr(lay, LAY_DEMV), vT = ptr(lay, LAY_VT), ET = ptr(lay, LAY_ET);
  const sets = tied ? 1 : layers;
  const MV0 = ptr(lay, LAY_MV) + (<usize>sets) * mvSize;
  let dE = ptr(lay, LAY_DE);
  let dPrev = ptr(lay, LAY_DPREV);
  const sum = mseForwardBackward<T>(dE, ptr(lay, LAY_E) + (<usize>layers) * eSize, x + (<usize>d) * s, T, D, d, scale);
  for (let l = layers - 1; l >= 0; l--) {
    const e = ptr(lay, LAY_E) + (<usize>l) * eSize;
    const emv = ptr(lay, LAY_EMV) + (<usize>l) * emvSize;
    const set: usize = tied ? 0 : <usize>l;
    // the input e^0 is not trained: layer 0 needs no input gradient
    if (l > 0) memory.copy(dPrev, dE, eSize);
    // the loss reads only the u-slot: the top layer's dOut is 0 past its first d columns, so
    // its dA sums over d of them and its dV has d nonzero columns, the only ones computed and
    // read (dropped terms are exact zeros)
    const kOut = l == layers - 1 ? d : D;
    // layer 0 runs on z, e^0's last 2d columns: dEM has 2d columns
    const k0 = l == 0 ? 2 * d : 0;
    const viaZ = l == 0 && layers > 1;
    const dMV = ptr(lay, LAY_DMV) + (l == 0 ? (<usize>sets) * mvSize : set * mvSize);
    // Zᵀ again: the forward left the top layer's Eᵀ
    if (viaZ) transpose<T>(ET + (<usize>(k0 * T)) * s, e + (<usize>k0) * s, D, T, D - k0);
    for (let h = 0; h < H; h++) {
      const A = ptr(lay, LAY_A) + (<usize>(l * H + h)) * aSize;
      const col = (<usize>(2 * h * D)) * s;
      const em = emv + col, v = em + (<usize>D) * s;
      const dem = dEMV + col, dv = dem + (<usize>D) * s;
      if (viaZ) {
        // Out = (A·Z)·V0ᵀ: dA = (dOut·V0)·Zᵀ on the valid keys (dOut·V0 in dv's columns), dV0 += dOutᵀ·(A·Z)
        gemm<T>(dv, n2, dE, D, 1, MV0 + (<usize>((2 * h * D + D) * (D - k0))) * s, D - k0, T, D - k0, D, false, BAND_FULL);
        gemm<T>(dA, T, dv, n2, 1, ET + (<usize>(k0 * T)) * s, T, T, T, D - k0, false, BAND_LOWER_C);
        maskScores<T>(dA, T);
        gemm<T>(dMV + (<usize>((2 * h * D + D) * (D - k0))) * s, D - k0, dE, 1, D, v, n2, D, D - k0, T, true, BAND_FULL);
      } else {
        // dA = dOut·Vᵀ on the valid keys, dV = Aᵀ·dOut
        transpose<T>(vT, v, n2, T, kOut);
        gemm<T>(dA, T, dE, D, 1, vT, T, T, T, kOut, false, BAND_LOWER_C);
        maskScores<T>(dA, T);
        gemm<T>(dv, n2, A, 1, T, dE, D, T, kOut, T, false, BAND_UPPER_AT);
      }
      if (kind == 1) expAttentionBackward<T>(dA, A, T);
      else if (kind == 2) softmaxAttentionBackward<T>(dA, A, T);
      // S = (E·M)·Eᵀ: dEM = dS·E on the query side, dPrev += dSᵀ·(E·M) on the key side
      gemm<T>(dem + (<usize>k0) * s, n2, dA, T, 1, e + (<usize>k0) * s, D, T, D - k0, T, false, BAND_LOWER_A);
      if (l > 0) gemm<T>(dPrev, D, dA, 1, T, em, n2, T, D, T, true, BAND_UPPER_AT);
    }
    // dMV += dEMVᵀ·e (every head's dMᵀ and dV at once), dPrev += dEMV·MV; layer 0: dMV0 += dEMVᵀ·z
    // (rows of D − k0 columns; below a top layer dV0 is done)
    const MV = ptr(lay, LAY_MV) + set * mvSize;
    if (k0 == 0 && kOut == D) {
      gemm<T>(dMV, D, dEMV, 1, n2, e, D, n2, D, T, true, BAND_FULL);
      if (l > 0) gemm<T>(dPrev, D, dEMV, n2, 1, MV, D, T, D, n2, true, BAND_FULL);
    } else {
      // layer 0 or the top layer: per head over its live rows, dMᵀ's past the first k0 and dV's
      // first kOut (D − k0 + kOut), accumulating in the same order as one product
      for (let h = 0; h < H; h++) {
        const r0 = 2 * h * D + k0;
        gemm<T>(dMV + (<usize>(r0 * (D - k0))) * s, D - k0, dEMV + (<usize>r0) * s, 1, n2, e + (<usize>k0) * s, D, D - k0 + (viaZ ? 0 : kOut), D - k0, T, true, BAND_FULL);
        if (l > 0) gemm<T>(dPrev, D, dEMV + (<usize>r0) * s, n2, 1, MV + (<usize>(r0 * D)) * s, D, T, D, D - k0 + kOut, true, BAND_FULL);
      }
    }
    const tmp = dE;
    dE = dPrev;
    dPrev = tmp;
  }
  return sum;
}
