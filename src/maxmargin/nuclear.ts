import { NtpError } from '../errors.js';
import { marginProjection } from './ldp-projection.js';
import { solveHardMarginDual, solveNnqp } from './nnls.js';
import { nuclearNorm, recompose, svd, type Svd } from './svd.js';
import { objectArg, arrayArg, optionsArg, rowsArg } from '../api/arguments.js';

/**
 * Margin constraints ⟨A_e, W⟩ ≥ 1 with rank-one A_e = a_e z_eᵀ on W ∈ R^{rows×cols}: a_e is the
 * key-side difference x_{iα} − x_{it} and z_e the query z_i (docs/theory/factorized.md#the-two-max-margin-problems); in token space with one-hot
 * embeddings a_e = e_o − e_j and z_e = e_q.
 */
export interface MarginConstraints {
  rows: number;
  cols: number;
  count: number;
  /** count×rows row-major: a_e */
  keys: Float64Array;
  /** count×cols row-major: z_e */
  queries: Float64Array;
  /**
   * The graph-SVM's equalities (docs/theory/cyclic.md#the-graph-svm and docs/theory/factorized.md#the-two-max-margin-problems): an orthonormal basis of S_fin, one
   * rows×cols matrix per row (k×(rows·cols)), or null. The problem is then min ‖W‖ s.t. W ⟂ S_fin and
   * ⟨PA_e, W⟩ ≥ 1, with P the orthogonal projector onto S_fin^⊥; the solvers enforce it inside
   * every projection.
   */
  equalityBasis: Float64Array | null;
}

/**
 * Adds equality constraints ⟨A_f, W⟩ = 0 (rank-one A_f = a_f z_fᵀ, e.g. (E_i − E_j)E_qᵀ for i, j in one
 * SCC of G_q) to a constraint set: their span S_fin is orthonormalized (modified Gram–Schmidt, twice,
 * dropping dependent directions). Throws `infeasible` when an inequality's A_e lies in S_fin.
 */
export function withEqualities(c: MarginConstraints, keys: ArrayLike<number>[], queries: ArrayLike<number>[]): MarginConstraints {
  objectArg(c, 'withEqualities(constraints, keys, queries): constraints');
  rowsArg(keys, 'withEqualities(constraints, keys, queries): keys');
  rowsArg(queries, 'withEqualities(constraints, keys, queries): queries');
  const eq = marginConstraints(c.rows, c.cols, keys, queries);
  const size = c.rows * c.cols;
  const basis: Float64Array[] = [];
  const A = new Float64Array(size);
  for (let f = 0; f < eq.count; f++) {
    rankOne(eq, f, A);
    const norm0 = Math.hypot(...A);
    for (let pass = 0; pass < 2; pass++) {
      for (const B of basis) {
        let d = 0;
        for (let i = 0; i < size; i++) d += B[i] * A[i];
        for (let i = 0; i < size; i++) A[i] -= d * B[i];
      }
    }
    const n = Math.hypot(...A);
    if (n <= 1e-12 * norm0) continue;
    basis.push(A.map((x) => x / n));
  }
  const equalityBasis = new Float64Array(basis.length * size);
  basis.forEach((B, j) => equalityBasis.set(B, j * size));
  const out = { ...c, equalityBasis };
  const G = constraintGram(out);
  const G0 = constraintGram(c);
  for (let e = 0; e < c.count; e++) {
    if (!(G[e * c.count + e] > 1e-12 * G0[e * c.count + e])) {
      throw new NtpError('infeasible', `constraint ${e} lies in the span of the equalities: ⟨PA_e, W⟩ = 0 can never reach 1`);
    }
  }
  return out;
}

/** out = A_e = a_e z_eᵀ (rows×cols) */
function rankOne(c: MarginConstraints, e: number, out: Float64Array): void {
  for (let i = 0; i < c.rows; i++) for (let j = 0; j < c.cols; j++) out[i * c.cols + j] = c.keys[e * c.rows + i] * c.queries[e * c.cols + j];
}

