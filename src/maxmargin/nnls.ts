import { NtpError } from '../errors.js';

const EPS = 2.220446049250313e-16;

/**
 * Cholesky factor L (lower, row-major, growable) of H[P,P] for an ordered active set P, updated in
 * O(|P|²) per insertion or deletion so an active-set sweep never refactorises from scratch.
 */
export class ActiveCholesky {
  private cap: number;
  private L: Float64Array;
  /** Current order |P|. */
  size = 0;
  /** y = L⁻¹1, valid in its first `onesValid` entries: rows above a change never move. */
  private ones: Float64Array;
  private onesValid = 0;

  constructor(initialCapacity: number) {
    this.cap = Math.max(1, initialCapacity);
    this.L = new Float64Array(this.cap * this.cap);
    this.ones = new Float64Array(this.cap);
  }

  private grow(): void {
    const cap = this.cap * 2;
    const L = new Float64Array(cap * cap);
    for (let i = 0; i < this.size; i++) {
      L.set(this.L.subarray(i * this.cap, i * this.cap + i + 1), i * cap);
    }
    const ones = new Float64Array(cap);
    ones.set(this.ones.subarray(0, this.onesValid));
    this.cap = cap;
    this.L = L;
    this.ones = ones;
  }

  /**
   * Appends a row/column: h[k] = H[P_k, j] for k < size, hjj = H[j, j].
   * Returns false (leaving the factor unchanged) when the new column is numerically dependent on P.
   */
  append(h: Float64Array, hjj: number, relTol: number): boolean {
    if (this.size === this.cap) this.grow();
    const p = this.size;
    const cap = this.cap;
    const L = this.L;
    const rowP = p * cap;
    let ss = 0;
    for (let i = 0; i < p; i++) {
      const rowI = i * cap;
      let v = h[i];
      for (let k = 0; k < i; k++) v -= L[rowI + k] * L[rowP + k];
      v /= L[rowI + i];
      L[rowP + i] = v;
      ss += v * v;
    }
    const pivot = hjj - ss;
    if (!(pivot > relTol * hjj)) return false;
    L[rowP + p] = Math.sqrt(pivot);
    this.size = p + 1;
    return true;
  }

  /** Deletes position k: drop its row, then Givens rotations restore triangularity of the trailing block. */
  remove(k: number): void {
    const p = this.size;
    const cap = this.cap;
    const L = this.L;
    for (let i = k; i < p - 1; i++) {
      // Row i+1 has entries in columns 0..i+1.
      L.copyWithin(i * cap, (i + 1) * cap, (i + 1) * cap + i + 2);
    }
    for (let i = k; i < p - 1; i++) {
      const a = L[i * cap + i];
      const b = L[i * cap + i + 1];
      if (b === 0) continue;
      const r = Math.hypot(a, b);
      const c = a / r;
      const s = b / r;
      for (let t = i; t < p - 1; t++) {
        const row = t * cap;
        const x = L[row + i];
        const y = L[row + i + 1];
        L[row + i] = c * x + s * y;
        L[row + i + 1] = -s * x + c * y;
      }
      L[i * cap + i + 1] = 0;
    }
    for (let i = k; i < p - 1; i++) {
      // A skipped rotation (b = 0) leaves a shifted sub-diagonal entry, which may be negative, on the diagonal.
      if (L[i * cap + i] < 0) {
        for (let t = i; t < p - 1; t++) L[t * cap + i] = -L[t * cap + i];
      }
    }
    this.size = p - 1;
    this.onesValid = Math.min(this.onesValid, k);
  }

  /** Solves L Lᵀ x = 1, reusing the forward substitution of earlier calls. */
  solveOnes(x: Float64Array): void {
    const p = this.size;
    const cap = this.cap;
    const L = this.L;
    const y = this.ones;
    for (let i = this.onesValid; i < p; i++) {
      const row = i * cap;
      let v = 1;
      for (let k = 0; k < i; k++) v -= L[row + k] * y[k];
      y[i] = v / L[row + i];
    }
    this.onesValid = p;
    x.set(y.subarray(0, p));
    this.backward(x);
  }

  /** Solves L Lᵀ x = b for the first `size` entries (b and x may alias). */
  solve(b: Float64Array, x: Float64Array): void {
    const p = this.size;
    const cap = this.cap;
    const L = this.L;
    for (let i = 0; i < p; i++) {
      const row = i * cap;
      let v = b[i];
      for (let k = 0; k < i; k++) v -= L[row + k] * x[k];
      x[i] = v / L[row + i];
    }
    this.backward(x);
  }

