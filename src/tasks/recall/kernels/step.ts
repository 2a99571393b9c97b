// TS twin of assembly/recall-model.ts: the model over a batch, forward and backward, read top
// to bottom as in docs/theory/recall.md#model-and-loss.

import { attentionBackward, attentionForward, expFor, queryRow, queryRowBackward, weightedSum, type Real } from './attention.js';
import { combineHead, headForward, logitsBackward, logitsForward } from './head.js';
import { crossEntropy, maxOf, negLogProb } from './loss.js';

/** Per-sentence buffers: R, dR, ws, dws (2N each), s, a, ds (H each), ξ, ξ_A, ξ_F, dz (N each); per batch M, O (N×2N). */
export interface Scratch {
  R: Real; dR: Real; ws: Real; dws: Real; s: Real; a: Real; ds: Real; xi: Real; xiA: Real; xiF: Real; dz: Real; M: Real; O: Real;
}

export function allocScratch(N: number, H: number, f32: boolean): Scratch {
  const A = f32 ? Float32Array : Float64Array;
  return {
    R: new A(2 * N), dR: new A(2 * N), ws: new A(2 * N), dws: new A(2 * N),
    s: new A(H), a: new A(H), ds: new A(H),
    xi: new A(N), xiA: new A(N), xiF: new A(N), dz: new A(N), M: new A(2 * N * N), O: new A(2 * N * N),
  };
}

/** The model's shape and weights (W: 2N×2N, V and F: N×2N). */
export interface Net {
  N: number;
  H: number;
  sigma: number;
  kappa: number;
  /** whether F takes part (false for the noiseless Reparam models, whose F is 0) */
  useF: boolean;
  f32: boolean;
  W: Real;
  V: Real;
  F: Real;
}

/**
 * Mean cross-entropy over the batch; with gradient buffers (zeroed here), ∇W, ∇V, ∇F of it.
 * A null buffer is a tensor that does not train (its gradient is not computed).
 */
export function forwardBackward(net: Net, sc: Scratch, B: number, tokens: Int32Array, targets: Int32Array, gW: Real | null, gV: Real | null, gF: Real | null): number {
  const { N, H, sigma, kappa, useF, W, V, F } = net;
  const exp = expFor(net.f32);
  const O = gV ?? (gF && kappa !== 0 ? sc.O : null);
  gW?.fill(0);
  O?.fill(0);
  gF?.fill(0);
  combineHead(sc.M, V, F, kappa, useF);
  const backward = gW !== null || gV !== null || gF !== null;
  const w = 1 / B;
  let loss = 0;
  for (let b = 0; b < B; b++) {
    const o = b * H;
    const q = tokens[o + H - 1];
    const prev = tokens[o + H - 2];
    queryRow(sc.R, W, N, q, prev);
    attentionForward(sigma, sc.R, tokens, o, H, N, sc.s, sc.a, exp);
    weightedSum(sc.ws, sc.a, tokens, o, H, N);
    logitsForward(sc.xi, sc.M, F, sc.ws, N, q, prev, useF);
    loss += crossEntropy(sc.xi, sc.dz, N, targets[b], w, exp);
    if (!backward) continue;
    logitsBackward(sc.dz, sc.ws, sc.dws, sc.M, O, gF, N, q, prev, gW !== null);
    if (gW) {
      attentionBackward(sigma, sc.dws, tokens, o, H, N, sc.s, sc.a, sc.ds, sc.dR);
      queryRowBackward(gW, sc.dR, N, q, prev);
    }
  }
  // ∇F's dense part is κ times ∇V's: c = e_q + e_{N+z_{H−1}} + κ ws
  if (gF && O && kappa !== 0) for (let i = 0; i < gF.length; i++) gF[i] += O[i];
  return loss / B;
}

/** Fields per sentence written by {@link evaluate}, in this order. */
export const EVAL_FIELDS = ['nlpOutput', 'nlpNoise', 'nlpTarget', 'xiAOutput', 'xiAMax', 'xiFNoise', 'xiFMax'] as const;

/**
 * Per sentence: −ln p(y), −ln p(τ), −ln p(target), ξ_A[y], max ξ_A, ξ_F[τ], max ξ_F, into
 * out[b·7 …] (float64), for the metrics of docs/theory/recall.md#bayes-optimal-predictor-and-closed-forms.
 */
export function evaluate(net: Net, sc: Scratch, B: number, tokens: Int32Array, targets: Int32Array, outputs: Int32Array, tau: number, out: Float64Array): void {
  const { N, H, sigma, kappa, useF, W, V, F } = net;
  const exp = expFor(net.f32);
  const k = EVAL_FIELDS.length;
  for (let b = 0; b < B; b++) {
    const o = b * H;
    const q = tokens[o + H - 1];
    const prev = tokens[o + H - 2];
    queryRow(sc.R, W, N, q, prev);
    attentionForward(sigma, sc.R, tokens, o, H, N, sc.s, sc.a, exp);
    weightedSum(sc.ws, sc.a, tokens, o, H, N);
    headForward(sc.xi, sc.xiA, sc.xiF, V, F, sc.ws, N, q, prev, kappa, useF);
    const y = outputs[b];
    out[b * k] = negLogProb(sc.xi, N, y);
    out[b * k + 1] = negLogProb(sc.xi, N, tau);
    out[b * k + 2] = negLogProb(sc.xi, N, targets[b]);
    out[b * k + 3] = sc.xiA[y];
    out[b * k + 4] = maxOf(sc.xiA, N);
    out[b * k + 5] = sc.xiF[tau];
    out[b * k + 6] = maxOf(sc.xiF, N);
  }
}