/** X ← P X: removes the S_fin components (no-op without equalities). */
export function projectOutEqualities(c: MarginConstraints, X: Float64Array): Float64Array {
  const B = c.equalityBasis;
  if (!B) return X;
  const size = c.rows * c.cols;
  const k = B.length / size;
  for (let j = 0; j < k; j++) {
    let d = 0;
    for (let i = 0; i < size; i++) d += B[j * size + i] * X[i];
    for (let i = 0; i < size; i++) X[i] -= d * B[j * size + i];
  }
  return X;
}

/** Builds and checks a constraint list (finite entries, matching lengths, no zero A_e). */
export function marginConstraints(rows: number, cols: number, keys: ArrayLike<number>[], queries: ArrayLike<number>[]): MarginConstraints {
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1) {
    throw new NtpError('invalid-problem', `the matrix size must be positive integers, got ${rows}×${cols}`);
  }
  if (keys.length !== queries.length) throw new NtpError('invalid-problem', `${keys.length} key vectors but ${queries.length} query vectors`);
  const count = keys.length;
  const K = new Float64Array(count * rows);
  const Z = new Float64Array(count * cols);
  for (let e = 0; e < count; e++) {
    if (keys[e].length !== rows) throw new NtpError('invalid-problem', `constraint ${e}: key vector has ${keys[e].length} entries, expected ${rows}`);
    if (queries[e].length !== cols) throw new NtpError('invalid-problem', `constraint ${e}: query vector has ${queries[e].length} entries, expected ${cols}`);
    let ka = 0;
    let za = 0;
    for (let i = 0; i < rows; i++) {
      const x = keys[e][i];
      if (!Number.isFinite(x)) throw new NtpError('invalid-problem', `constraint ${e}: key entry ${i} is not finite`);
      K[e * rows + i] = x;
      ka = Math.max(ka, Math.abs(x));
    }
    for (let j = 0; j < cols; j++) {
      const x = queries[e][j];
      if (!Number.isFinite(x)) throw new NtpError('invalid-problem', `constraint ${e}: query entry ${j} is not finite`);
      Z[e * cols + j] = x;
      za = Math.max(za, Math.abs(x));
    }
    if (ka === 0 || za === 0) throw new NtpError('infeasible', `constraint ${e} is ⟨0, W⟩ ≥ 1, which no W satisfies`);
  }
  return { rows, cols, count, keys: K, queries: Z, equalityBasis: null };
}

/** G_ef = ⟨A_e, A_f⟩ = (a_eᵀa_f)(z_eᵀz_f), count×count. */
export function constraintGram(c: MarginConstraints): Float64Array {
  const { rows, cols, count: m, keys, queries } = c;
  const G = new Float64Array(m * m);
  for (let e = 0; e < m; e++) {
    for (let f = e; f < m; f++) {
      let ka = 0;
      for (let i = 0; i < rows; i++) ka += keys[e * rows + i] * keys[f * rows + i];
      let za = 0;
      for (let j = 0; j < cols; j++) za += queries[e * cols + j] * queries[f * cols + j];
      G[e * m + f] = G[f * m + e] = ka * za;
    }
  }
  const B = c.equalityBasis;
  if (B && B.length > 0) {
    // ⟨PA_e, PA_f⟩ = ⟨A_e, A_f⟩ − Σ_j ⟨B_j, A_e⟩⟨B_j, A_f⟩, with ⟨B_j, A_e⟩ = a_eᵀ B_j z_e
    const size = rows * cols;
    const k = B.length / size;
    const coef = new Float64Array(k * m);
    for (let j = 0; j < k; j++) for (let e = 0; e < m; e++) coef[j * m + e] = constraintValues({ ...c, count: 1, keys: keys.subarray(e * rows, e * rows + rows), queries: queries.subarray(e * cols, e * cols + cols) }, B.subarray(j * size, j * size + size))[0];
    for (let e = 0; e < m; e++) for (let f = 0; f < m; f++) for (let j = 0; j < k; j++) G[e * m + f] -= coef[j * m + e] * coef[j * m + f];
  }
  return G;
}

/** out_e = ⟨A_e, W⟩ = a_eᵀ W z_e. */
export function constraintValues(c: MarginConstraints, W: ArrayLike<number>, out: Float64Array = new Float64Array(c.count)): Float64Array {
  const { rows, cols, count, keys, queries } = c;
  for (let e = 0; e < count; e++) {
    let acc = 0;
    for (let i = 0; i < rows; i++) {
      const a = keys[e * rows + i];
      if (a === 0) continue;
      let row = 0;
      for (let j = 0; j < cols; j++) row += W[i * cols + j] * queries[e * cols + j];
      acc += a * row;
    }
    out[e] = acc;
  }
  return out;
}

