/**
 * Least-distance programming (LDP): min ½‖x‖² subject to ⟨a_i, x⟩ ≥ h_i, from the Gram matrix
 * G_ij = ⟨a_i, a_j⟩ alone, by Lawson and Hanson's reduction to non-negative least squares
 * (*Solving Least Squares Problems*, 1974, ch. 23), using the package's active-set NNQP
 * ({@link solveNnqp}). Terminates finitely and is exact up to rounding; infeasibility is an
 * explicit outcome (a vanishing NNLS residual), never a diverging iterate. {@link ldpMultipliers}
 * is the one solver: {@link solveLdp} checks its input and reports it, and the projection onto a
 * margin polyhedron (src/maxmargin/ldp-projection.ts) is built on it.
 *
 * Callers that know the a_i recover x = Σ λ_i a_i from the returned multipliers.
 */
import { NtpError } from '../errors.js';
import { solveNnqp } from './nnls.js';
import { optionsArg, arrayArg, intArg } from '../api/arguments.js';

/** Result of {@link ldpMultipliers}. */
export interface LdpMultipliers {
  feasible: boolean;
  /** multipliers λ ≥ 0 of y* = Σ λ_e A_e (zeros when infeasible) */
  lambda: Float64Array;
  /** support of λ */
  active: number[];
  /** 1 − bᵀu of the NNLS form; 0 means infeasible */
  slack: number;
  /** active-set solves the NNQP took */
  iterations: number;
}

/**
 * The LDP solver: min ‖y‖ s.t. ⟨A_e, y⟩ ≥ b_e for any right-hand side (signs mixed, b ≤ 0 allowed),
 * returned as the multipliers of y = Σ λ_e A_e. Lawson–Hanson: the
 * NNLS min ‖[Aᵀ; bᵀ]u − e_last‖ over u ≥ 0 (Hessian G + bbᵀ, linear term b); a vanishing
 * residual s = 1 − bᵀu means the constraints are inconsistent, otherwise λ = u/s, polished by two
 * passes of iterative refinement of G_PP λ_P = b_P on the support.
 *
 * @param G m×m Gram matrix ⟨A_e, A_f⟩, row-major
 * @param slackTol s at or below this is reported infeasible
 * @param warm support to try first (the previous call's, when the b's change little)
 */
export function ldpMultipliers(m: number, G: Float64Array, b: Float64Array, slackTol = 1e-11, warm: readonly number[] = []): LdpMultipliers {
  const lambda = new Float64Array(m);
  let anyPositive = false;
  for (let e = 0; e < m; e++) if (b[e] > 0) anyPositive = true;
  if (!anyPositive) return { feasible: true, lambda, active: [], slack: 1, iterations: 0 };
  const diag = new Float64Array(m);
  for (let e = 0; e < m; e++) diag[e] = G[e * m + e] + b[e] * b[e];
  const column = (j: number): Float64Array => {
    const col = new Float64Array(m);
    const bj = b[j];
    for (let i = 0; i < m; i++) col[i] = G[i * m + j] + b[i] * bj;
    return col;
  };
  const { u, active: P, chol, iterations } = solveNnqp(m, diag, column, b, warm);
  const p = P.length;
  let bu = 0;
  for (let k = 0; k < p; k++) bu += b[P[k]] * u[P[k]];
  const s = 1 - bu;
  if (!(s > slackTol)) return { feasible: false, lambda, active: P, slack: Math.max(0, s), iterations };
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
  return { feasible: true, lambda, active: P, slack: s, iterations };
}

/** Outcome of {@link solveLdp}. */
export interface LdpResult {
  /** `optimal`, or `infeasible` when no x satisfies every constraint. */
  status: 'optimal' | 'infeasible';
  /**
   * Multipliers λ ≥ 0 of the objective ½‖x‖² (x = Σ λ_i a_i); zeros when infeasible. Unique
   * only when the active a_i are independent; x always is.
   */
  lambda: Float64Array;
  /** ‖x‖² = Σ λ_i h_i = λᵀGλ; +Infinity when infeasible. */
  norm2: number;
  /** Constraint values ⟨a_i, x⟩ = (Gλ)_i (NaN when infeasible). */
  values: Float64Array;
  /**
   * Largest KKT residual, relative to max h: primal infeasibility h_i − ⟨a_i,x⟩, negative λ,
   * complementarity λ_i (⟨a_i,x⟩ − h_i), and the duality gap |λᵀGλ − λᵀh|. Stationarity holds
   * by construction. NaN when infeasible.
   */
  kkt: number;
  /** The NNLS residual s = 1/(1 + ‖x‖²) of the scaled problem; 0 means infeasible. */
  slack: number;
  /** Active-set solves the NNLS took. */
  iterations: number;
}

