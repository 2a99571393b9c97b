/**
 * TS twin of assembly/autoregressive/step.ts: the causal transformer on one sequence, forward and
 * backward, over a {@link CausalLayout}. A head's scores need Q and K only through M = QᵀK:
 * S = (E·M)·Eᵀ (docs/theory/autoregressive.md#compute). The heads' Mᵀ and V of a layer are the
 * rows of one (2HD)×D matrix MV, so E·MVᵀ is every head's E·M and v at once (T × 2HD; head h's in
 * columns 2hD and 2hD + D); the backward accumulates dMV over the batch and
 * {@link finishGradient} turns it into the gradient with respect to Q, K, V. Layer 0 runs on
 * z_t = (x_t, x_{t−1}), e^0's last 2d columns, with M0 = UᵀMU and V0 = V·U folded once per weight
 * update (e^0_t = U·z_t on every row that matters; see the WASM file); below a top layer its
 * values go through z too, Out = (A·Z)·V0ᵀ.
 */
import type { CausalLayout, Sigma } from './kernels.js';
import { BAND_FULL, BAND_LOWER_A, BAND_LOWER_C, BAND_UPPER_AT, gemm, transpose } from './js-gemm.js';

type Buf = Float64Array | Float32Array;

/** MV (per head Mᵀ = KᵀQ, then V) and its transpose MVT, for every weight set. */
export function prepareWeights(buf: Buf, L: CausalLayout): void {
  const D = 4 * L.d;
  const H = L.heads;
  const n2 = 2 * H * D;
  const sets = L.tied ? 1 : L.layers;
  for (let l = 0; l < sets; l++) {
    const MV = L.MV + l * n2 * D;
    for (let h = 0; h < H; h++) {
      const Q = L.P + 3 * (l * H + h) * D * D;
      const mv = MV + 2 * h * D * D;
      gemm(buf, mv, D, Q + D * D, 1, D, Q, D, D, D, D, false, BAND_FULL);
      buf.copyWithin(mv + D * D, Q + 2 * D * D, Q + 3 * D * D);
    }
    transpose(buf, L.MVT + l * n2 * D, MV, D, n2, D);
  }
  foldLayer0(buf, L);
}

/** The columns of e^0 that z's column c fills, ascending: after `prev` (0: the first), −1 past the last. */
function slot(c: number, d: number, prev: number): number {
  if (prev === 0) return c < d ? d + c : 2 * d + c;
  return c < d && prev === d + c ? 2 * d + c : -1;
}

/** Layer 0's weights on z: MVT0[c', 2hD + 2d + i'] = Σ M[a, b], MVT0[c', 2hD + D + i] = MV0[2hD + D + i, c'] = Σ_a V[i, a] (a, b: the columns c', i' fill). */
function foldLayer0(buf: Buf, L: CausalLayout): void {
  const { d, heads: H } = L;
  const D = 4 * d;
  const n2 = 2 * H * D;
  const MVT0 = L.MVT + (L.tied ? 1 : L.layers) * n2 * D;
  const MV0 = L.MV + (L.tied ? 1 : L.layers) * n2 * D;
  for (let h = 0; h < H; h++) {
    for (let c = 0; c < 2 * d; c++) {
      const row = MVT0 + c * n2 + 2 * h * D;
      for (let i = 0; i < 2 * d; i++) {
        let x = 0;
        for (let a = slot(c, d, 0); a >= 0; a = slot(c, d, a)) for (let b = slot(i, d, 0); b >= 0; b = slot(i, d, b)) x += buf[L.MV + (2 * h * D + b) * D + a];
        buf[row + 2 * d + i] = x;
      }
      for (let i = 0; i < D; i++) {
        let x = 0;
        for (let a = slot(c, d, 0); a >= 0; a = slot(c, d, a)) x += buf[L.MV + (2 * h * D + D + i) * D + a];
        buf[row + D + i] = x;
        buf[MV0 + (2 * h * D + D + i) * 2 * d + c] = x;
      }
    }
  }
}

