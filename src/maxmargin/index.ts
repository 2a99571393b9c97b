import { NtpError } from '../errors.js';
import { solveColumnFlat } from './columnqp.js';
import { isOrthonormal, mapKq, mapOv, tokenGram, tokenRows } from './embedding.js';
import { prop2TokenSpace } from './prop2.js';
import { solveKqSvm, solveOvSvm } from './svm.js';
import type { MaxMarginMethod, MaxMarginProblem, MaxMarginSolution, SolveMaxMarginOptions } from './types.js';
import type { CyclicData } from '../dataset/cyclic-orders.js';
import { constraintGraphs, graphsHaveCycle } from './graph-problem.js';
import { graphSvm } from './graph-svm.js';
import { marginConstraints, minMargin, solveNuclearSvm, withEqualities, type MarginConstraints } from './nuclear.js';
import { maxMarginProblemArg, optionsArg } from '../api/arguments.js';

export { solveColumnQP } from './columnqp.js';
export { solveHardMarginDual } from './nnls.js';
export type { HardMarginDualResult } from './nnls.js';
export { prop2TokenSpace } from './prop2.js';
export { isOrthonormal, tokenRows } from './embedding.js';
export type {
  ColumnQPResult,
  MaxMarginMethod,
  MaxMarginProblem,
  MaxMarginSolution,
  SolveMaxMarginOptions,
} from './types.js';

/** Flat constraint lists: kq triples (q, o, j) and ov triples (x, n, v). */
interface Constraints {
  cq: Int32Array;
  co: Int32Array;
  cj: Int32Array;
  /** Distinct collocation pairs (x, n(x)). */
  colX: Int32Array;
  colN: Int32Array;
}

function checkToken(t: unknown, V: number, where: string): asserts t is number {
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t >= V) {
    throw new NtpError('invalid-problem', `${where}: token ${String(t)} is not an integer in [0, ${V})`);
  }
}

function collect(problem: MaxMarginProblem): Constraints {
  const { V } = problem;
  const seen = new Set<number>();
  const xs: number[] = [];
  const ns: number[] = [];
  problem.collocation.forEach((p, i) => {
    checkToken(p[0], V, `collocation[${i}]`);
    checkToken(p[1], V, `collocation[${i}]`);
    const key = p[0] * V + p[1];
    if (!seen.has(key)) {
      seen.add(key);
      xs.push(p[0]);
      ns.push(p[1]);
    }
  });
  const q: number[] = [];
  const o: number[] = [];
  const j: number[] = [];
  const triples = new Set<number>();
  problem.attention.forEach((c, i) => {
    checkToken(c.query, V, `attention[${i}].query`);
    checkToken(c.optimal, V, `attention[${i}].optimal`);
    for (const t of c.nonOptimal) {
      checkToken(t, V, `attention[${i}].nonOptimal`);
      if (t === c.optimal) {
        throw new NtpError('infeasible', `kq: attention[${i}] lists its optimal token ${t} as non-optimal`);
      }
      const key = (c.query * V + c.optimal) * V + t;
      if (triples.has(key)) continue;
      triples.add(key);
      q.push(c.query);
      o.push(c.optimal);
      j.push(t);
    }
  });
  return {
    cq: Int32Array.from(q),
    co: Int32Array.from(o),
    cj: Int32Array.from(j),
    colX: Int32Array.from(xs),
    colN: Int32Array.from(ns),
  };
}

/**
 * Constraints a degenerate embedding makes impossible, named by token: two collocation tokens
 * with one embedding but different next tokens (W E_x cannot rank both first), a zero query or
 * collocation row, an optimal and a non-optimal token with one embedding. Without this the solver
 * only reports an unbounded dual.
 */