/** Options of {@link solveLdp}. */
export interface LdpOptions {
  /** Right-hand sides h_i > 0 (default all 1). */
  h?: ArrayLike<number>;
  /**
   * NNLS residual s = 1/(1 + ‖x̃‖²) at or below this reports `infeasible` (default 1e-11, i.e.
   * ‖x̃‖ beyond ~3·10⁵ for the problem scaled to h = 1). An infeasible problem leaves only rounding
   * (~1e-15) there.
   */
  slackTol?: number;
}

/**
 * Solves min ½‖x‖² s.t. ⟨a_i, x⟩ ≥ h_i (i < m) given G = [⟨a_i, a_j⟩] (m×m, row-major, symmetric
 * positive semidefinite; it may be singular). Rows are scaled to h = 1 and `ldpMultipliers`
 * solves the scaled problem (NNLS Hessian G̃ + 11ᵀ, so dependent constraints are harmless).
 *
 * @throws NtpError 'invalid-problem' for a wrong size, a non-finite entry or h_i ≤ 0.
 */
export function solveLdp(m: number, G: ArrayLike<number>, opts: LdpOptions = {}): LdpResult {
  if (!Number.isInteger(m) || m < 0) throw new NtpError('invalid-problem', `LDP: m = ${m} is not a non-negative integer`);
  if (G.length !== m * m) throw new NtpError('invalid-problem', `LDP: the Gram matrix has ${G.length} entries, expected m² = ${m * m}`);
  const h = new Float64Array(m).fill(1);
  if (opts.h !== undefined) {
    if (opts.h.length !== m) throw new NtpError('invalid-problem', `LDP: h has ${opts.h.length} entries, expected ${m}`);
    for (let i = 0; i < m; i++) {
      const v = opts.h[i];
      if (!(v > 0) || !Number.isFinite(v)) throw new NtpError('invalid-problem', `LDP: h[${i}] = ${v} must be a finite positive number`);
      h[i] = v;
    }
  }
  for (let k = 0; k < m * m; k++) {
    if (!Number.isFinite(G[k])) throw new NtpError('invalid-problem', `LDP: Gram entry (${Math.floor(k / m)}, ${k % m}) is not finite`);
  }
  const Gs = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) Gs[i * m + j] = G[i * m + j] / (h[i] * h[j]);
  const res = ldpMultipliers(m, Gs, new Float64Array(m).fill(1), opts.slackTol ?? 1e-11);
  const lambda = new Float64Array(m);
  const values = new Float64Array(m);
  if (!res.feasible) {
    values.fill(NaN);
    return { status: 'infeasible', lambda, norm2: Infinity, values, kkt: NaN, slack: res.slack, iterations: res.iterations };
  }
  for (let i = 0; i < m; i++) lambda[i] = res.lambda[i] / h[i];
  let norm2 = 0;
  let lh = 0;
  let hMax = 0;
  for (let i = 0; i < m; i++) {
    let v = 0;
    for (let j = 0; j < m; j++) if (lambda[j] !== 0) v += G[i * m + j] * lambda[j];
    values[i] = v;
    norm2 += lambda[i] * v;
    lh += lambda[i] * h[i];
    hMax = Math.max(hMax, h[i]);
  }
  let kkt = Math.abs(norm2 - lh) / Math.max(1, norm2);
  for (let i = 0; i < m; i++) {
    kkt = Math.max(kkt, (h[i] - values[i]) / hMax, -lambda[i], Math.abs(lambda[i] * (values[i] - h[i])) / hMax);
  }
  return { status: 'optimal', lambda, norm2: lh, values, kkt, slack: res.slack, iterations: res.iterations };
}

/**
 * LDP with explicit constraint rows: min ½‖x‖² s.t. A x ≥ h, A m×n row-major. Returns the LDP
 * result and x = Aᵀλ (zeros when infeasible).
 */
export function solveLdpRows(A: ArrayLike<number>, m: number, n: number, opts: LdpOptions = {}): LdpResult & { x: Float64Array } {
  arrayArg(A, 'solveLdpRows(A, m, n, options): A');
  intArg(m, 'solveLdpRows(A, m, n, options): m', 0);
  intArg(n, 'solveLdpRows(A, m, n, options): n', 0);
  opts = optionsArg(opts, 'solveLdpRows(A, m, n, options): options');
  if (A.length !== m * n) throw new NtpError('invalid-problem', `LDP: A has ${A.length} entries, expected m×n = ${m * n}`);
  const G = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += A[i * n + k] * A[j * n + k];
      G[i * m + j] = s;
      G[j * m + i] = s;
    }
  }
  const res = solveLdp(m, G, opts);
  const x = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const l = res.lambda[i];
    if (l !== 0) for (let k = 0; k < n; k++) x[k] += l * A[i * n + k];
  }
  return { ...res, x };
}
