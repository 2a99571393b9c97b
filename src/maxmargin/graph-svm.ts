/**
 * The graph-SVM W_svm of docs/theory/cyclic.md#the-graph-svm: min ‖W‖_F subject to equal scores inside every SCC of every
 * query graph G_q and a margin ≥ 1 on every edge between SCCs. Two exact solvers:
 * - one-hot (or orthonormal) E: one weighted column QP per query, each SCC contracted to one node
 *   of weight |C| (docs/theory/cyclic.md#exact-references-and-certificates), on the package's active-set column solver; on acyclic data this
 *   is today's W*_kq computation, operation for operation;
 * - general E: kernel algebra on the projected Gram G' = G − Cx H⁺ Cxᵀ and an LDP (§7.6.3).
 */
import { NtpError } from '../errors.js';
import { solveColumnFlat } from './columnqp.js';
import { isOrthonormal, mapKq, tokenGram, tokenRows } from './embedding.js';
import { solveLdp } from './ldp.js';
import type { CyclicData } from '../dataset/cyclic-orders.js';
import { cyclicDataArg, optionsArg } from '../api/arguments.js';

/** A cross-SCC edge i → j of G_q with its multiplier and margin. */
export interface SvmEdge {
  query: number;
  above: number;
  below: number;
  /** multiplier of the objective ½‖W‖² */
  lambda: number;
  /** (E_i − E_j)ᵀ W E_q, ≥ 1 */
  margin: number;
}

/** An SCC equality (E_t − E_{c0})ᵀ W E_q = 0 of a spanning tree of the SCC, with its multiplier ν (either sign). */
export interface SvmEquality {
  query: number;
  token: number;
  base: number;
  nu: number;
}

/** Result of {@link graphSvm}. */
export interface GraphSvm {
  /**
   * `optimal`; `no-direction` when no query graph has an edge between two SCCs (W_svm = 0, no
   * growth, docs/theory/cyclic.md#the-graph-svm); `infeasible` when no W meets the constraints (general E only, §7.10.4).
   */
  status: 'optimal' | 'no-direction' | 'infeasible';
  /** Which solver ran. */
  method: 'columnwise' | 'projected-gram';
  /** Coefficients C (|V|×|V|, C[v*V+q]) with W_svm = E C Eᵀ; equal to K for one-hot E. */
  coeff: Float64Array;
  /** Token-space scores K = Eᵀ W_svm E (|V|×|V|, K[v*V+q] is the score of key v under query q). */
  K: Float64Array;
  /** W_svm, d×d row-major (key side i, query side j). Zero unless `optimal`. */
  W: Float64Array;
  /** ‖W_svm‖_F (0 unless optimal). */
  norm: number;
  /**
   * Largest KKT residual: primal infeasibility of margins and equalities, negative λ,
   * complementarity, stationarity W = Σλ_e A_e + Σν_k B_k and |Σλ_e − ‖W‖²|. NaN unless optimal.
   */
  kkt: number;
  edges: SvmEdge[];
  equalities: SvmEquality[];
  /** Why the status is not `optimal`, naming the query and tokens; null when optimal. */
  message: string | null;
}

/** Options of {@link graphSvm}. */
export interface GraphSvmOptions {
  /** 'auto' (default): column-wise for one-hot/orthonormal E, projected Gram otherwise. */
  method?: 'auto' | 'columnwise' | 'projected-gram';
}

const q = (data: CyclicData, t: number) => JSON.stringify(data.vocab[t] ?? String(t));