function checkDegenerate(Et: Float64Array, d: number, c: Constraints, vocab: readonly string[] | undefined): void {
  const name = (t: number) => (vocab && vocab[t] !== undefined ? JSON.stringify(vocab[t]) : `token ${t}`);
  const same = (a: number, b: number) => {
    for (let i = 0; i < d; i++) if (Et[a * d + i] !== Et[b * d + i]) return false;
    return true;
  };
  const zero = (a: number) => {
    for (let i = 0; i < d; i++) if (Et[a * d + i] !== 0) return false;
    return true;
  };
  const fail = (m: string): never => {
    throw new NtpError('degenerate-embedding', `${m}: the embedding is degenerate, so no W satisfies the margin constraints`);
  };
  const rows = new Map<string, number>();
  for (let k = 0; k < c.colX.length; k++) {
    const x = c.colX[k];
    if (zero(x)) fail(`ov: ${name(x)} has an all-zero embedding but a next token ${name(c.colN[k])}`);
    const key = Array.from(Et.subarray(x * d, x * d + d)).join(',');
    const prev = rows.get(key);
    if (prev !== undefined && c.colN[prev] !== c.colN[k]) {
      fail(`ov: ${name(c.colX[prev])} and ${name(x)} have the same embedding but different next tokens (${name(c.colN[prev])} and ${name(c.colN[k])})`);
    }
    rows.set(key, k);
  }
  for (let k = 0; k < c.cq.length; k++) {
    if (zero(c.cq[k])) fail(`kq: query ${name(c.cq[k])} has an all-zero embedding`);
    if (same(c.co[k], c.cj[k])) fail(`kq: under query ${name(c.cq[k])}, the optimal ${name(c.co[k])} and the non-optimal ${name(c.cj[k])} have the same embedding`);
  }
}

interface TokenSolution {
  coeff: Float64Array;
  kkt: number;
  margin: number;
}

/**
 * W*_ov in token space, column by column. Every column with a single target n is the same star QP
 * (n above all V−1 others) up to relabelling, so it is solved once and permuted.
 */
function ovColumnwise(V: number, c: Constraints): TokenSolution {
  const M = new Float64Array(V * V);
  const targets: number[][] = Array.from({ length: V }, () => []);
  for (let k = 0; k < c.colX.length; k++) targets[c.colX[k]].push(c.colN[k]);
  let kkt = 0;
  let margin = Infinity;
  let star: Float64Array | null = null;
  for (let x = 0; x < V; x++) {
    const ns = targets[x];
    if (ns.length === 0) continue;
    if (ns.length === 1) {
      if (star === null) {
        const a = new Int32Array(V - 1);
        const b = new Int32Array(V - 1);
        for (let v = 1; v < V; v++) b[v - 1] = v;
        const sol = solveColumnFlat(V, a, b, 'ov: collocation column');
        star = sol.w;
        kkt = Math.max(kkt, sol.kkt);
        for (let v = 1; v < V; v++) margin = Math.min(margin, star[0] - star[v]);
      }
      const n = ns[0];
      // Transposition 0 ↔ n maps the centre-0 star onto this column's star.
      for (let v = 0; v < V; v++) {
        const src = v === n ? 0 : v === 0 ? n : v;
        M[v * V + x] = star[src];
      }
    } else {
      const a: number[] = [];
      const b: number[] = [];
      for (const n of ns) {
        for (let v = 0; v < V; v++) {
          if (v !== n) {
            a.push(n);
            b.push(v);
          }
        }
      }
      const sol = solveColumnFlat(V, Int32Array.from(a), Int32Array.from(b), `ov: column of token ${x}`);
      kkt = Math.max(kkt, sol.kkt);
      for (let v = 0; v < V; v++) M[v * V + x] = sol.w[v];
      for (let k = 0; k < a.length; k++) margin = Math.min(margin, sol.w[a[k]] - sol.w[b[k]]);
    }
  }
  return { coeff: M, kkt, margin };
}

