import { NtpError } from '../errors.js';
import { ldpStep, solveNnqp } from './ldp-projection.js';
import { solveHardMarginDual } from './nnls.js';
import { nuclearNorm, recompose, svd, type Svd } from './svd.js';

/**
 * Margin constraints ⟨A_e, W⟩ ≥ 1 with rank-one A_e = a_e z_eᵀ on W ∈ R^{rows×cols}: a_e is the
 * key-side difference x_{iα} − x_{it} and z_e the query z_i (SPEC §8.2); in token space with one-hot
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
  return { rows, cols, count, keys: K, queries: Z };
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

/** min_e ⟨A_e, W⟩ (+∞ without constraints): the margin γ of SPEC §8.5 B3. */
export function minMargin(c: MarginConstraints, W: ArrayLike<number>): number {
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

/** The Frobenius-norm max-margin solution W_F (SPEC §8.2 Att-SVM). */
export interface FrobeniusSvm {
  W: Float64Array;
  /** ‖W_F‖_F */
  norm: number;
  lambda: Float64Array;
}

/** W_F = argmin ‖W‖_F s.t. ⟨A_e, W⟩ ≥ 1, by the existing hard-margin dual. Throws `infeasible`. */
export function solveFrobeniusSvm(c: MarginConstraints, G = constraintGram(c)): FrobeniusSvm {
  const m = c.count;
  if (m === 0) throw new NtpError('invalid-problem', 'the SVM has no constraint');
  const diag = new Float64Array(m);
  for (let e = 0; e < m; e++) diag[e] = G[e * m + e];
  const r = solveHardMarginDual(m, diag, (j) => G.slice(j * m, j * m + m), 1e-11);
  if (!r.feasible) throw new NtpError('infeasible', `the max-margin SVM with ${m} constraints is infeasible: no W reaches margin 1 on all of them`);
  const W = combine(c, r.lambda);
  let ss = 0;
  for (const x of W) ss += x * x;
  return { W, norm: Math.sqrt(ss), lambda: r.lambda };
}

/** Options of {@link solveNuclearSvm}. */
export interface NuclearSvmOptions {
  /** ADMM penalty ρ (default 1, SPEC §8.3) */
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
  /** numerical rank of W: σ_i > 1e-6·σ_1 (SPEC §8.5 B4, solver output) */
  rank: number;
  iterations: number;
}

/**
 * W_* = argmin ‖W‖_* s.t. ⟨A_e, W⟩ ≥ 1 (SPEC §8.3): scaled ADMM on min ‖W‖_* + ι_C(Z), W = Z, with
 * singular-value thresholding for W and the exact LDP projection onto C for Z (warm-started from the
 * previous support), started from Z = Π_C(0) = W_F. Every few iterations a certificate is formed:
 * the upper bound is ‖Z‖_* of the feasible iterate, the lower bound Σλ/‖Σλ_e A_e‖_op (weak duality)
 * for multipliers fitted by NNLS on the constraints active at Z to −ρU and to the polar factor of Z.
 * Throws `infeasible` when no W reaches the margins.
 */
export function solveNuclearSvm(c: MarginConstraints, opts: NuclearSvmOptions = {}): NuclearSvm {
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

  /** Z ← Π_C(V) */
  const project = (V: Float64Array, Z: Float64Array): void => {
    constraintValues(c, V, vals);
    for (let e = 0; e < m; e++) b[e] = 1 - vals[e];
    const r = ldpStep(m, G, b, 1e-11, support);
    if (!r.feasible) throw new NtpError('infeasible', `the max-margin SVM with ${m} constraints is infeasible: no W reaches margin 1 on all of them`);
    support = r.active;
    combine(c, r.lambda, Z);
    for (let i = 0; i < size; i++) Z[i] += V[i];
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
 * The best weak-duality bound from NNLS fits of Σλ_e A_e, over the constraints active at Z, to the
 * two candidate subgradients −ρU and the polar factor U_r V_rᵀ of Z.
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
    const tv = constraintValues(c, target);
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
    combine(c, lambda, M);
    const op = svd(M, c.rows, c.cols).sigma[0];
    if (!(op > 0)) continue;
    const lb = sum / op;
    if (lb > best.lb) best = { lb, lambda };
  }
  return best;
}