  /** Lᵀx = y in place, by rows of L (contiguous) rather than columns (stride cap). */
  private backward(x: Float64Array): void {
    const p = this.size;
    const cap = this.cap;
    const L = this.L;
    for (let i = p - 1; i >= 0; i--) {
      const row = i * cap;
      const xi = x[i] / L[row + i];
      x[i] = xi;
      for (let k = 0; k < i; k++) x[k] -= L[row + k] * xi;
    }
  }
}

/** What {@link ActiveSet.run} asks of one NNQP min ½uᵀHu − cᵀu, u ≥ 0. */
interface ActiveSetProblem {
  /** largest gradient entry that does not count as improving (rounding) */
  gTol: number;
  maxIter: number;
  /** the problem's name in the no-convergence error */
  what: string;
  /** g = c − Hu */
  gradient(g: Float64Array): void;
  /** h[k] = H[P_k, j] for the current support; returns H_jj */
  border(j: number, h: Float64Array): number;
  /** the column to cache for j once it entered the support */
  column(j: number): Float64Array;
  /** z = H_PP⁻¹ c_P */
  solve(z: Float64Array): void;
}

/**
 * The state and loop of Lawson–Hanson's active-set method, shared by the NNQPs below: the
 * support P with a Cholesky factor of H_PP updated per change, the variable with the largest
 * gradient entering, and one that cannot enter (a dependent column, or rounding making it look
 * improving) skipped until the next one does.
 */
class ActiveSet {
  readonly u: Float64Array;
  readonly inP: Uint8Array;
  readonly P: number[] = [];
  /** the cached column of each support member, in P's order */
  readonly cols: Float64Array[] = [];
  chol: ActiveCholesky;
  /** bordering row and passive solution, grown with the support */
  h: Float64Array;
  z: Float64Array;
  iterations = 0;
  private readonly g: Float64Array;
  private readonly rejected: Uint8Array;
  private readonly rejectedList: number[] = [];

  constructor(private readonly m: number) {
    this.u = new Float64Array(m);
    this.inP = new Uint8Array(m);
    this.rejected = new Uint8Array(m);
    this.g = new Float64Array(m);
    this.chol = new ActiveCholesky(Math.min(m, 64));
    this.h = new Float64Array(Math.min(m, 64));
    this.z = new Float64Array(Math.min(m, 64));
  }

  /** h and z hold at least n entries */
  ensure(n: number): void {
    if (this.h.length >= n) return;
    const len = Math.min(this.m, Math.max(n, 2 * this.h.length));
    this.h = new Float64Array(len);
    this.z = new Float64Array(len);
  }

  /** Appends j to the support (its bordering row in h); false when its column depends on P. */
  enter(j: number, hjj: number, col: () => Float64Array): boolean {
    if (!this.chol.append(this.h, hjj, 1e-13)) return false;
    this.P.push(j);
    this.inP[j] = 1;
    this.cols.push(col());
    return true;
  }

  readonly dropAt = (k: number): void => {
    const j = this.P[k];
    this.u[j] = 0;
    this.inP[j] = 0;
    this.chol.remove(k);
    this.P.splice(k, 1);
    this.cols.splice(k, 1);
  };

  run(p: ActiveSetProblem): void {
    const { u, inP, P, g, rejected, rejectedList, m } = this;
    outer: for (;;) {
      p.gradient(g);
      let best = -1;
      let bestG = p.gTol;
      for (let i = 0; i < m; i++) {
        if (!inP[i] && !rejected[i] && g[i] > bestG) {
          bestG = g[i];
          best = i;
        }
      }
      if (best < 0) break;
      this.ensure(P.length + 1);
      if (!this.enter(best, p.border(best, this.h), () => p.column(best))) {
        rejected[best] = 1;
        rejectedList.push(best);
        continue;
      }
      let first = true;
      for (;;) {
        if (++this.iterations > p.maxIter) {
          throw new NtpError('no-convergence', `${p.what}: active-set method exceeded ${p.maxIter} iterations`);
        }
        const n = P.length;
        p.solve(this.z);
        if (first && !(this.z[n - 1] > 0)) {
          // Rounding made an entering column look improving; Lawson–Hanson guarantees z_j > 0 otherwise.
          this.dropAt(n - 1);
          rejected[best] = 1;
          rejectedList.push(best);
          continue outer;
        }
        first = false;
        if (stepTowardPassive(u, this.z, P, this.dropAt)) break;
      }
      for (const j of rejectedList) rejected[j] = 0;
      rejectedList.length = 0;
    }
  }
}