/** W*_kq in token space, one QP per query column. */
function kqColumnwise(V: number, c: Constraints): TokenSolution {
  const K = new Float64Array(V * V);
  const m = c.cq.length;
  // Counting sort of the constraints by query.
  const start = new Int32Array(V + 1);
  for (let i = 0; i < m; i++) start[c.cq[i] + 1]++;
  for (let q = 0; q < V; q++) start[q + 1] += start[q];
  const fill = start.slice(0, V);
  const a = new Int32Array(m);
  const b = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const p = fill[c.cq[i]]++;
    a[p] = c.co[i];
    b[p] = c.cj[i];
  }
  let kkt = 0;
  let margin = Infinity;
  for (let q = 0; q < V; q++) {
    if (start[q + 1] === start[q]) continue;
    const pa = a.subarray(start[q], start[q + 1]);
    const pb = b.subarray(start[q], start[q + 1]);
    const sol = solveColumnFlat(V, pa, pb, `kq: column of query ${q}`);
    kkt = Math.max(kkt, sol.kkt);
    const w = sol.w;
    for (let v = 0; v < V; v++) if (w[v] !== 0) K[v * V + q] = w[v];
    for (let k = 0; k < pa.length; k++) margin = Math.min(margin, w[pa[k]] - w[pb[k]]);
  }
  return { coeff: K, kkt, margin };
}

/** Min margin and KKT residual of the SVM-dual kq solution, measured on the returned d×d W. */
function kqCheck(W: Float64Array, Et: Float64Array | null, d: number, V: number, c: Constraints, lambda: Float64Array) {
  const m = c.cq.length;
  const cache = new Map<number, Float64Array>();
  // y_q = W E_q, so each constraint is (E_o − E_j)·y_q.
  const yOf = (q: number): Float64Array => {
    let y = cache.get(q);
    if (y) return y;
    y = new Float64Array(d);
    if (Et === null) {
      for (let i = 0; i < d; i++) y[i] = W[i * d + q];
    } else {
      const oq = q * d;
      for (let i = 0; i < d; i++) {
        let s = 0;
        const row = i * d;
        for (let j = 0; j < d; j++) s += W[row + j] * Et[oq + j];
        y[i] = s;
      }
    }
    cache.set(q, y);
    return y;
  };
  let margin = Infinity;
  let kkt = 0;
  for (let k = 0; k < m; k++) {
    const y = yOf(c.cq[k]);
    let g: number;
    if (Et === null) g = y[c.co[k]] - y[c.cj[k]];
    else {
      g = 0;
      const oo = c.co[k] * d;
      const oj = c.cj[k] * d;
      for (let i = 0; i < d; i++) g += (Et[oo + i] - Et[oj + i]) * y[i];
    }
    margin = Math.min(margin, g);
    kkt = Math.max(kkt, 1 - g, -lambda[k], Math.abs(lambda[k] * (g - 1)));
  }
  return { margin, kkt };
}

/** Min margin and KKT residual of the SVM-dual ov solution, measured on the returned V×d W. */
function ovCheck(
  W: Float64Array,
  Et: Float64Array | null,
  d: number,
  V: number,
  cx: Int32Array,
  cn: Int32Array,
  cv: Int32Array,
  lambda: Float64Array,
) {
  const cache = new Map<number, Float64Array>();
  // y_x = W E_x, so each constraint is y_x[n] − y_x[v].
  const yOf = (x: number): Float64Array => {
    let y = cache.get(x);
    if (y) return y;
    y = new Float64Array(V);
    const ox = x * d;
    for (let v = 0; v < V; v++) {
      if (Et === null) y[v] = W[v * d + x];
      else {
        let s = 0;
        const row = v * d;
        for (let i = 0; i < d; i++) s += W[row + i] * Et[ox + i];
        y[v] = s;
      }
    }
    cache.set(x, y);
    return y;
  };
  let margin = Infinity;
  let kkt = 0;
  for (let k = 0; k < cx.length; k++) {
    const y = yOf(cx[k]);
    const g = y[cn[k]] - y[cv[k]];
    margin = Math.min(margin, g);
    kkt = Math.max(kkt, 1 - g, -lambda[k], Math.abs(lambda[k] * (g - 1)));
  }
  return { margin, kkt };
}