/** min_e ⟨A_e, W⟩ (+∞ without constraints): the margin γ of B3 (docs/theory/factorized.md#metrics). */
export function minMargin(c: MarginConstraints, W: ArrayLike<number>): number {
  objectArg(c, 'minMargin(constraints, W): constraints');
  arrayArg(W, 'minMargin(constraints, W): W');
  let g = Infinity;
  for (const v of constraintValues(c, W)) g = Math.min(g, v);
  return g;
}

/** out = Σ_e λ_e A_e (rows×cols). */
export function combine(c: MarginConstraints, lambda: ArrayLike<number>, out: Float64Array = new Float64Array(c.rows * c.cols)): Float64Array {
  const { rows, cols, count, keys, queries } = c;
  out.fill(0);
  for (let e = 0; e < count; e++) {
    const l = lambda[e];
    if (l === 0) continue;
    for (let i = 0; i < rows; i++) {
      const a = l * keys[e * rows + i];
      if (a === 0) continue;
      for (let j = 0; j < cols; j++) out[i * cols + j] += a * queries[e * cols + j];
    }
  }
  return out;
}

/** The Frobenius-norm max-margin solution W_F (docs/theory/factorized.md#the-two-max-margin-problems Att-SVM). */
export interface FrobeniusSvm {
  W: Float64Array;
  /** ‖W_F‖_F */
  norm: number;
  lambda: Float64Array;
}

/** W_F = argmin ‖W‖_F s.t. ⟨A_e, W⟩ ≥ 1, by the existing hard-margin dual. Throws `infeasible`. */
export function solveFrobeniusSvm(c: MarginConstraints, G?: Float64Array): FrobeniusSvm {
  objectArg(c, 'solveFrobeniusSvm(constraints, G): constraints');
  if (G === undefined) G = constraintGram(c);
  const m = c.count;
  if (m === 0) throw new NtpError('invalid-problem', 'the SVM has no constraint');
  const diag = new Float64Array(m);
  for (let e = 0; e < m; e++) diag[e] = G[e * m + e];
  const r = solveHardMarginDual(m, diag, (j) => G.slice(j * m, j * m + m), 1e-11);
  if (!r.feasible) throw new NtpError('infeasible', `the max-margin SVM with ${m} constraints is infeasible: no W reaches margin 1 on all of them`);
  const W = projectOutEqualities(c, combine(c, r.lambda));
  let ss = 0;
  for (const x of W) ss += x * x;
  return { W, norm: Math.sqrt(ss), lambda: r.lambda };
}

/** Options of {@link solveNuclearSvm}. */
export interface NuclearSvmOptions {
  /** ADMM penalty ρ (default 1, docs/theory/factorized.md#certified-nuclear-norm-solver) */
  rho?: number;
  /** stop when (ub − lb)/ub ≤ this (default 1e-9) */
  gapTol?: number;
  /** and the residuals ‖W − Z‖_F, ρ‖Z − Z_prev‖_F ≤ this·max(1, ‖Z‖_F) (default 1e-10) */
  residualTol?: number;
  /** iteration cap (default 20000); reaching it returns status `max-iterations` with the gap it has */
  maxIterations?: number;
}

/** The nuclear-norm max-margin solution W_* with its optimality certificate. */
export interface NuclearSvm {
  /** `certified` when the relative gap reached gapTol; otherwise `max-iterations` */
  status: 'certified' | 'max-iterations';
  /** a feasible point (margins ≥ 1 exactly: scaled by 1/min margin if rounding left one below 1) */
  W: Float64Array;
  /** upper bound ‖W‖_* on ν* */
  nuclearNorm: number;
  /** lower bound Σλ/‖Σλ_e A_e‖_op on ν* from the dual multipliers below */
  lowerBound: number;
  /** (ub − lb)/ub */
  relativeGap: number;
  /** dual multipliers of the certificate */
  lambda: Float64Array;
  /** singular values of W, decreasing */
  sigma: Float64Array;
  /** numerical rank of W: σ_i > 1e-6·σ_1 (B4 (docs/theory/factorized.md#metrics), solver output) */
  rank: number;
  iterations: number;
}

