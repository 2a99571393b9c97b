import { NtpError } from '../errors.js';
import { ActiveCholesky, stepTowardPassive } from './nnls.js';

/**
 * Exact Euclidean projection onto a margin polyhedron C = {x : ⟨A_e, x⟩ ≥ 1 for every e}, given
 * only the Gram matrix G_ef = ⟨A_e, A_f⟩ and the values ⟨A_e, v⟩ of the point v being projected.
 * Π_C(v) = v + y* with y* = argmin ‖y‖ s.t. ⟨A_e, y⟩ ≥ b_e = 1 − ⟨A_e, v⟩, a least-distance program
 * (LDP) with an arbitrary right-hand side, solved by Lawson–Hanson NNLS on its dual (Lawson & Hanson
 * ch. 23), the same active-set method and Cholesky updating as {@link solveHardMarginDual}, which is
 * the special case b = 1.
 *
 * Note: the cyclic-orders branch adds an LDP solver (src/maxmargin/ldp.ts) for the graph-SVM; this
 * file was written in parallel for the nuclear-norm ADMM and may be unified with it after the merge.
 * The graph version (equalities W ⟂ S_fin) uses it unchanged with the projected Gram ⟨PA_e, PA_f⟩
 * (src/maxmargin/nuclear.ts withEqualities).
 */

const EPS = 2.220446049250313e-16;

/** Result of {@link solveNnqp}. */
export interface NnqpResult {
  /** the minimizer u ≥ 0 */
  u: Float64Array;
  /** its support, in the order the Cholesky factor holds it */
  active: number[];
  /** Cholesky factor of H restricted to `active` (for refinement by the caller) */
  chol: ActiveCholesky;
  /** rows of H for the support, in the same order (cached columns) */
  cols: Float64Array[];
  iterations: number;
}

/**
 * min ½uᵀHu − cᵀu over u ≥ 0 for a positive semidefinite H given by its diagonal and columns:
 * Lawson–Hanson's active-set method with a Cholesky factor of H_PP updated per change. A column
 * numerically dependent on the passive set is skipped, which leaves the optimum unchanged.
 *
 * @param warm indices to try as the initial passive set (kept only if their subproblem solution is
 *   strictly positive, so the method starts from a point it could itself have reached)
 */
export function solveNnqp(
  m: number,
  diag: Float64Array,
  column: (j: number) => Float64Array,
  c: Float64Array,
  warm: readonly number[] = [],
): NnqpResult {
  const u = new Float64Array(m);
  const inP = new Uint8Array(m);
  const rejected = new Uint8Array(m);
  const rejectedList: number[] = [];
  const P: number[] = [];
  const cols: Float64Array[] = [];
  let chol = new ActiveCholesky(Math.min(Math.max(m, 1), 64));
  const g = new Float64Array(m);
  const h = new Float64Array(Math.max(m, 1));
  const z = new Float64Array(Math.max(m, 1));
  const cP = new Float64Array(Math.max(m, 1));
  let maxDiag = 0;
  let maxC = 0;
  for (let i = 0; i < m; i++) {
    maxDiag = Math.max(maxDiag, diag[i]);
    maxC = Math.max(maxC, Math.abs(c[i]));
  }
  const gTol = 1e3 * EPS * (maxC + maxDiag);
  const maxIter = 5 * m + 100;
  let iterations = 0;

  const solveP = (): void => {
    for (let k = 0; k < P.length; k++) cP[k] = c[P[k]];
    chol.solve(cP, z);
  };
  const dropAt = (k: number): void => {
    const j = P[k];
    u[j] = 0;
    inP[j] = 0;
    chol.remove(k);
    P.splice(k, 1);
    cols.splice(k, 1);
  };

  if (warm.length > 0) {
    for (const j of warm) {
      if (j < 0 || j >= m || inP[j]) continue;
      const col = column(j);
      for (let k = 0; k < P.length; k++) h[k] = col[P[k]];
      if (!chol.append(h, diag[j], 1e-13)) continue;
      P.push(j);
      inP[j] = 1;
      cols.push(col);
    }
    solveP();
    let positive = P.length > 0;
    for (let k = 0; k < P.length; k++) if (!(z[k] > 0)) positive = false;
    if (positive) {
      for (let k = 0; k < P.length; k++) u[P[k]] = z[k];
    } else {
      P.length = 0;
      cols.length = 0;
      inP.fill(0);
      chol = new ActiveCholesky(Math.min(Math.max(m, 1), 64));
    }
  }

  outer: for (;;) {
    for (let i = 0; i < m; i++) g[i] = c[i];
    for (let k = 0; k < P.length; k++) {
      const col = cols[k];
      const uj = u[P[k]];
      for (let i = 0; i < m; i++) g[i] -= col[i] * uj;
    }
    let best = -1;
    let bestG = gTol;
    for (let i = 0; i < m; i++) {
      if (!inP[i] && !rejected[i] && g[i] > bestG) {
        bestG = g[i];
        best = i;
      }
    }
    if (best < 0) break;
    const colBest = column(best);
    for (let k = 0; k < P.length; k++) h[k] = colBest[P[k]];
    if (!chol.append(h, diag[best], 1e-13)) {
      rejected[best] = 1;
      rejectedList.push(best);
      continue;
    }
    P.push(best);
    inP[best] = 1;
    cols.push(colBest);

    let first = true;
    for (;;) {
      if (++iterations > maxIter) {
        throw new NtpError('no-convergence', `NNQP: active-set method exceeded ${maxIter} iterations`);
      }
      const p = P.length;
      solveP();
      if (first && !(z[p - 1] > 0)) {
        dropAt(p - 1);
        rejected[best] = 1;
        rejectedList.push(best);
        continue outer;
      }
      first = false;
      if (stepTowardPassive(u, z, P, dropAt)) break;
    }
    for (const j of rejectedList) rejected[j] = 0;
    rejectedList.length = 0;
  }
  return { u, active: P.slice(), chol, cols, iterations };
}