/**
 * Solves the max-margin problems of docs/theory/core.md#max-margin-directions exactly:
 * W*_ov = argmin ‖W‖_F s.t. (e_{n(x)} − e_v)ᵀ W E_x ≥ 1 for every collocation x and v ≠ n(x), and
 * W*_kq = argmin ‖W‖_F s.t. (E_o − E_j)ᵀ W E_q ≥ 1 for every attention constraint (q, o, j).
 *
 * One-hot or orthonormal embeddings use one exact QP per column in token space, mapped back by
 * W_kq = E K Eᵀ and W_ov = M Eᵀ; other embeddings solve each problem as a hard-margin SVM dual.
 * Also reports Proposition 2's closed form and its Frobenius distance from W*_kq.
 *
 * Cost: the column-wise path is a few hundred ms at |V| = 1024 with thousands of constraints. The
 * SVM path is a dense active set, roughly O(m·k + k³) for k support vectors (≈2 s at m ≈ 2500).
 *
 * Cyclic orders: when the attention constraints have a cycle under some query (a > b and b > a),
 * W*_kq does not exist; W_kq is then the graph-SVM over the SCCs of each query's graph (equal scores
 * inside an SCC, margin 1 across; docs/theory/cyclic.md#the-graph-svm), with `reference: 'graph-svm'`.
 * On acyclic constraints the graph-SVM is W*_kq, so nothing changes there.
 *
 * `norm: 'nuclear'` minimizes ‖W_kq‖_* instead (the nuclear-norm SVM of factorized attention,
 * docs/theory/factorized.md#certified-nuclear-norm-solver), over the same constraints (the graph-SVM's on cyclic orders), and
 * reports its certificate in `nuclear`.
 *
 * @throws NtpError 'invalid-problem' (bad shapes or token ids), 'infeasible' (message starts with
 *   "ov" or "kq"), 'not-orthonormal' (column-wise forced on a general E), 'too-large' (SVM limit),
 *   'invalid-option' (an unknown norm).
 */
export function solveMaxMargin(problem: MaxMarginProblem, opts: SolveMaxMarginOptions = {}): MaxMarginSolution {
  maxMarginProblemArg(problem, 'solveMaxMargin(problem, options): problem');
  opts = optionsArg(opts, 'solveMaxMargin(problem, options): options');
  const norm = opts.norm ?? 'frobenius';
  if (norm !== 'frobenius' && norm !== 'nuclear') throw new NtpError('invalid-option', `option norm must be frobenius or nuclear (got ${JSON.stringify(norm)})`);
  const { V } = problem;
  if (!Number.isInteger(V) || V < 1) throw new NtpError('invalid-problem', `V = ${V} is not a positive integer`);
  if (problem.embedding) checkEmbeddingScale(problem.embedding.E);
  const c = collect(problem); // checks every token id before the graphs are built from them
  const E = problem.embedding?.E ?? null;
  const d = problem.embedding?.d ?? V;
  const graphs = constraintGraphs(problem, E, d);
  const cyclic = graphsHaveCycle(graphs);
  const sol = checkSolution(cyclic ? solveGraphSvm(problem, graphs, opts) : solveFrobenius(problem, opts));
  if (norm === 'frobenius') return sol;
  const Et = E === null ? null : tokenRows(E, d, V);
  const ov = solveFrobenius({ ...problem, attention: [] }, opts);
  return withNuclear(sol, ov.kktResidual, cyclic ? nuclearGraphConstraints(graphs, sol, Et, d) : nuclearConstraints(c, Et, d));
}

/**
 * Cyclic orders: W*_ov as usual, and the graph-SVM W_svm for W_kq (W*_kq's constraints conflict).
 * @throws NtpError 'infeasible' when the graph-SVM is (a general E can put a cross-SCC edge in the span of the equalities).
 */
function solveGraphSvm(problem: MaxMarginProblem, graphs: CyclicData, opts: SolveMaxMarginOptions): MaxMarginSolution {
  const ov = solveFrobenius({ ...problem, attention: [] }, opts);
  const svm = graphSvm(graphs);
  if (svm.status === 'infeasible') throw new NtpError('infeasible', `kq: ${svm.message}`);
  const kq = svm.edges.reduce((m, e) => Math.min(m, e.margin), Infinity);
  return {
    ...ov,
    Wkq: svm.W,
    kktResidual: svm.status === 'optimal' ? Math.max(ov.kktResidual, svm.kkt) : ov.kktResidual,
    prop2: null,
    prop2Gap: null,
    margins: { ov: ov.margins.ov, kq },
    reference: 'graph-svm',
    graphSvm: { status: svm.status, method: svm.method, norm: svm.norm, message: svm.message },
  };
}