/**
 * W_* = argmin ‖W‖_* s.t. ⟨A_e, W⟩ ≥ 1 (docs/theory/factorized.md#certified-nuclear-norm-solver): scaled ADMM on min ‖W‖_* + ι_C(Z), W = Z, with
 * singular-value thresholding for W and the exact LDP projection onto C for Z (warm-started from the
 * previous support), started from Z = Π_C(0) = W_F. Every few iterations a certificate is formed:
 * the upper bound is ‖Z‖_* of the feasible iterate, the lower bound Σλ/‖Σλ_e A_e‖_op (weak duality)
 * for multipliers fitted by NNLS on the constraints active at Z to −ρU and to the polar factor of Z.
 * Throws `infeasible` when no W reaches the margins.
 */
export function solveNuclearSvm(c: MarginConstraints, opts: NuclearSvmOptions = {}): NuclearSvm {
  objectArg(c, 'solveNuclearSvm(constraints, options): constraints');
  opts = optionsArg(opts, 'solveNuclearSvm(constraints, options): options');
  const rho = opts.rho ?? 1;
  const gapTol = opts.gapTol ?? 1e-9;
  const resTol = opts.residualTol ?? 1e-10;
  const maxIt = opts.maxIterations ?? 20000;
  for (const [name, v] of [['rho', rho], ['gapTol', gapTol], ['residualTol', resTol]] as const) {
    if (!(v > 0) || !Number.isFinite(v)) throw new NtpError('invalid-option', `nuclear SVM option ${name} must be a positive number, got ${v}`);
  }
  if (!Number.isInteger(maxIt) || maxIt < 1) throw new NtpError('invalid-option', `nuclear SVM option maxIterations must be a positive integer, got ${maxIt}`);
  const { rows, cols, count: m } = c;
  if (m === 0) throw new NtpError('invalid-problem', 'the SVM has no constraint');
  const size = rows * cols;
  const G = constraintGram(c);
  const vals = new Float64Array(m);
  const b = new Float64Array(m);
  let support: number[] = [];

  const Y = new Float64Array(size);
  /** Z ← Π_C(V) = PV + P·Σλ_e A_e with λ from the LDP on b = 1 − ⟨A_e, PV⟩ */
  const project = (V: Float64Array, Z: Float64Array): void => {
    Z.set(V);
    projectOutEqualities(c, Z);
    constraintValues(c, Z, vals);
    const r = marginProjection(m, G, vals, support, b);
    if (!r.feasible) throw new NtpError('infeasible', `the max-margin SVM with ${m} constraints is infeasible: no W reaches margin 1 on all of them`);
    support = r.active;
    projectOutEqualities(c, combine(c, r.lambda, Y));
    for (let i = 0; i < size; i++) Z[i] += Y[i];
  };

  const Z = new Float64Array(size);
  const W = new Float64Array(size);
  const U = new Float64Array(size);
  const T = new Float64Array(size);
  const Zprev = new Float64Array(size);
  project(new Float64Array(size), Z);
  W.set(Z);

  let best: { lb: number; lambda: Float64Array } = { lb: 0, lambda: new Float64Array(m) };
  let ub = Infinity;
  let Zsvd: Svd = svd(Z, rows, cols);
  let iterations = 0;
  let certified = false;
  const tau = 1 / rho;
  for (let it = 1; it <= maxIt; it++) {
    iterations = it;
    for (let i = 0; i < size; i++) T[i] = Z[i] - U[i];
    recompose(svd(T, rows, cols), (s) => (s > tau ? s - tau : 0), W);
    Zprev.set(Z);
    for (let i = 0; i < size; i++) T[i] = W[i] + U[i];
    project(T, Z);
    let r2 = 0;
    let s2 = 0;
    let z2 = 0;
    for (let i = 0; i < size; i++) {
      const wz = W[i] - Z[i];
      U[i] += wz;
      r2 += wz * wz;
      s2 += (Z[i] - Zprev[i]) ** 2;
      z2 += Z[i] * Z[i];
    }
    const scale = Math.max(1, Math.sqrt(z2));
    const small = Math.sqrt(r2) <= resTol * scale && rho * Math.sqrt(s2) <= resTol * scale;
    if (!small && it % 25 !== 0 && it !== maxIt) continue;
    Zsvd = svd(Z, rows, cols);
    ub = feasibleUpper(c, Z, Zsvd);
    const cand = certificate(c, G, Z, U, Zsvd, rho);
    if (cand.lb > best.lb) best = cand;
    if (small && (ub - best.lb) / ub <= gapTol) {
      certified = true;
      break;
    }
  }
  const gamma = minMargin(c, Z);
  const Wout = Float64Array.from(Z);
  if (gamma < 1) for (let i = 0; i < size; i++) Wout[i] /= gamma;
  const sigma = Zsvd.sigma.map((s) => (gamma < 1 ? s / gamma : s));
  let rank = 0;
  for (const s of sigma) if (s > 1e-6 * sigma[0]) rank++;
  return {
    status: certified ? 'certified' : 'max-iterations',
    W: Wout,
    nuclearNorm: ub,
    lowerBound: best.lb,
    relativeGap: (ub - best.lb) / ub,
    lambda: best.lambda,
    sigma,
    rank,
    iterations,
  };
}