/** Result of {@link ldpStep}. */
export interface LdpResult {
  feasible: boolean;
  /** multipliers λ ≥ 0 of y* = Σ λ_e A_e (zeros when infeasible) */
  lambda: Float64Array;
  /** support of λ */
  active: number[];
  /** 1 − bᵀu of the NNLS form; 0 means infeasible */
  slack: number;
}

/**
 * min ‖y‖ s.t. ⟨A_e, y⟩ ≥ b_e, returned as the multipliers of y = Σ λ_e A_e. Lawson–Hanson: the
 * NNLS min ‖[Aᵀ; bᵀ]u − e_last‖ over u ≥ 0 (Hessian G + bbᵀ, linear term b); a vanishing
 * residual s = 1 − bᵀu means the constraints are inconsistent, otherwise λ = u/s, polished by two
 * passes of iterative refinement of G_PP λ_P = b_P on the support.
 *
 * @param G m×m Gram matrix ⟨A_e, A_f⟩, row-major
 * @param slackTol s at or below this is reported infeasible
 * @param warm support to try first (the previous call's, when the b's change little)
 */
export function ldpStep(m: number, G: Float64Array, b: Float64Array, slackTol = 1e-11, warm: readonly number[] = []): LdpResult {
  const lambda = new Float64Array(m);
  let anyPositive = false;
  for (let e = 0; e < m; e++) if (b[e] > 0) anyPositive = true;
  if (!anyPositive) return { feasible: true, lambda, active: [], slack: 1 };
  const diag = new Float64Array(m);
  for (let e = 0; e < m; e++) diag[e] = G[e * m + e] + b[e] * b[e];
  const column = (j: number): Float64Array => {
    const col = new Float64Array(m);
    const bj = b[j];
    for (let i = 0; i < m; i++) col[i] = G[i * m + j] + b[i] * bj;
    return col;
  };
  const { u, active: P, chol } = solveNnqp(m, diag, column, b, warm);
  const p = P.length;
  let bu = 0;
  for (let k = 0; k < p; k++) bu += b[P[k]] * u[P[k]];
  const s = 1 - bu;
  if (!(s > slackTol)) return { feasible: false, lambda, active: P, slack: Math.max(0, s) };
  // G_PP = H_PP − b_P b_Pᵀ: G⁻¹r = H⁻¹r + u_P (b_PᵀH⁻¹r)/s by Sherman–Morrison (H⁻¹b_P = u_P).
  const lam = new Float64Array(p);
  const r = new Float64Array(p);
  const y = new Float64Array(p);
  for (let k = 0; k < p; k++) lam[k] = u[P[k]] / s;
  for (let pass = 0; pass < 2; pass++) {
    for (let k = 0; k < p; k++) {
      let acc = b[P[k]];
      const row = P[k] * m;
      for (let t = 0; t < p; t++) acc -= G[row + P[t]] * lam[t];
      r[k] = acc;
    }
    chol.solve(r, y);
    let by = 0;
    for (let k = 0; k < p; k++) by += b[P[k]] * y[k];
    const f = by / s;
    for (let k = 0; k < p; k++) lam[k] += y[k] + u[P[k]] * f;
  }
  for (let k = 0; k < p; k++) lambda[P[k]] = Math.max(0, lam[k]);
  return { feasible: true, lambda, active: P, slack: s };
}
