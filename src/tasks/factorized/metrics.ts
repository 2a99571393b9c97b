import { minMargin, type MarginConstraints } from '../../maxmargin/nuclear.js';
import { nuclearNorm, svd } from '../../maxmargin/svd.js';

/** The two max-margin references of one constraint set. */
export interface References {
  constraints: MarginConstraints;
  /** W_F and ‖W_F‖_F */
  WF: Float64Array;
  normF: number;
  /** a certified W_* and the certified lower bound on ν* (used in the nuc-ratio, so it never dips below 1 by solver error) */
  Wstar: Float64Array;
  nuStar: number;
}

/** B1–B4 (docs/theory/factorized.md#metrics) of one iterate W (d×d). */
export interface IterateMetrics {
  /** B1 cos(W, W_F) */
  cosF: number;
  /** B2 cos(W, W_*) */
  cosStar: number;
  /** B3 ‖W‖_F/(γ‖W_F‖_F) and ‖W‖_* ÷ (γν*), null when the margin γ ≤ 0 */
  froRatio: number | null;
  nucRatio: number | null;
  /** min_e ⟨A_e, W⟩ */
  margin: number;
  /** B4 numerical rank (σ > 1e-3σ₁), stable rank ‖W‖_F²/‖W‖₂², ‖W‖_* ÷ ‖W‖_F, σ_i/σ₁ */
  rank: number;
  stableRank: number;
  nucOverFro: number;
  sigmaRatios: Float64Array;
}

/** cos(A, B) = ⟨A, B⟩/(‖A‖‖B‖) */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

/** Numerical rank with a relative threshold (1e-3 for iterates, 1e-6 for solver output, docs/theory/factorized.md#metrics). */
export function numericalRank(sigma: ArrayLike<number>, rel: number): number {
  let r = 0;
  for (let i = 0; i < sigma.length; i++) if (sigma[i] > rel * sigma[0]) r++;
  return r;
}

/** B1–B4 of W against the references. */
export function iterateMetrics(W: Float64Array, d: number, refs: References): IterateMetrics {
  const s = svd(W, d, d);
  const nuc = nuclearNorm(s);
  let ss = 0;
  for (const x of W) ss += x * x;
  const fro = Math.sqrt(ss);
  const gamma = minMargin(refs.constraints, W);
  const s1 = s.sigma[0];
  return {
    cosF: cosine(W, refs.WF),
    cosStar: cosine(W, refs.Wstar),
    froRatio: gamma > 0 ? fro / (gamma * refs.normF) : null,
    nucRatio: gamma > 0 ? nuc / (gamma * refs.nuStar) : null,
    margin: gamma,
    rank: numericalRank(s.sigma, 1e-3),
    stableRank: s1 > 0 ? ss / (s1 * s1) : 0,
    nucOverFro: fro > 0 ? nuc / fro : 0,
    sigmaRatios: s.sigma.map((x) => (s1 > 0 ? x / s1 : 0)),
  };
}
