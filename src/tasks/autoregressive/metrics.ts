/**
 * Metrics of the autoregressive family (docs/theory/autoregressive.md#metrics, reconstruction R-C): the in-context error curve
 * e(t) = mean over sequences of ‖u_t − x_{t+1}‖², t = 1 … T, and the distance Δ(t) between two
 * predictors. Curves carry a status so that the finite-depth blow-up of causal kernel descent
 * (E-C2) is reported, never averaged into NaN.
 */
import { arrayArg, describeValue, intArg, objectArg } from '../../api/arguments.js';
import { NtpError } from '../../errors.js';
import { fitLine, type LineFit } from '../../train/metrics.js';
import type { Sequences } from './data.js';

/**
 * How a curve ended: `ok`; `unstable` when some e(t) exceeds UNSTABLE_FACTOR times the error of
 * the zero predictor (mean ‖x_{t+1}‖²), i.e. predictions far outside the data's scale; `overflow`
 * when some prediction is not finite in float64 (its e(t) is then null).
 */
export type CurveStatus = 'ok' | 'unstable' | 'overflow';

/** e(t) beyond this multiple of the zero predictor's error marks a curve `unstable`. */
export const UNSTABLE_FACTOR = 100;

/** An in-context error curve, index t − 1 for position t. */
export interface ErrorCurve {
  /** e(t) = mean ‖u_t − x_{t+1}‖² (docs/theory/autoregressive.md#metrics); null where a prediction is not finite */
  squared: (number | null)[];
  /** mean ‖u_t − x_{t+1}‖ (the CLI's `errors`; for one sequence, the per-position error) */
  norm: (number | null)[];
  status: CurveStatus;
  /** first position t whose e(t) is unstable or not finite, null if none */
  firstUnstable: number | null;
}

/** Predictions u_1 … u_T (T×d) of one sequence x (L×d, L ≥ T + 1). */
export type Predictor = (x: Float64Array, d: number, T: number) => Float64Array;

/** A Sequences argument: d, L ≥ 2 and S integers, and x holding S·L·d values. */
function checkSequencesArg(data: Sequences, where: string): void {
  objectArg(data, where);
  intArg(data.d, `${where}.d`, 1);
  intArg(data.L, `${where}.L`, 2);
  intArg(data.S, `${where}.S`, 1);
  if (arrayArg(data.x, `${where}.x`).length !== data.S * data.L * data.d) throw new NtpError('invalid-argument', `${where}.x has ${data.x.length} values; S·L·d = ${data.S * data.L * data.d}`);
}

/** e(t) of a predictor over every sequence of `data`, T = L − 1 positions. */
export function errorCurve(predict: Predictor, data: Sequences): ErrorCurve {
  if (typeof predict !== 'function') throw new NtpError('invalid-argument', `errorCurve(predict, data): predict must be a function (got ${describeValue(predict)})`);
  checkSequencesArg(data, 'errorCurve(predict, data): data');
  const { d, L, S } = data;
  const T = L - 1;
  const preds: Float64Array[] = [];
  for (let s = 0; s < S; s++) preds.push(predict(data.x.subarray(s * L * d, (s + 1) * L * d), d, T));
  return curveFromPredictions(preds, data);
}

