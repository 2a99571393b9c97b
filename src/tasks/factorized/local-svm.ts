import { NtpError } from '../../errors.js';
import { marginConstraints, type MarginConstraints } from '../../maxmargin/nuclear.js';
import { tokenScores, type AttentionData } from './data.js';

/** Which token each sample's SVM separates, and what the selection left out. */
export interface Selection {
  /** α_i, the token sample i selects */
  alpha: Int32Array;
  /** tokens t ≠ α_i whose attention lies in the ambiguous band (band, threshold]: left out of the SVM */
  ambiguous: number;
  /** tokens t ≠ α_i with attention above the threshold (a second selected token): left out of the SVM */
  multiSelected: number;
  /** per token (n×T): 1 when it is left out of the constraints */
  excluded: Uint8Array;
}

/** Thresholds of the local selection (docs/theory/cyclic.md#li-et-als-global-convergence-experiment: C_thres = 1e-2, E_thres = 9e-3). */
export interface SelectionOptions {
  /** attention above this counts as selected (default 1e-2) */
  threshold?: number;
  /** attention in (band, threshold] is ambiguous (default 9e-3) */
  band?: number;
}

/**
 * The local selection of docs/theory/factorized.md#the-two-max-margin-problems: α_i = argmax_t φ_it of the attention gradient descent reached
 * (their `sfx_out.max(-1)`); a constraint is kept for every other token whose attention is at most
 * `band`, and the others are counted (ambiguous, or a second selected token).
 */
export function localSelection(data: AttentionData, phi: Float64Array, opts: SelectionOptions = {}): Selection {
  const threshold = opts.threshold ?? 1e-2;
  const band = opts.band ?? 9e-3;
  if (!(threshold > 0 && threshold < 1)) throw new NtpError('invalid-option', `option threshold must be in (0, 1), got ${threshold}`);
  if (!(band > 0 && band <= threshold)) throw new NtpError('invalid-option', `option band must be in (0, threshold = ${threshold}], got ${band}`);
  const { n, T } = data;
  const alpha = new Int32Array(n);
  const excluded = new Uint8Array(n * T);
  let ambiguous = 0;
  let multiSelected = 0;
  for (let i = 0; i < n; i++) {
    let a = 0;
    for (let t = 1; t < T; t++) if (phi[i * T + t] > phi[i * T + a]) a = t;
    alpha[i] = a;
    for (let t = 0; t < T; t++) {
      if (t === a) continue;
      const p = phi[i * T + t];
      if (p > threshold) multiSelected++;
      else if (p > band) ambiguous++;
      else continue;
      excluded[i * T + t] = 1;
    }
  }
  return { alpha, ambiguous, multiSelected, excluded };
}

/** The global selection: α_i = argmax_t γ_it (their `svm_rank`). */
export function globalSelection(data: AttentionData): Selection {
  const { n, T } = data;
  const g = tokenScores(data);
  const alpha = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let a = 0;
    for (let t = 1; t < T; t++) if (g[i * T + t] > g[i * T + a]) a = t;
    alpha[i] = a;
  }
  return { alpha, ambiguous: 0, multiSelected: 0, excluded: new Uint8Array(n * T) };
}

/** ⟨(x_{iα_i} − x_it) z_iᵀ, W⟩ ≥ 1 for every sample and every kept token t ≠ α_i. */
export function selectionConstraints(data: AttentionData, sel: Selection): MarginConstraints {
  const { n, T, d, X, z } = data;
  const keys: Float64Array[] = [];
  const queries: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const a = sel.alpha[i];
    for (let t = 0; t < T; t++) {
      if (t === a || sel.excluded[i * T + t]) continue;
      const k = new Float64Array(d);
      for (let c = 0; c < d; c++) k[c] = X[(i * T + a) * d + c] - X[(i * T + t) * d + c];
      keys.push(k);
      queries.push(z.subarray(i * d, i * d + d));
    }
  }
  return marginConstraints(d, d, keys, queries);
}