/** Solves the graph-SVM of a dataset's token-priority graphs exactly. */
export function graphSvm(data: CyclicData, opts: GraphSvmOptions = {}): GraphSvm {
  cyclicDataArg(data, 'graphSvm(data, options): data');
  opts = optionsArg(opts, 'graphSvm(data, options): options');
  const { V, d } = data;
  const Et = data.E === null ? null : tokenRows(data.E, d, V);
  const orthonormal = Et === null || isOrthonormal(Et, d, V, 1e-10);
  const method = opts.method ?? 'auto';
  if (method !== 'auto' && method !== 'columnwise' && method !== 'projected-gram') {
    throw new NtpError('invalid-option', `option method must be auto, columnwise or projected-gram (got ${String(method)})`);
  }
  if (method === 'columnwise' && !orthonormal) throw new NtpError('not-orthonormal', 'the column-wise graph-SVM needs a one-hot or orthonormal embedding');
  const crossCount = data.graphs.reduce((s, g) => s + g.edges.length, 0);
  if (crossCount === 0) {
    const zero = new Float64Array(V * V);
    const where = data.graphs.map((g) => `query ${q(data, g.query)}: {${g.components.flat().map((t) => data.vocab[t]).join(' ')}}`).join('; ');
    return {
      status: 'no-direction',
      method: orthonormal && method !== 'projected-gram' ? 'columnwise' : 'projected-gram',
      coeff: zero,
      K: zero.slice(),
      W: new Float64Array(d * d),
      norm: 0,
      kkt: NaN,
      edges: [],
      equalities: [],
      message: data.graphs.length === 0
        ? 'no sample has a context of two or more tokens, so there is no token-priority graph'
        : `every query graph is one SCC (${where}): W_svm = 0 and there is no divergent direction; the iterates converge to W_fin`,
    };
  }
  if (orthonormal && method !== 'projected-gram') return columnwise(data, Et);
  return projectedGram(data, Et);
}

function columnwise(data: CyclicData, Et: Float64Array | null): GraphSvm {
  const { V, d } = data;
  const coeff = new Float64Array(V * V);
  const edges: SvmEdge[] = [];
  const equalities: SvmEquality[] = [];
  let kkt = 0;
  let sumLambda = 0;
  for (const g of data.graphs) {
    const cross = g.edgeSeq.filter(([i, j]) => g.componentOf.get(i) !== g.componentOf.get(j));
    if (cross.length === 0) continue;
    const cyclic = g.components.some((c) => c.length > 1);
    const rep = (t: number) => g.components[g.componentOf.get(t)!][0];
    const a = Int32Array.from(cross, (e) => rep(e[0]));
    const b = Int32Array.from(cross, (e) => rep(e[1]));
    let weight: Float64Array | undefined;
    if (cyclic) {
      weight = new Float64Array(V).fill(1);
      for (const c of g.components) weight[c[0]] = c.length;
    }
    const sol = solveColumnFlat(V, a, b, `graph-SVM: column of query ${q(data, g.query)}`, weight);
    kkt = Math.max(kkt, sol.kkt);
    for (const c of g.components) {
      const u = sol.w[c[0]];
      for (const t of c) if (u !== 0) coeff[t * V + g.query] = u;
    }
    // Per-token stationarity residuals give the equality multipliers ν on the tree c_s − c_0.
    const resid = new Map<number, number>();
    cross.forEach(([i, j], k) => {
      const l = sol.lambda[k];
      sumLambda += l;
      edges.push({ query: g.query, above: i, below: j, lambda: l, margin: sol.w[rep(i)] - sol.w[rep(j)] });
      resid.set(i, (resid.get(i) ?? 0) + l);
      resid.set(j, (resid.get(j) ?? 0) - l);
    });
    for (const c of g.components) {
      if (c.length < 2) continue;
      let total = 0;
      for (const t of c) {
        const r = coeff[t * V + g.query] - (resid.get(t) ?? 0);
        total += r;
        if (t !== c[0]) equalities.push({ query: g.query, token: t, base: c[0], nu: r });
      }
      kkt = Math.max(kkt, Math.abs(total));
    }
  }
  for (const e of edges) kkt = Math.max(kkt, 1 - e.margin, -e.lambda, Math.abs(e.lambda * (e.margin - 1)));
  let norm2 = 0;
  for (let k = 0; k < V * V; k++) norm2 += coeff[k] * coeff[k];
  kkt = Math.max(kkt, Math.abs(sumLambda - norm2) / Math.max(1, norm2));
  const W = mapKq(coeff, Et, d, V);
  return { status: 'optimal', method: 'columnwise', coeff, K: Et === null ? coeff : coeff.slice(), W: Et === null ? coeff.slice() : W, norm: Math.sqrt(norm2), kkt, edges, equalities, message: null };
}