/** dMV += dMV0 through U (layer 0's weight set): dMᵀ[b, a] += dM0ᵀ[i', c'], dV[i, a] += dV0[i, c']. */
function unfoldLayer0(buf: Buf, L: CausalLayout): void {
  const { d, heads: H } = L;
  const D = 4 * d;
  const n2 = 2 * H * D;
  const dMV0 = L.dMV + (L.tied ? 1 : L.layers) * n2 * D;
  for (let h = 0; h < H; h++) {
    for (let i = 0; i < 2 * d; i++) {
      for (let c = 0; c < 2 * d; c++) {
        const x = buf[dMV0 + (2 * h * D + 2 * d + i) * 2 * d + c];
        for (let b = slot(i, d, 0); b >= 0; b = slot(i, d, b)) for (let a = slot(c, d, 0); a >= 0; a = slot(c, d, a)) buf[L.dMV + (2 * h * D + b) * D + a] += x;
      }
    }
    for (let i = 0; i < D; i++) {
      for (let c = 0; c < 2 * d; c++) {
        const x = buf[dMV0 + (2 * h * D + D + i) * 2 * d + c];
        for (let a = slot(c, d, 0); a >= 0; a = slot(c, d, a)) buf[L.dMV + (2 * h * D + D + i) * D + a] += x;
      }
    }
  }
}

/** G += the gradient with respect to Q, K, V of the batch's dMV: K·dMᵀ, Q·dM, dV per head (dMV is left overwritten). */
export function finishGradient(buf: Buf, L: CausalLayout): void {
  const D = 4 * L.d;
  const DD = D * D;
  const sets = L.tied ? 1 : L.layers;
  unfoldLayer0(buf, L);
  for (let i = 0; i < sets * L.heads; i++) {
    const Q = L.P + 3 * i * DD;
    const G = L.G + 3 * i * DD;
    const dMT = L.dMV + 2 * i * DD;
    for (let o = 0; o < DD; o++) buf[G + 2 * DD + o] += buf[dMT + DD + o];
    gemm(buf, G, D, Q + DD, D, 1, dMT, D, D, D, D, true, BAND_FULL);
    // dM in place of dMᵀ: Q·dM reads it row by row
    for (let r = 0; r < D; r++) {
      for (let c = r + 1; c < D; c++) {
        const x = buf[dMT + r * D + c];
        buf[dMT + r * D + c] = buf[dMT + c * D + r];
        buf[dMT + c * D + r] = x;
      }
    }
    gemm(buf, G + DD, D, Q, D, 1, dMT, D, D, D, D, true, BAND_FULL);
  }
}

/** T0: e^0_t = (0, [t≥2]·x_t, x_t, [t≥2]·x_{t−1}), 1-based t. */
function buildInput(buf: Buf, e: number, x: number, d: number, T: number): void {
  const D = 4 * d;
  buf.fill(0, e, e + T * D);
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < d; c++) {
      const v = buf[x + t * d + c];
      buf[e + t * D + 2 * d + c] = v;
      if (t > 0) {
        buf[e + t * D + d + c] = v;
        buf[e + t * D + 3 * d + c] = buf[x + (t - 1) * d + c];
      }
    }
  }
}

/** Zeroes what BAND_LOWER_C computed outside the valid keys 1 ≤ j ≤ t. */
function maskScores(buf: Buf, S: number, T: number): void {
  for (let t = 0; t < T; t++) {
    buf[S + t * T] = 0;
    const end = Math.min(T, (t & ~3) + 4);
    buf.fill(0, S + t * T + t + 1, S + t * T + Math.max(end, t + 1));
  }
}

/**
 * Σ_t Σ_{c<d} (e[t, c] − y[t, c])² in float64 (e: T×D, y: T×d); dE[t, c] = 2·w·(e − y) on those
 * columns, 0 on the others (twin of assembly/autoregressive/mse.ts).
 */