/** Result of {@link solveHardMarginDual}. */
export interface HardMarginDualResult {
  /** False when no primal point satisfies the constraints (the LDP residual vanished). */
  feasible: boolean;
  /** Dual multipliers λ ≥ 0 (length m); zeros when infeasible. */
  lambda: Float64Array;
  /** Support (indices with λ > 0). */
  active: Int32Array;
  /** s = 1/(1 + ‖w*‖²), the LDP residual; 0 means infeasible. */
  slack: number;
  /** Number of active-set solves. */
  iterations: number;
}

/**
 * Solves the hard-margin problem min ½‖w‖² s.t. ⟨A_i, w⟩ ≥ 1 (i < m) through its Gram matrix
 * G = A Aᵀ only, with Lawson–Hanson NNLS on the least-distance form (Lawson & Hanson ch. 23):
 * min ‖[Aᵀ; 1ᵀ] u − e_{n+1}‖, u ≥ 0, i.e. the NNQP with Hessian G + 11ᵀ. That form keeps the passive
 * columns linearly independent even when G is singular (dependent constraints), and it detects
 * infeasibility as a vanishing residual instead of a diverging dual. The multipliers are then
 * λ = u / s with s = 1 − Σu, polished by iterative refinement of G_PP λ_P = 1 on the support.
 *
 * @param m number of constraints
 * @param diag G_ii
 * @param column returns column j of G (length m); called only for indices entering the support
 * @param slackTol s at or below this is reported infeasible (s = 1/(1+‖w‖²))
 * @param applyG optional out = G u for the whole vector (u is zero off the support); lets structured
 *   constraints compute the gradient without the O(m·|support|) pass over cached columns
 * @param applyGCost rough flop count of one applyG call; it is used only while cheaper than m·|support|
 */
