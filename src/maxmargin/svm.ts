import { NtpError } from '../errors.js';
import { solveHardMarginDual } from './nnls.js';

/**
 * s = 1/(1 + ‖W‖²) at or below this means "infeasible": exactly infeasible problems leave only
 * rounding noise (~1e-15) there, while any W with ‖W‖ < 3·10⁵ stays well above it.
 */
const SLACK_TOL = 1e-11;

/** Result of an SVM-dual solve: token-space coefficients (V×V) and the multipliers. */
export interface SvmResult {
  /** For kq: K = Σ λ (e_o − e_j) e_qᵀ, so W_kq = E K Eᵀ; for ov: M = Σ λ (e_n − e_v) e_xᵀ, so W_ov = M Eᵀ. */
  coeff: Float64Array;
  lambda: Float64Array;
}

/**
 * Constraints ⟨a_i b_iᵀ, W⟩ ≥ 1 with a_i = A(e_pos − e_neg) and b_i = B e_beta, where the a-side map A
 * is E (kq) or the identity (ov) and the b-side map B is E. Only token Grams enter the dual.
 */
interface FactoredSet {
  label: string;
  V: number;
  pos: Int32Array;
  neg: Int32Array;
  beta: Int32Array;
  /** a-side token rows (V×d) and Gram, or null for the identity. */
  aEt: Float64Array | null;
  aT: Float64Array | null;
  d: number;
  /** b-side token Gram, or null for the identity. */
  bT: Float64Array | null;
}

/**
 * Hard-margin SVM without bias: the Gram entries factor as (a_iᵀa_k)(b_iᵀb_k), so nothing d×d is
 * formed per constraint, and G·u is computed by grouping constraints by their b-token
 * (κ_β = Σ_{β_j=β} u_j (e_pos − e_neg), then one a-Gram and one b-Gram mix) instead of m·|support|.
 */
function solveFactored(set: FactoredSet): Float64Array {
  const { label, V, pos, neg, beta, aEt, aT, d, bT } = set;
  const m = pos.length;
  const ta = aT === null ? (u: number, v: number) => (u === v ? 1 : 0) : (u: number, v: number) => aT[u * V + v];
  const tb = bT === null ? (u: number, v: number) => (u === v ? 1 : 0) : (u: number, v: number) => bT[u * V + v];
  const aDot = (i: number, k: number): number =>
    ta(pos[i], pos[k]) - ta(pos[i], neg[k]) - ta(neg[i], pos[k]) + ta(neg[i], neg[k]);
  const diag = new Float64Array(m);
  for (let i = 0; i < m; i++) diag[i] = aDot(i, i) * tb(beta[i], beta[i]);
  const column = (j: number): Float64Array => {
    const col = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const bb = tb(beta[i], beta[j]);
      if (bb !== 0) col[i] = bb * aDot(i, j);
    }
    return col;
  };

  const slotOf = new Int32Array(V).fill(-1);
  const bList: number[] = [];
  const bIdx = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    if (slotOf[beta[i]] < 0) slotOf[beta[i]] = bList.push(beta[i]) - 1;
    bIdx[i] = slotOf[beta[i]];
  }
  const nb = bList.length;
  const kappa = new Float64Array(nb * V);
  const zeta = bT === null ? kappa : new Float64Array(nb * V);
  const used = new Uint8Array(nb);
  const y = new Float64Array(d);
  const applyG = (u: Float64Array, out: Float64Array): void => {
    kappa.fill(0);
    used.fill(0);
    for (let i = 0; i < m; i++) {
      const ui = u[i];
      if (ui === 0) continue;
      const r = bIdx[i] * V;
      kappa[r + pos[i]] += ui;
      kappa[r + neg[i]] -= ui;
      used[bIdx[i]] = 1;
    }
    if (bT !== null) {
      zeta.fill(0);
      for (let t = 0; t < nb; t++) {
        const rt = t * V;
        const bt = bList[t];
        for (let sIdx = 0; sIdx < nb; sIdx++) {
          if (!used[sIdx]) continue;
          const c = bT[bList[sIdx] * V + bt];
          if (c === 0) continue;
          const rs = sIdx * V;
          for (let v = 0; v < V; v++) zeta[rt + v] += c * kappa[rs + v];
        }
      }
    }
    if (aEt !== null) {
      // ζ ← EᵀE ζ through d-space, O(Vd) per row instead of O(V²).
      for (let t = 0; t < nb; t++) {
        const rt = t * V;
        y.fill(0);
        for (let v = 0; v < V; v++) {
          const z = zeta[rt + v];
          if (z === 0) continue;
          const ov = v * d;
          for (let i = 0; i < d; i++) y[i] += z * aEt[ov + i];
        }
        for (let v = 0; v < V; v++) {
          const ov = v * d;
          let s = 0;
          for (let i = 0; i < d; i++) s += aEt[ov + i] * y[i];
          zeta[rt + v] = s;
        }
      }
    }
    for (let i = 0; i < m; i++) {
      const r = bIdx[i] * V;
      out[i] = zeta[r + pos[i]] - zeta[r + neg[i]];
    }
  };
  const cost = 2 * m + nb * V + (bT === null ? 0 : nb * nb * V) + (aEt === null ? 0 : 2 * nb * V * d);

  const res = solveHardMarginDual(m, diag, column, SLACK_TOL, applyG, cost);
  if (!res.feasible) {
    throw new NtpError(
      'infeasible',
      `${label}: no W satisfies the ${m} margin constraints (the SVM dual is unbounded; residual ${res.slack.toExponential(2)})`,
    );
  }
  return res.lambda;
}