export function mse(buf: Buf, dE: number, e: number, y: number, T: number, D: number, d: number, w: number): number {
  let sum = 0;
  buf.fill(0, dE, dE + T * D);
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < d; c++) {
      const diff = buf[e + t * D + c] - buf[y + t * d + c];
      sum += diff * diff;
      buf[dE + t * D + c] = 2 * w * diff;
    }
  }
  return sum;
}

export function forwardSequence(buf: Buf, L: CausalLayout, sigma: Sigma, x: number): void {
  const { d, T, heads: H } = L;
  const D = 4 * d;
  const n2 = 2 * H * D;
  buildInput(buf, L.E, x, d, T);
  for (let l = 0; l < L.layers; l++) {
    const e = L.E + l * T * D;
    const next = e + T * D;
    const emv = L.EMV + l * T * n2;
    buf.copyWithin(next, e, e + T * D);
    // layer 0 runs on z, e^0's last 2d columns, with MVT0: E·M has 2d columns (those of z)
    const k0 = l === 0 ? 2 * d : 0;
    const MVT = L.MVT + (l === 0 ? (L.tied ? 1 : L.layers) : L.tied ? 0 : l) * n2 * D;
    // the loss reads only the u-slot of e^n: the top layer computes v and its output there only
    const vOut = l === L.layers - 1 ? d : D;
    // layer 0 below a top layer: its values through z, Out = (A·Z)·V0ᵀ; no v
    const viaZ = l === 0 && L.layers > 1;
    if (k0 === 0 && vOut === D) gemm(buf, emv, n2, e, D, 1, MVT, n2, T, n2, D, false, BAND_FULL);
    else for (let h = 0; h < H; h++) gemm(buf, emv + 2 * h * D + k0, n2, e + k0, D, 1, MVT + 2 * h * D + k0, n2, T, D - k0 + (viaZ ? 0 : vOut), D - k0, false, BAND_FULL);
    transpose(buf, L.ET + k0 * T, e + k0, D, T, D - k0);
    for (let h = 0; h < H; h++) {
      const A = L.A + (l * H + h) * T * T;
      const em = emv + 2 * h * D;
      // S = (E·M)·Eᵀ
      buf.fill(0, A, A + T * T);
      gemm(buf, A, T, em + k0, n2, 1, L.ET + k0 * T, T, T, T, D - k0, false, BAND_LOWER_C);
      maskScores(buf, A, T);
      sigma.forward(A, T);
      if (viaZ) {
        // A·Z in v's columns, then Out += (A·Z)·V0ᵀ
        gemm(buf, em + D, n2, A, T, 1, e + k0, D, T, D - k0, T, false, BAND_LOWER_A);
        gemm(buf, next, D, em + D, n2, 1, MVT + 2 * h * D + D, n2, T, D, D - k0, true, BAND_FULL);
      } else gemm(buf, next, D, A, T, 1, em + D, n2, T, vOut, T, true, BAND_LOWER_A);
    }
  }
}

