/**
 * TS twin of assembly/autoregressive/step.ts: the causal transformer on one sequence, forward and
 * backward, over a {@link CausalLayout}. The heads' Q, K, V weights of a layer are the rows of one
 * (3HD)×D matrix W, so E·Wᵀ is every head's q, k, v at once (T × 3HD; head h's q, k, v in columns
 * 3hD, 3hD + D, 3hD + 2D) and the weight and input gradients are one product each.
 */
import type { CausalLayout, Sigma } from './kernels.js';
import { BAND_FULL, BAND_LOWER_A, BAND_LOWER_C, BAND_UPPER_AT, gemm, transpose } from './js-gemm.js';

type Buf = Float64Array | Float32Array;

/** WT of every weight set. */
export function prepareWeights(buf: Buf, L: CausalLayout): void {
  const D = 4 * L.d;
  const n3 = 3 * L.heads * D;
  const sets = L.tied ? 1 : L.layers;
  for (let l = 0; l < sets; l++) transpose(buf, L.WT + l * n3 * D, L.P + l * n3 * D, D, n3, D);
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
  const n3 = 3 * H * D;
  buildInput(buf, L.E, x, d, T);
  for (let l = 0; l < L.layers; l++) {
    const e = L.E + l * T * D;
    const next = e + T * D;
    const qkv = L.QKV + l * T * n3;
    const WT = L.WT + (L.tied ? 0 : l * n3 * D);
    buf.copyWithin(next, e, e + T * D);
    // e^0's u-slot (its first d columns) is 0: layer 0's projection starts past it
    const k0 = l === 0 ? d : 0;
    // the loss reads only the u-slot of e^n: the top layer computes v and its output there only
    const vOut = l === L.layers - 1 ? d : D;
    if (vOut === D) gemm(buf, qkv, n3, e + k0, D, 1, WT + k0 * n3, n3, T, n3, D - k0, false, BAND_FULL);
    else for (let h = 0; h < H; h++) gemm(buf, qkv + 3 * h * D, n3, e + k0, D, 1, WT + k0 * n3 + 3 * h * D, n3, T, 2 * D + vOut, D - k0, false, BAND_FULL);
    for (let h = 0; h < H; h++) {
      const A = L.A + (l * H + h) * T * T;
      const q = qkv + 3 * h * D;
      transpose(buf, L.kT, q + D, n3, T, D);
      buf.fill(0, A, A + T * T);
      gemm(buf, A, T, q, n3, 1, L.kT, T, T, T, D, false, BAND_LOWER_C);
      maskScores(buf, A, T);
      sigma.forward(A, T);
      gemm(buf, next, D, A, T, 1, q + 2 * D, n3, T, vOut, T, true, BAND_LOWER_A);
    }
  }
}

export function gradientSequence(buf: Buf, L: CausalLayout, sigma: Sigma, x: number, scale: number): number {
  forwardSequence(buf, L, sigma, x);
  const { d, T, heads: H } = L;
  const D = 4 * d;
  const n3 = 3 * H * D;
  let dE = L.dE;
  let dPrev = L.dPrev;
  const sum = mse(buf, dE, L.E + L.layers * T * D, x + d, T, D, d, scale);
  for (let l = L.layers - 1; l >= 0; l--) {
    const e = L.E + l * T * D;
    const qkv = L.QKV + l * T * n3;
    const set = L.tied ? 0 : l;
    // the input e^0 is not trained: layer 0 needs no input gradient
    if (l > 0) buf.copyWithin(dPrev, dE, dE + T * D);
    // the loss reads only the u-slot: the top layer's dOut is 0 past its first d columns
    const kOut = l === L.layers - 1 ? d : D;
    for (let h = 0; h < H; h++) {
      const A = L.A + (l * H + h) * T * T;
      const q = qkv + 3 * h * D;
      const k = q + D;
      const v = q + 2 * D;
      const dq = L.dQKV + 3 * h * D;
      // dA = dOut·Vᵀ on the valid keys, dV = Aᵀ·dOut
      transpose(buf, L.vT, v, n3, T, kOut);
      buf.fill(0, L.dA, L.dA + T * T);
      gemm(buf, L.dA, T, dE, D, 1, L.vT, T, T, T, kOut, false, BAND_LOWER_C);
      maskScores(buf, L.dA, T);
      gemm(buf, dq + 2 * D, n3, A, 1, T, dE, D, T, kOut, T, false, BAND_UPPER_AT);
      sigma.backward(L.dA, A, T);
      // dQ = dS·K, dK = dSᵀ·Q
      gemm(buf, dq, n3, L.dA, T, 1, k, n3, T, D, T, false, BAND_LOWER_A);
      gemm(buf, dq + D, n3, L.dA, 1, T, q, n3, T, D, T, false, BAND_UPPER_AT);
    }
    // G += dQKVᵀ·e (every head's Q, K, V at once), dPrev += dQKV·W
    // (layer 0: e^0's zero u-slot adds nothing to its first d columns; a multiple of 4 skipped, as in WASM)
    const g0 = l === 0 ? d & ~3 : 0;
    const G = L.G + set * n3 * D;
    const W = L.P + set * n3 * D;
    if (kOut === D) {
      gemm(buf, G + g0, D, L.dQKV, 1, n3, e + g0, D, n3, D - g0, T, true, BAND_FULL);
      if (l > 0) gemm(buf, dPrev, D, L.dQKV, n3, 1, W, D, T, D, n3, true, BAND_FULL);
    } else {
      // top layer: per head over its q, k and the d live v rows, as in WASM
      for (let h = 0; h < H; h++) {
        const col = 3 * h * D;
        gemm(buf, G + col * D + g0, D, L.dQKV + col, 1, n3, e + g0, D, 2 * D + kOut, D - g0, T, true, BAND_FULL);
        if (l > 0) gemm(buf, dPrev, D, L.dQKV + col, n3, 1, W + col * D, D, T, D, 2 * D + kOut, true, BAND_FULL);
      }
    }
    const tmp = dE;
    dE = dPrev;
    dPrev = tmp;
  }
  return sum;
}