/** @internal Pivoted Cholesky of an n×n PSD matrix: the pivots whose pivot exceeds relTol·max diag, and L (|P|×|P| lower, row-major). */
export function pivotedCholesky(H: Float64Array, n: number, relTol: number): { P: number[]; L: Float64Array } {
  const A = H.slice();
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, A[i * n + i]);
  const P: number[] = [];
  const used = new Uint8Array(n);
  const cols: Float64Array[] = []; // cols[k][i] = L[i, k] in original indexing
  for (;;) {
    let best = -1;
    let bestV = relTol * maxDiag;
    for (let i = 0; i < n; i++) {
      if (used[i]) continue;
      let v = A[i * n + i];
      for (const c of cols) v -= c[i] * c[i];
      if (v > bestV) {
        bestV = v;
        best = i;
      }
    }
    if (best < 0) break;
    const piv = Math.sqrt(bestV);
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (used[i] || i === best) continue;
      let v = A[i * n + best];
      for (const c of cols) v -= c[i] * c[best];
      col[i] = v / piv;
    }
    col[best] = piv;
    used[best] = 1;
    P.push(best);
    cols.push(col);
  }
  const r = P.length;
  const L = new Float64Array(r * r);
  for (let i = 0; i < r; i++) for (let k = 0; k <= i; k++) L[i * r + k] = cols[k][P[i]];
  return { P, L };
}