/** Forward and backward of the sequence at x: returns Σ (u_t − x_{t+1})² and adds scale × its gradient with respect to MV into dMV. */
export function gradientSequence(buf: Buf, L: CausalLayout, sigma: Sigma, x: number, scale: number): number {
  forwardSequence(buf, L, sigma, x);
  const { d, T, heads: H } = L;
  const D = 4 * d;
  const n2 = 2 * H * D;
  let dE = L.dE;
  let dPrev = L.dPrev;
  const sum = mse(buf, dE, L.E + L.layers * T * D, x + d, T, D, d, scale);
  for (let l = L.layers - 1; l >= 0; l--) {
    const e = L.E + l * T * D;
    const emv = L.EMV + l * T * n2;
    const set = L.tied ? 0 : l;
    // the input e^0 is not trained: layer 0 needs no input gradient
    if (l > 0) buf.copyWithin(dPrev, dE, dE + T * D);
    // the loss reads only the u-slot: the top layer's dOut is 0 past its first d columns
    const kOut = l === L.layers - 1 ? d : D;
    // layer 0 runs on z, e^0's last 2d columns: dEM has 2d columns
    const k0 = l === 0 ? 2 * d : 0;
    const viaZ = l === 0 && L.layers > 1;
    const sets = L.tied ? 1 : L.layers;
    const dMV = L.dMV + (l === 0 ? sets : set) * n2 * D;
    const MV0 = L.MV + sets * n2 * D;
    // Zᵀ again: the forward left the top layer's Eᵀ
    if (viaZ) transpose(buf, L.ET + k0 * T, e + k0, D, T, D - k0);
    for (let h = 0; h < H; h++) {
      const A = L.A + (l * H + h) * T * T;
      const em = emv + 2 * h * D;
      const v = em + D;
      const dem = L.dEMV + 2 * h * D;
      if (viaZ) {
        // Out = (A·Z)·V0ᵀ: dA = (dOut·V0)·Zᵀ on the valid keys (dOut·V0 in dv's columns), dV0 += dOutᵀ·(A·Z)
        gemm(buf, dem + D, n2, dE, D, 1, MV0 + (2 * h * D + D) * (D - k0), D - k0, T, D - k0, D, false, BAND_FULL);
        buf.fill(0, L.dA, L.dA + T * T);
        gemm(buf, L.dA, T, dem + D, n2, 1, L.ET + k0 * T, T, T, T, D - k0, false, BAND_LOWER_C);
        maskScores(buf, L.dA, T);
        gemm(buf, dMV + (2 * h * D + D) * (D - k0), D - k0, dE, 1, D, v, n2, D, D - k0, T, true, BAND_FULL);
      } else {
        // dA = dOut·Vᵀ on the valid keys, dV = Aᵀ·dOut
        transpose(buf, L.vT, v, n2, T, kOut);
        buf.fill(0, L.dA, L.dA + T * T);
        gemm(buf, L.dA, T, dE, D, 1, L.vT, T, T, T, kOut, false, BAND_LOWER_C);
        maskScores(buf, L.dA, T);
        gemm(buf, dem + D, n2, A, 1, T, dE, D, T, kOut, T, false, BAND_UPPER_AT);
      }
      sigma.backward(L.dA, A, T);
      // S = (E·M)·Eᵀ: dEM = dS·E on the query side, dPrev += dSᵀ·(E·M) on the key side
      gemm(buf, dem + k0, n2, L.dA, T, 1, e + k0, D, T, D - k0, T, false, BAND_LOWER_A);
      if (l > 0) gemm(buf, dPrev, D, L.dA, 1, T, em, n2, T, D, T, true, BAND_UPPER_AT);
    }
    // dMV += dEMVᵀ·e (every head's dMᵀ and dV at once), dPrev += dEMV·MV; layer 0: dMV0 += dEMVᵀ·z
    const MV = L.MV + set * n2 * D;
    if (k0 === 0 && kOut === D) {
      gemm(buf, dMV, D, L.dEMV, 1, n2, e, D, n2, D, T, true, BAND_FULL);
      if (l > 0) gemm(buf, dPrev, D, L.dEMV, n2, 1, MV, D, T, D, n2, true, BAND_FULL);
    } else {
      // layer 0 or the top layer: per head over its live rows (dMᵀ's past the first k0, dV's first kOut), as in WASM
      for (let h = 0; h < H; h++) {
        const r0 = 2 * h * D + k0;
        gemm(buf, dMV + r0 * (D - k0), D - k0, L.dEMV + r0, 1, n2, e + k0, D, D - k0 + (viaZ ? 0 : kOut), D - k0, T, true, BAND_FULL);
        if (l > 0) gemm(buf, dPrev, D, L.dEMV + r0, n2, 1, MV + r0 * D, D, T, D, D - k0 + kOut, true, BAND_FULL);
      }
    }
    const tmp = dE;
    dE = dPrev;
    dPrev = tmp;
  }
  return sum;
}