/** The margin constraints (E_o − E_j)ᵀ W E_q ≥ 1 of W*_kq in R^{d×d}. */
function nuclearConstraints(c: Constraints, Et: Float64Array | null, d: number): MarginConstraints | null {
  if (c.cq.length === 0) return null;
  const keys: Float64Array[] = [];
  const queries: Float64Array[] = [];
  for (let k = 0; k < c.cq.length; k++) {
    keys.push(diffRow(Et, d, c.co[k], c.cj[k]));
    queries.push(row(Et, d, c.cq[k]));
  }
  return marginConstraints(d, d, keys, queries);
}

/** The graph-SVM's constraints in R^{d×d}: margin 1 on its cross-SCC edges, equal scores inside each SCC. */
function nuclearGraphConstraints(graphs: CyclicData, sol: MaxMarginSolution, Et: Float64Array | null, d: number): MarginConstraints | null {
  if (sol.graphSvm?.status !== 'optimal') return null;
  const svm = graphSvm(graphs);
  const ineq = marginConstraints(d, d, svm.edges.map((e) => diffRow(Et, d, e.above, e.below)), svm.edges.map((e) => row(Et, d, e.query)));
  return withEqualities(ineq, svm.equalities.map((q) => diffRow(Et, d, q.token, q.base)), svm.equalities.map((q) => row(Et, d, q.query)));
}

/** E_t as a row of length d (e_t for one-hot). */
function row(Et: Float64Array | null, d: number, t: number): Float64Array {
  if (Et !== null) return Et.slice(t * d, t * d + d);
  const r = new Float64Array(d);
  r[t] = 1;
  return r;
}

function diffRow(Et: Float64Array | null, d: number, a: number, b: number): Float64Array {
  const x = row(Et, d, a);
  const y = row(Et, d, b);
  for (let i = 0; i < d; i++) x[i] -= y[i];
  return x;
}

/**
 * W_kq replaced by the nuclear-norm SVM's solution, with its certificate; no constraint (no
 * direction) leaves W_kq = 0 with a zero norm, certified exactly. Proposition 2 is the Frobenius
 * problem's closed form, so it is dropped.
 */
function withNuclear(sol: MaxMarginSolution, ovKkt: number, c: MarginConstraints | null): MaxMarginSolution {
  const base = { ...sol, norm: 'nuclear' as const, prop2: null, prop2Gap: null, kktResidual: ovKkt };
  if (c === null) return { ...base, Wkq: new Float64Array(sol.d * sol.d), margins: { ov: sol.margins.ov, kq: Infinity }, nuclear: { status: 'certified', nuclearNorm: 0, lowerBound: 0, relativeGap: 0, rank: 0, iterations: 0 } };
  const n = solveNuclearSvm(c);
  return {
    ...base,
    Wkq: n.W,
    margins: { ov: sol.margins.ov, kq: minMargin(c, n.W) },
    nuclear: { status: n.status, nuclearNorm: n.nuclearNorm, lowerBound: n.lowerBound, relativeGap: n.relativeGap, rank: n.rank, iterations: n.iterations },
  };
}

/** 2^-1022: below it a float64 is subnormal and keeps fewer than 52 bits. */
const MIN_NORMAL = 2 ** -1022;
/** W*_kq scales as 1/s² and its Gram entries as s⁴: past these token scales they leave float64's range. */
const MIN_SCALE = 1e-75;
const MAX_SCALE = 1e75;

/**
 * Refuses an embedding whose scale makes the max-margin problem unrepresentable in float64
 * (docs/theory/core.md#max-margin-directions): a subnormal entry has lost its precision, and a largest entry
 * outside [1e-75, 1e75] puts W*_kq = W'/s² or the constraints' Gram matrix (∝ s⁴) past
 * float64's range, where a solver returns zeros or infinities that no certificate can vouch for.
 */
