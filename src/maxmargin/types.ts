/** Input of {@link solveMaxMargin}: the two max-margin problems of docs/theory/core.md#max-margin-directions in token ids. */
export interface MaxMarginProblem {
  /** Vocabulary size. */
  V: number;
  /** Embedding E as d×V row-major Float64Array (column v = token v's embedding), or null for one-hot (d = V). */
  embedding: { d: number; E: Float64Array } | null;
  /** Collocation pairs [x, n(x)]. */
  collocation: Array<[number, number]>;
  /** Stage-2 constraints, one per sample of length >= 2: query q, optimal token o, the distinct non-optimal tokens j of that sample. */
  attention: Array<{ query: number; optimal: number; nonOptimal: number[] }>;
  /** Token names, for messages (optional). */
  vocab?: readonly string[];
}

/** Which solver produced a {@link MaxMarginSolution}. */
export type MaxMarginMethod = 'columnwise-qp' | 'svm-dual';

/** Options of {@link solveMaxMargin}. */
export interface SolveMaxMarginOptions {
  /**
   * 'auto' (default) uses the column-wise QP when the embedding is one-hot or orthonormal and the
   * SVM dual otherwise. Forcing 'columnwise-qp' on a non-orthonormal embedding throws.
   */
  method?: 'auto' | MaxMarginMethod;
  /** Largest number of constraints (per problem) the SVM-dual path accepts; default 5000. */
  maxSvmConstraints?: number;
  /** Tolerance of the EᵀE = I test (max abs entry error); default 1e-10. */
  orthonormalTol?: number;
  /**
   * The norm W_kq's problem minimizes: 'frobenius' (default) or 'nuclear' (the nuclear-norm SVM of
   * factorized attention, Tarzanagh et al. 2023; docs/theory/factorized.md#certified-nuclear-norm-solver), with its certificate
   * in `nuclear`. W*_ov's problem is always Frobenius.
   */
  norm?: 'frobenius' | 'nuclear';
}

/** The graph-SVM's facts when it replaced W*_kq (cyclic or confused orders). */
export interface GraphSvmSummary {
  /** `optimal`, or `no-direction` (every query graph is one SCC: W_svm = 0) */
  status: 'optimal' | 'no-direction';
  method: 'columnwise' | 'projected-gram';
  /** ‖W_svm‖_F */
  norm: number;
  /** why there is no direction, naming the query; null when optimal */
  message: string | null;
}

/** The nuclear-norm solution's certificate (upper and lower bounds on ν* = min ‖W‖_*). */
export interface NuclearCertificate {
  /** `certified` when the relative gap reached 1e-9; `max-iterations` otherwise (not an optimum) */
  status: 'certified' | 'max-iterations';
  /** ‖W_kq‖_*, an upper bound on ν* */
  nuclearNorm: number;
  /** a lower bound on ν* from the dual multipliers */
  lowerBound: number;
  /** (nuclearNorm − lowerBound)/nuclearNorm */
  relativeGap: number;
  /** numerical rank of W_kq */
  rank: number;
  iterations: number;
}

/** Output of {@link solveMaxMargin}. */
export interface MaxMarginSolution {
  /** W*_ov, V×d row-major. */
  Wov: Float64Array;
  /** W*_kq, d×d row-major: Wkq[i*d+j], i key side, j query side (score = x_iᵀ Wkq x_q). */
  Wkq: Float64Array;
  d: number;
  method: MaxMarginMethod;
  /** Max over both problems of primal infeasibility, dual infeasibility, complementarity and stationarity. */
  kktResidual: number;
  /** Proposition 2's closed form for Wkq in the same layout; null for a non-orthonormal embedding or a confused token. */
  prop2: Float64Array | null;
  /** ‖prop2 − Wkq‖_F, null when prop2 is. */
  prop2Gap: number | null;
  /** Minimum constraint value of each problem (1 at the optimum; +Infinity when a problem has no constraint). */
  margins: { ov: number; kq: number };
  /**
   * `max-margin`: W_kq is W*_kq (Equation 3); `graph-svm`: the attention constraints have a cycle
   * under some query, so W_kq is the graph-SVM over the SCCs (equal scores inside an SCC, margin 1
   * across; docs/theory/cyclic.md#the-graph-svm)
   */
  reference: 'max-margin' | 'graph-svm';
  /** the norm W_kq minimizes */
  norm: 'frobenius' | 'nuclear';
  /** the graph-SVM's facts (reference `graph-svm` only), else null */
  graphSvm: GraphSvmSummary | null;
  /** the nuclear-norm certificate (norm `nuclear` only), else null; `kktResidual` then covers W*_ov alone */
  nuclear: NuclearCertificate | null;
}

/** Output of {@link solveColumnQP}. */
export interface ColumnQPResult {
  /** The minimiser of ‖w‖² s.t. w[a] − w[b] ≥ 1. */
  w: Float64Array;
  /**
   * One multiplier per input pair, for the objective ½‖w‖² (so w = Σ λ_i (e_a − e_b)).
   * Duplicate pairs share their multiplier equally.
   */
  lambda: Float64Array;
  /** Max of primal infeasibility, dual infeasibility, complementarity and stationarity residuals. */
  kkt: number;
}