function projectedGram(data: CyclicData, Et: Float64Array | null): GraphSvm {
  const { V, d } = data;
  const T = Et === null ? identity(V) : tokenGram(Et, d, V);
  // Constraint and generator matrices (a − b) E_qᵀ as token triples.
  const eq: number[] = [], ei: number[] = [], ej: number[] = [];
  const gq: number[] = [], gp: number[] = [], gn: number[] = [];
  for (const g of data.graphs) {
    for (const [i, j] of g.order) {
      if (g.componentOf.get(i) !== g.componentOf.get(j)) eq.push(g.query), ei.push(i), ej.push(j);
    }
    for (const c of g.components) for (let s = 1; s < c.length; s++) gq.push(g.query), gp.push(c[s]), gn.push(c[0]);
  }
  const m = eq.length;
  const ng = gq.length;
  const ip = (a: number, b: number, qa: number, c: number, e: number, qb: number) =>
    (T[a * V + c] - T[a * V + e] - T[b * V + c] + T[b * V + e]) * T[qa * V + qb];
  const G = new Float64Array(m * m);
  for (let x = 0; x < m; x++) for (let y = 0; y <= x; y++) G[x * m + y] = G[y * m + x] = ip(ei[x], ej[x], eq[x], ei[y], ej[y], eq[y]);
  const H = new Float64Array(ng * ng);
  for (let x = 0; x < ng; x++) for (let y = 0; y <= x; y++) H[x * ng + y] = H[y * ng + x] = ip(gp[x], gn[x], gq[x], gp[y], gn[y], gq[y]);
  const Cx = new Float64Array(m * ng);
  for (let x = 0; x < m; x++) for (let k = 0; k < ng; k++) Cx[x * ng + k] = ip(ei[x], ej[x], eq[x], gp[k], gn[k], gq[k]);
  const { P, L } = pivotedCholesky(H, ng, 1e-12);
  const r = P.length;
  // Z = L⁻¹ Cx_Pᵀ (r×m), G' = G − ZᵀZ.
  const Z = new Float64Array(r * m);
  for (let x = 0; x < m; x++) {
    for (let i = 0; i < r; i++) {
      let v = Cx[x * ng + P[i]];
      for (let k = 0; k < i; k++) v -= L[i * r + k] * Z[k * m + x];
      Z[i * m + x] = v / L[i * r + i];
    }
  }
  const Gp = new Float64Array(m * m);
  for (let x = 0; x < m; x++) {
    for (let y = 0; y <= x; y++) {
      let v = G[x * m + y];
      for (let i = 0; i < r; i++) v -= Z[i * m + x] * Z[i * m + y];
      Gp[x * m + y] = Gp[y * m + x] = v;
    }
  }
  const ldp = solveLdp(m, Gp);
  const zero = new Float64Array(V * V);
  if (ldp.status === 'infeasible') {
    let worst = -1;
    for (let x = 0; x < m; x++) if (Gp[x * m + x] <= 1e-12 * Math.max(G[x * m + x], 1e-300) && worst < 0) worst = x;
    const msg = worst >= 0
      ? `the graph-SVM is infeasible: under query ${q(data, eq[worst])}, the edge ${q(data, ei[worst])} → ${q(data, ej[worst])} lies in the span of the SCC equalities (tokens of one SCC must score equally), so its margin is 0 for every W allowed`
      : `the graph-SVM is infeasible: no W keeps scores equal inside the SCCs and a margin of 1 on all ${m} edges between SCCs`;
    return { status: 'infeasible', method: 'projected-gram', coeff: zero, K: zero.slice(), W: new Float64Array(d * d), norm: 0, kkt: NaN, edges: [], equalities: [], message: msg };
  }
  const lambda = ldp.lambda;
  // β_P = H_PP⁻¹ Cx_Pᵀ λ = L⁻ᵀ (Z λ).
  const y = new Float64Array(r);
  for (let i = 0; i < r; i++) {
    let v = 0;
    for (let x = 0; x < m; x++) v += Z[i * m + x] * lambda[x];
    y[i] = v;
  }
  for (let i = r - 1; i >= 0; i--) {
    let v = y[i];
    for (let k = i + 1; k < r; k++) v -= L[k * r + i] * y[k];
    y[i] = v / L[i * r + i];
  }
  const beta = new Float64Array(ng);
  for (let i = 0; i < r; i++) beta[P[i]] = y[i];
  const coeff = new Float64Array(V * V);
  for (let x = 0; x < m; x++) {
    coeff[ei[x] * V + eq[x]] += lambda[x];
    coeff[ej[x] * V + eq[x]] -= lambda[x];
  }
  for (let k = 0; k < ng; k++) {
    coeff[gp[k] * V + gq[k]] -= beta[k];
    coeff[gn[k] * V + gq[k]] += beta[k];
  }
  // K = T C T.
  const TC = new Float64Array(V * V);
  const K = new Float64Array(V * V);
  matmul(T, coeff, TC, V);
  matmul(TC, T, K, V);
  const W = mapKq(coeff, Et, d, V);
  let norm2 = 0;
  if (Et === null) for (let k = 0; k < V * V; k++) norm2 += coeff[k] * coeff[k];
  else for (let k = 0; k < d * d; k++) norm2 += W[k] * W[k];
  // Residuals measured on W itself: margins from K (⟨(E_i − E_j)E_qᵀ, W⟩ = K[i,q] − K[j,q]).
  let kkt = 0;
  let sumLambda = 0;
  const edges: SvmEdge[] = [];
  for (let x = 0; x < m; x++) {
    const margin = K[ei[x] * V + eq[x]] - K[ej[x] * V + eq[x]];
    edges.push({ query: eq[x], above: ei[x], below: ej[x], lambda: lambda[x], margin });
    sumLambda += lambda[x];
    kkt = Math.max(kkt, 1 - margin, -lambda[x], Math.abs(lambda[x] * (margin - 1)));
  }
  const equalities: SvmEquality[] = [];
  for (let k = 0; k < ng; k++) {
    equalities.push({ query: gq[k], token: gp[k], base: gn[k], nu: -beta[k] });
    kkt = Math.max(kkt, Math.abs(K[gp[k] * V + gq[k]] - K[gn[k] * V + gq[k]]));
  }
  kkt = Math.max(kkt, Math.abs(sumLambda - norm2) / Math.max(1, norm2));
  return { status: 'optimal', method: 'projected-gram', coeff, K, W, norm: Math.sqrt(norm2), kkt, edges, equalities, message: null };
}

function identity(V: number): Float64Array {
  const I = new Float64Array(V * V);
  for (let v = 0; v < V; v++) I[v * V + v] = 1;
  return I;
}

/** C = A B for n×n row-major matrices. */
function matmul(A: Float64Array, B: Float64Array, C: Float64Array, n: number): void {
  C.fill(0);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const a = A[i * n + k];
      if (a === 0) continue;
      for (let j = 0; j < n; j++) C[i * n + j] += a * B[k * n + j];
    }
  }
}