export function checkEmbeddingScale(E: ArrayLike<number>): void {
  let m = 0;
  for (let k = 0; k < E.length; k++) {
    const a = Math.abs(E[k]);
    if (a !== 0 && a < MIN_NORMAL) {
      throw new NtpError('embedding-scale', `the embedding's entry ${k} is ${E[k]}, a subnormal float64 that keeps fewer than 52 bits: the max-margin problem of this embedding cannot be represented; rescale the embedding`);
    }
    if (a > m) m = a;
  }
  if (m > 0 && (m < MIN_SCALE || m > MAX_SCALE)) {
    throw new NtpError('embedding-scale', `the embedding's largest entry is ${m.toExponential(3)}, outside [${MIN_SCALE}, ${MAX_SCALE}]: W*_kq scales as 1/scale² and its constraints' Gram matrix as scale⁴, past float64's range; rescale the embedding`);
  }
}

/** A certificate is printed only when it was computed from finite numbers: anything else is refused. */
function checkSolution(sol: MaxMarginSolution): MaxMarginSolution {
  const bad = (what: string, values: ArrayLike<number> | null): void => {
    if (!values) return;
    for (let k = 0; k < values.length; k++) {
      if (!Number.isFinite(values[k])) throw new NtpError('embedding-scale', `the max-margin solution's ${what} entry ${k} is ${values[k]}: not representable in float64 for this embedding; rescale the embedding`);
    }
  };
  bad('W*_ov', sol.Wov);
  bad('W*_kq', sol.Wkq);
  if (!Number.isFinite(sol.kktResidual)) throw new NtpError('numerical', `the max-margin solution's KKT residual is ${sol.kktResidual}: no certificate was computed`);
  return sol;
}

function solveFrobenius(problem: MaxMarginProblem, opts: SolveMaxMarginOptions): MaxMarginSolution {
  const scale = problem.embedding ? embeddingScale(problem.embedding.E, problem.V) : 1;
  if (scale === 1 || !(scale > 0) || !Number.isFinite(scale)) return solveScaled(problem, opts);
  // E = s·E' rescales the solutions exactly (W*_ov = W'_ov / s, W*_kq = W'_kq / s²) and leaves the
  // constraint values, margins and KKT residuals unchanged, so the solvers' tolerances, tuned for
  // unit-norm tokens, see unit-norm tokens whatever the data's scale (c = 1e-3 … 1e10).
  const E = Float64Array.from(problem.embedding!.E, (x) => x / scale);
  const sol = solveScaled({ ...problem, embedding: { d: problem.embedding!.d, E } }, opts);
  const s2 = scale * scale;
  return {
    ...sol,
    Wov: sol.Wov.map((x) => x / scale),
    Wkq: sol.Wkq.map((x) => x / s2),
    prop2: sol.prop2 ? sol.prop2.map((x) => x / s2) : null,
    prop2Gap: sol.prop2Gap === null ? null : sol.prop2Gap / s2,
  };
}

/**
 * The root-mean-square token norm of E (d×V), computed scaled by max|E| so it neither overflows
 * nor underflows; 1 when it is within 1e-12 of 1 (orthonormal embeddings are left untouched).
 */
function embeddingScale(E: Float64Array, V: number): number {
  let m = 0;
  for (let k = 0; k < E.length; k++) m = Math.max(m, Math.abs(E[k]));
  if (m === 0 || !Number.isFinite(m)) return 1;
  let ss = 0;
  for (let k = 0; k < E.length; k++) ss += (E[k] / m) ** 2;
  const s = m * Math.sqrt(ss / V);
  return Math.abs(s - 1) < 1e-12 ? 1 : s;
}