/** ‖Z‖_* of Z scaled onto C if rounding left a margin below 1: an upper bound on ν*. */
function feasibleUpper(c: MarginConstraints, Z: Float64Array, s: Svd): number {
  const gamma = minMargin(c, Z);
  if (!(gamma > 0)) return Infinity;
  return nuclearNorm(s) / Math.min(1, gamma);
}

/**
 * The best weak-duality bound from NNLS fits of Σλ_e PA_e, over the constraints active at Z, to the
 * two candidate subgradients −ρU and the polar factor U_r V_rᵀ of Z: for M = P·Σλ_e A_e + S with
 * S ∈ S_fin and any feasible W', Σλ_e ≤ ⟨M, W'⟩ ≤ ‖M‖_op‖W'‖_*.
 */
function certificate(c: MarginConstraints, G: Float64Array, Z: Float64Array, U: Float64Array, Zsvd: Svd, rho: number): { lb: number; lambda: Float64Array } {
  const m = c.count;
  const vals = constraintValues(c, Z);
  const act: number[] = [];
  for (let e = 0; e < m; e++) if (vals[e] <= 1 + 1e-6) act.push(e);
  let best: { lb: number; lambda: Float64Array } = { lb: 0, lambda: new Float64Array(m) };
  if (act.length === 0) return best;
  const na = act.length;
  const diag = new Float64Array(na);
  for (let k = 0; k < na; k++) diag[k] = G[act[k] * m + act[k]];
  const column = (j: number): Float64Array => {
    const col = new Float64Array(na);
    for (let k = 0; k < na; k++) col[k] = G[act[k] * m + act[j]];
    return col;
  };
  const s1 = Zsvd.sigma[0];
  const polar = recompose(Zsvd, (s) => (s > 1e-9 * s1 ? 1 : 0), new Float64Array(c.rows * c.cols));
  const negU = U.map((x) => -rho * x);
  const M = new Float64Array(c.rows * c.cols);
  for (const target of [negU, polar]) {
    // fit on P·target; the S_fin part (I − P)target is added back to M: it does not change ⟨M, W'⟩
    // for any W' ⟂ S_fin, and keeps ‖M‖_op as small as the subgradient allows
    const Pt = projectOutEqualities(c, Float64Array.from(target));
    const tv = constraintValues(c, Pt);
    const cvec = new Float64Array(na);
    for (let k = 0; k < na; k++) cvec[k] = tv[act[k]];
    const { u } = solveNnqp(na, diag, column, cvec);
    const lambda = new Float64Array(m);
    let sum = 0;
    for (let k = 0; k < na; k++) {
      lambda[act[k]] = u[k];
      sum += u[k];
    }
    if (!(sum > 0)) continue;
    projectOutEqualities(c, combine(c, lambda, M));
    for (let i = 0; i < M.length; i++) M[i] += target[i] - Pt[i];
    const op = svd(M, c.rows, c.cols).sigma[0];
    if (!(op > 0)) continue;
    const lb = sum / op;
    if (lb > best.lb) best = { lb, lambda };
  }
  return best;
}