function checkSize(label: string, m: number, limit: number): void {
  if (m > limit) {
    throw new NtpError(
      'too-large',
      `${label}: ${m} constraints exceed the SVM-dual limit of ${limit} (raise opts.maxSvmConstraints, or use a one-hot/orthonormal embedding for the column-wise QP)`,
    );
  }
}

/**
 * W*_kq as an SVM dual: constraint i is (E_o − E_j)ᵀ W E_q ≥ 1.
 * @param Et token rows of E (V×d) or null for one-hot; T its token Gram EᵀE (V×V) or null
 */
export function solveKqSvm(
  V: number,
  Et: Float64Array | null,
  d: number,
  T: Float64Array | null,
  cq: Int32Array,
  co: Int32Array,
  cj: Int32Array,
  limit: number,
): SvmResult {
  const m = cq.length;
  checkSize('kq', m, limit);
  const lambda = solveFactored({ label: 'kq', V, pos: co, neg: cj, beta: cq, aEt: Et, aT: T, d, bT: T });
  const coeff = new Float64Array(V * V);
  for (let i = 0; i < m; i++) {
    coeff[co[i] * V + cq[i]] += lambda[i];
    coeff[cj[i] * V + cq[i]] -= lambda[i];
  }
  return { coeff, lambda };
}

/**
 * W*_ov as an SVM dual: constraint i is (e_n − e_v)ᵀ W E_x ≥ 1 (the output side is one-hot).
 * @param T token Gram EᵀE (V×V), or null for one-hot
 */
export function solveOvSvm(
  V: number,
  T: Float64Array | null,
  cx: Int32Array,
  cn: Int32Array,
  cv: Int32Array,
  limit: number,
): SvmResult {
  const m = cx.length;
  checkSize('ov', m, limit);
  const lambda = solveFactored({ label: 'ov', V, pos: cn, neg: cv, beta: cx, aEt: null, aT: null, d: V, bT: T });
  const coeff = new Float64Array(V * V);
  for (let i = 0; i < m; i++) {
    coeff[cn[i] * V + cx[i]] += lambda[i];
    coeff[cv[i] * V + cx[i]] -= lambda[i];
  }
  return { coeff, lambda };
}