function solveScaled(problem: MaxMarginProblem, opts: SolveMaxMarginOptions): MaxMarginSolution {
  const { V } = problem;
  if (!Number.isInteger(V) || V < 1) throw new NtpError('invalid-problem', `V = ${V} is not a positive integer`);
  const emb = problem.embedding;
  let d = V;
  let Et: Float64Array | null = null;
  if (emb !== null) {
    d = emb.d;
    if (!Number.isInteger(d) || d < 1) throw new NtpError('invalid-problem', `embedding d = ${d} is not a positive integer`);
    if (emb.E.length !== d * V) {
      throw new NtpError('invalid-problem', `embedding has ${emb.E.length} entries, expected d×V = ${d * V}`);
    }
    for (let k = 0; k < emb.E.length; k++) {
      if (!Number.isFinite(emb.E[k])) throw new NtpError('invalid-problem', `embedding entry ${k} is not finite`);
    }
    Et = tokenRows(emb.E, d, V);
  }
  const orthonormal = Et === null || isOrthonormal(Et, d, V, opts.orthonormalTol ?? 1e-10);
  const requested = opts.method ?? 'auto';
  const method: MaxMarginMethod =
    requested === 'auto' ? (orthonormal ? 'columnwise-qp' : 'svm-dual') : requested;
  if (method !== 'columnwise-qp' && method !== 'svm-dual') {
    throw new NtpError('invalid-problem', `unknown method ${String(requested)}`);
  }
  if (method === 'columnwise-qp' && !orthonormal) {
    throw new NtpError('not-orthonormal', 'the column-wise QP needs a one-hot or orthonormal embedding (EᵀE = I)');
  }
  const c = collect(problem);
  if (Et !== null) checkDegenerate(Et, d, c, problem.vocab);

  let Wov: Float64Array;
  let Wkq: Float64Array;
  let kkt: number;
  let margins: { ov: number; kq: number };
  if (method === 'columnwise-qp') {
    const ov = ovColumnwise(V, c);
    const kq = kqColumnwise(V, c);
    Wov = mapOv(ov.coeff, Et, d, V);
    Wkq = mapKq(kq.coeff, Et, d, V);
    kkt = Math.max(ov.kkt, kq.kkt);
    margins = { ov: ov.margin, kq: kq.margin };
  } else {
    const limit = opts.maxSvmConstraints ?? 5000;
    const T = Et === null ? null : tokenGram(Et, d, V);
    const nCol = c.colX.length;
    if (nCol * (V - 1) > limit) {
      throw new NtpError(
        'too-large',
        `ov: ${nCol * (V - 1)} constraints exceed the SVM-dual limit of ${limit} (raise opts.maxSvmConstraints)`,
      );
    }
    const cx = new Int32Array(nCol * (V - 1));
    const cn = new Int32Array(cx.length);
    const cv = new Int32Array(cx.length);
    let k = 0;
    for (let p = 0; p < nCol; p++) {
      for (let v = 0; v < V; v++) {
        if (v === c.colN[p]) continue;
        cx[k] = c.colX[p];
        cn[k] = c.colN[p];
        cv[k] = v;
        k++;
      }
    }
    const ovRes = solveOvSvm(V, T, cx, cn, cv, limit);
    const kqRes = solveKqSvm(V, Et, d, T, c.cq, c.co, c.cj, limit);
    Wov = mapOv(ovRes.coeff, Et, d, V);
    Wkq = mapKq(kqRes.coeff, Et, d, V);
    const ovc = ovCheck(Wov, Et, d, V, cx, cn, cv, ovRes.lambda);
    const kqc = kqCheck(Wkq, Et, d, V, c, kqRes.lambda);
    // Stationarity holds by construction: W is assembled as Σ λ_i a_i b_iᵀ.
    kkt = Math.max(ovc.kkt, kqc.kkt);
    margins = { ov: ovc.margin, kq: kqc.margin };
  }

  let prop2: Float64Array | null = null;
  let prop2Gap: number | null = null;
  if (orthonormal) {
    const P = prop2TokenSpace(V, problem.attention);
    if (P !== null) {
      prop2 = mapKq(P, Et, d, V);
      let s = 0;
      for (let k = 0; k < prop2.length; k++) {
        const diff = prop2[k] - Wkq[k];
        s += diff * diff;
      }
      prop2Gap = Math.sqrt(s);
    }
  }
  return { Wov, Wkq, d, method, kktResidual: kkt, prop2, prop2Gap, margins, reference: 'max-margin', norm: 'frobenius', graphSvm: null, nuclear: null };
}