/** e(t) from precomputed predictions (one T×d array per sequence). */
export function curveFromPredictions(preds: readonly Float64Array[], data: Sequences): ErrorCurve {
  checkSequencesArg(data, 'curveFromPredictions(predictions, data): data');
  arrayArg(preds, 'curveFromPredictions(predictions, data): predictions');
  if (preds.length !== data.S) throw new NtpError('invalid-argument', `curveFromPredictions(predictions, data): ${preds.length} predictions for ${data.S} sequences`);
  preds.forEach((u, s) => {
    if (arrayArg(u, `curveFromPredictions(predictions, data): prediction ${s}`).length < (data.L - 1) * data.d) throw new NtpError('invalid-argument', `curveFromPredictions(predictions, data): prediction ${s} has ${u.length} values; T·d = ${(data.L - 1) * data.d}`);
  });
  const { d, L, S } = data;
  const T = L - 1;
  const sq = new Float64Array(T);
  const nm = new Float64Array(T);
  const zero = new Float64Array(T);
  const bad = new Uint8Array(T);
  for (let s = 0; s < S; s++) {
    const u = preds[s];
    const x = data.x.subarray(s * L * d, (s + 1) * L * d);
    for (let t = 0; t < T; t++) {
      let e2 = 0;
      let z2 = 0;
      for (let c = 0; c < d; c++) {
        const diff = u[t * d + c] - x[(t + 1) * d + c];
        e2 += diff * diff;
        z2 += x[(t + 1) * d + c] * x[(t + 1) * d + c];
      }
      if (!Number.isFinite(e2)) bad[t] = 1;
      sq[t] += e2 / S;
      nm[t] += Math.sqrt(e2) / S;
      zero[t] += z2 / S;
    }
  }
  let status: CurveStatus = 'ok';
  let firstUnstable: number | null = null;
  const squared: (number | null)[] = [];
  const norm: (number | null)[] = [];
  for (let t = 0; t < T; t++) {
    const finite = !bad[t] && Number.isFinite(sq[t]);
    squared.push(finite ? sq[t] : null);
    norm.push(finite ? nm[t] : null);
    if (!finite) status = 'overflow';
    else if (sq[t] > UNSTABLE_FACTOR * Math.max(zero[t], Number.MIN_VALUE) && status === 'ok') status = 'unstable';
    if ((!finite || sq[t] > UNSTABLE_FACTOR * zero[t]) && firstUnstable === null) firstUnstable = t + 1;
  }
  return { squared, norm, status, firstUnstable };
}

/**
 * Δ(t) = mean over sequences of ‖a_t − b_t‖² between two predictors' outputs (T×d each);
 * null where a prediction is not finite.
 */
export function predictorDistance(a: readonly Float64Array[], b: readonly Float64Array[], d: number, T: number): (number | null)[] {
  arrayArg(a, 'predictorDistance(a, b, d, T): a');
  arrayArg(b, 'predictorDistance(a, b, d, T): b');
  intArg(d, 'predictorDistance(a, b, d, T): d', 1);
  intArg(T, 'predictorDistance(a, b, d, T): T', 0);
  const out = new Array<number>(T).fill(0);
  const S = a.length;
  for (let s = 0; s < S; s++) {
    for (let t = 0; t < T; t++) {
      let e2 = 0;
      for (let c = 0; c < d; c++) {
        const diff = a[s][t * d + c] - b[s][t * d + c];
        e2 += diff * diff;
      }
      out[t] += e2 / S;
    }
  }
  return out.map((v) => (Number.isFinite(v) ? v : null));
}

/** A geometric decay e(t) ≈ C·ρ^t fitted to a curve. */
export interface GeometricRate {
  /** ρ = e^slope, the factor per position */
  rate: number;
  /** the fit of ln e(t) against t */
  fit: LineFit;
}

/**
 * Fits ln e(t) = a + t·ln ρ over positions t ≥ from (default 2: position 1 has no pair, u_1 = 0,
 * and is left out), skipping null and non-positive values; null with fewer than 3 points.
 */
export function geometricRate(values: readonly (number | null)[], from = 2, to?: number): GeometricRate | null {
  arrayArg(values, 'geometricRate(values, from, to): values');
  if (to === undefined) to = values.length;
  const ts: number[] = [];
  const ys: number[] = [];
  for (let t = Math.max(from, 1); t <= to; t++) {
    const v = values[t - 1];
    if (v !== null && v !== undefined && Number.isFinite(v) && v > 0) {
      ts.push(t);
      ys.push(Math.log(v));
    }
  }
  const fit = fitLine(ts, ys);
  return fit ? { rate: Math.exp(fit.slope), fit } : null;
}
