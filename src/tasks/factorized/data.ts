import { NtpError } from '../../errors.js';
import { normalRng } from '../../dataset/normal.js';

/**
 * A random instance of the peer's binary cross-attention task (docs/theory/factorized.md#model-and-loss and docs/theory/factorized.md#local-convergence): n samples, each T
 * tokens x_it ∈ R^d and a query z_i ∈ R^d, a value vector v, labels Y_i = ±1. Token, query and value
 * vectors are N(0, I) draws normalized to unit length; Y is uniform on {−1, +1}.
 */
export interface AttentionData {
  n: number;
  T: number;
  d: number;
  /** n×T×d: x_it at ((i·T) + t)·d */
  X: Float64Array;
  /** n×d */
  z: Float64Array;
  /** d */
  v: Float64Array;
  /** n labels ±1 */
  Y: Float64Array;
}

/** Sizes of an instance. */
export interface AttentionDataOptions {
  n: number;
  T: number;
  d: number;
  seed: number;
}

/** Checks the sizes and seed; the message names the option. */
export function checkDataOptions(o: Partial<AttentionDataOptions>): void {
  for (const key of ['n', 'T', 'd'] as const) {
    const x = o[key];
    if (!Number.isInteger(x) || (x as number) < 1 || (x as number) > 10_000) throw new NtpError('invalid-option', `option ${key} must be an integer in [1, 10000], got ${String(x)}`);
  }
  if ((o.T as number) < 2) throw new NtpError('invalid-option', `option T must be ≥ 2 (a sample needs a token to select against), got ${o.T}`);
  if (!Number.isInteger(o.seed)) throw new NtpError('invalid-option', `option seed must be an integer, got ${String(o.seed)}`);
}

/** Generates the instance deterministically from the seed. */
export function generateAttentionData(o: AttentionDataOptions): AttentionData {
  checkDataOptions(o);
  const { n, T, d, seed } = o;
  const rng = normalRng(seed);
  const unit = (out: Float64Array, at: number): void => {
    let ss = 0;
    for (let k = 0; k < d; k++) {
      out[at + k] = rng.normal();
      ss += out[at + k] ** 2;
    }
    const r = Math.sqrt(ss);
    for (let k = 0; k < d; k++) out[at + k] /= r;
  };
  const v = new Float64Array(d);
  unit(v, 0);
  const X = new Float64Array(n * T * d);
  const z = new Float64Array(n * d);
  const Y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < T; t++) unit(X, (i * T + t) * d);
    unit(z, i * d);
    Y[i] = rng.next() < 0.5 ? -1 : 1;
  }
  return { n, T, d, X, z, v, Y };
}

/** γ_it = Y_i vᵀx_it, the token scores; the globally optimal token of sample i is argmax_t γ_it. */
export function tokenScores(data: AttentionData): Float64Array {
  const { n, T, d, X, v, Y } = data;
  const g = new Float64Array(n * T);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < T; t++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += v[k] * X[(i * T + t) * d + k];
      g[i * T + t] = Y[i] * s;
    }
  }
  return g;
}