export function solveHardMarginDual(
  m: number,
  diag: Float64Array,
  column: (j: number) => Float64Array,
  slackTol: number,
  applyG?: (u: Float64Array, out: Float64Array) => void,
  applyGCost = 0,
): HardMarginDualResult {
  const set = new ActiveSet(m);
  const { u, P, cols } = set;
  let maxDiag = 0;
  for (let i = 0; i < m; i++) if (diag[i] > maxDiag) maxDiag = diag[i];
  // The cached columns are G's; H = G + 11ᵀ adds 1 to every entry.
  set.run({
    // Rounding in g_i = 1 − (Hu)_i is about eps·max|H|·Σu ≤ eps·(1 + maxDiag).
    gTol: 1e3 * EPS * (1 + maxDiag),
    maxIter: 5 * m + 100,
    what: 'max-margin dual',
    gradient: (g) => {
      let sumU = 0;
      for (let k = 0; k < P.length; k++) sumU += u[P[k]];
      if (applyG && applyGCost < m * P.length) {
        applyG(u, g);
        for (let i = 0; i < m; i++) g[i] = 1 - sumU - g[i];
      } else {
        g.fill(1 - sumU);
        for (let k = 0; k < P.length; k++) {
          const col = cols[k];
          const uj = u[P[k]];
          for (let i = 0; i < m; i++) g[i] -= col[i] * uj;
        }
      }
    },
    border: (j, h) => {
      for (let k = 0; k < P.length; k++) h[k] = cols[k][j] + 1;
      return diag[j] + 1;
    },
    column,
    solve: (z) => set.chol.solveOnes(z),
  });
  const { chol, iterations } = set;

  const p = P.length;
  let sumU = 0;
  for (let k = 0; k < p; k++) sumU += u[P[k]];
  const s = 1 - sumU;
  const lambda = new Float64Array(m);
  const active = Int32Array.from(P);
  if (!(s > slackTol)) {
    return { feasible: false, lambda, active, slack: Math.max(0, s), iterations };
  }

  // G_PP = H_PP − 11ᵀ, so Sherman–Morrison turns the H factor into a G solve: G⁻¹r = H⁻¹r + uP (1ᵀH⁻¹r)/s.
  const uP = new Float64Array(p);
  const lam = new Float64Array(p);
  const r = new Float64Array(p);
  const y = new Float64Array(p);
  for (let k = 0; k < p; k++) {
    uP[k] = u[P[k]];
    lam[k] = uP[k] / s;
  }
  for (let pass = 0; pass < 2; pass++) {
    for (let k = 0; k < p; k++) r[k] = 1;
    for (let t = 0; t < p; t++) {
      const col = cols[t];
      const lt = lam[t];
      for (let k = 0; k < p; k++) r[k] -= col[P[k]] * lt;
    }
    chol.solve(r, y);
    let sy = 0;
    for (let k = 0; k < p; k++) sy += y[k];
    const f = sy / s;
    for (let k = 0; k < p; k++) lam[k] += y[k] + uP[k] * f;
  }
  for (let k = 0; k < p; k++) lambda[P[k]] = lam[k];
  return { feasible: true, lambda, active, slack: s, iterations };
}

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
  const set = new ActiveSet(m);
  const { u, inP, P, cols } = set;
  const cP = new Float64Array(Math.max(m, 1));
  let maxDiag = 0;
  let maxC = 0;
  for (let i = 0; i < m; i++) {
    maxDiag = Math.max(maxDiag, diag[i]);
    maxC = Math.max(maxC, Math.abs(c[i]));
  }
  const solveP = (z: Float64Array): void => {
    for (let k = 0; k < P.length; k++) cP[k] = c[P[k]];
    set.chol.solve(cP, z);
  };
  const border = (col: Float64Array, h: Float64Array): void => {
    for (let k = 0; k < P.length; k++) h[k] = col[P[k]];
  };

  if (warm.length > 0) {
    for (const j of warm) {
      if (j < 0 || j >= m || inP[j]) continue;
      const col = column(j);
      set.ensure(P.length + 1);
      border(col, set.h);
      set.enter(j, diag[j], () => col);
    }
    solveP(set.z);
    let positive = P.length > 0;
    for (let k = 0; k < P.length; k++) if (!(set.z[k] > 0)) positive = false;
    if (positive) {
      for (let k = 0; k < P.length; k++) u[P[k]] = set.z[k];
    } else {
      P.length = 0;
      cols.length = 0;
      inP.fill(0);
      set.chol = new ActiveCholesky(Math.min(m, 64));
    }
  }

  // The column of the entering variable is read once, for its bordering row and the cache.
  let entering: Float64Array = new Float64Array(0);
  set.run({
    gTol: 1e3 * EPS * (maxC + maxDiag),
    maxIter: 5 * m + 100,
    what: 'NNQP',
    gradient: (g) => {
      for (let i = 0; i < m; i++) g[i] = c[i];
      for (let k = 0; k < P.length; k++) {
        const col = cols[k];
        const uj = u[P[k]];
        for (let i = 0; i < m; i++) g[i] -= col[i] * uj;
      }
    },
    border: (j, h) => {
      entering = column(j);
      border(entering, h);
      return diag[j];
    },
    column: () => entering,
    solve: solveP,
  });
  return { u, active: P.slice(), chol: set.chol, cols, iterations: set.iterations };
}

/**
 * One inner step of Lawson–Hanson on the passive set P, given z, the unconstrained solution on P
 * (z[k] for variable P[k]): accept z when it is positive (u takes it; returns true), otherwise move u
 * toward z until the first passive variable reaches zero and drop those that did, through `dropAt`
 * (called with descending positions); returns true when P is then empty.
 */
export function stepTowardPassive(u: Float64Array, z: Float64Array, P: number[], dropAt: (k: number) => void): boolean {
  const p = P.length;
  let alpha = Infinity;
  let argK = -1;
  for (let k = 0; k < p; k++) {
    if (!(z[k] > 0)) {
      const uk = u[P[k]];
      const a = uk / (uk - z[k]);
      if (a < alpha) {
        alpha = a;
        argK = k;
      }
    }
  }
  if (argK < 0) {
    for (let k = 0; k < p; k++) u[P[k]] = z[k];
    return true;
  }
  for (let k = 0; k < p; k++) {
    const j = P[k];
    u[j] += alpha * (z[k] - u[j]);
  }
  for (let k = p - 1; k >= 0; k--) {
    if (k === argK || (!(z[k] > 0) && u[P[k]] <= 0)) dropAt(k);
  }
  return P.length === 0;
}
