/**
 * Metrics A1–A10 of docs/theory/cyclic.md#metrics at one iterate W, against the exact references W_svm and W_fin.
 * Direction metrics are `null` (undefined) when W_svm is not available (no direction,
 * infeasible), never NaN; the finite-part metrics (A2, A3, A6, A9) are `null` when no finite
 * W_fin exists (frozen-M head, `unbounded`).
 */
import { NtpError } from '../../errors.js';
import type { CyclicData } from '../../dataset/cyclic-orders.js';
import type { FinitePart } from './finite.js';
import type { GraphSvm } from '../../maxmargin/graph-svm.js';
import { pivotedCholesky } from '../../maxmargin/graph-svm.js';
import { cyclicDataArg, objectArg, arrayArg } from '../../api/arguments.js';

/** The metrics of one record. */
export interface CyclicMetrics {
  /** A1 cos(W, W_svm) */
  cosSvm: number | null;
  /** A2 cos(W, W_fin + R·Ŵ_svm), R in closed form per iterate */
  cosDecomposition: number | null;
  /** A3 ‖Π_{S_fin}W − W_fin‖_F */
  finiteGap: number | null;
  /** A4 cos(W_svm, W − Π_{S_fin}W) */
  cosProjected: number | null;
  /** A5 attention mass on the target's SCC: mean and min over samples */
  topSccMean: number;
  topSccMin: number;
  /** A6 max over reduced samples of the TV distance between attention within the SCC and softmax of W_fin's scores */
  withinSccTv: number | null;
  /** A7 loss − L_red(W_fin) */
  lossGap: number;
  /** A8 ‖W‖_F and R(t) = ⟨W − W_fin, Ŵ_svm⟩ */
  norm: number;
  R: number | null;
  /** A9 ‖W − R·Ŵ_svm − W_fin‖_F */
  residual: number | null;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const nrm = (a: ArrayLike<number>) => Math.sqrt(dot(a, a));
const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  const na = nrm(a);
  const nb = nrm(b);
  return na === 0 || nb === 0 ? null : dot(a, b) / (na * nb);
};

/** Computes A1–A9 at W (d×d) with token scores K = EᵀWE (K[v·V + q]) and the head's loss there. */
export function cyclicMetrics(data: CyclicData, svm: GraphSvm, fin: FinitePart, W: Float64Array, K: Float64Array, loss: number): CyclicMetrics {
  cyclicDataArg(data, 'cyclicMetrics(data, svm, fin, W, K, loss): data');
  objectArg(svm, 'cyclicMetrics(data, svm, fin, W, K, loss): svm');
  objectArg(fin, 'cyclicMetrics(data, svm, fin, W, K, loss): fin');
  arrayArg(W, 'cyclicMetrics(data, svm, fin, W, K, loss): W');
  arrayArg(K, 'cyclicMetrics(data, svm, fin, W, K, loss): K');
  const V = data.V;
  const dd = W.length;
  const space = fin.space;
  const theta = space.project(K);
  const diff = theta.map((t, k) => t - fin.theta[k]);
  const r = space.dim;
  let gap2 = 0;
  for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) gap2 += diff[a] * space.H[a * r + b] * diff[b];
  const PW = space.matrix(space.coeff(theta));
  const perp = new Float64Array(dd);
  for (let i = 0; i < dd; i++) perp[i] = W[i] - PW[i];
  const has = svm.status === 'optimal' && svm.norm > 0;
  const finite = fin.status === 'optimal';
  let R: number | null = null;
  let cosDecomposition: number | null = null;
  let residual: number | null = null;
  if (has && finite) {
    const inv = 1 / svm.norm;
    let rr = 0;
    for (let i = 0; i < dd; i++) rr += (W[i] - fin.W[i]) * svm.W[i] * inv;
    R = rr;
    const model = new Float64Array(dd);
    const res = new Float64Array(dd);
    for (let i = 0; i < dd; i++) {
      model[i] = fin.W[i] + rr * svm.W[i] * inv;
      res[i] = W[i] - model[i];
    }
    cosDecomposition = cosine(W, model);
    residual = nrm(res);
  }
  // Attention metrics from the scores.
  let mean = 0;
  let min = Infinity;
  let total = 0;
  data.contexts.forEach((ctx, n) => {
    const q = ctx[ctx.length - 1];
    const g = data.graphs[data.graphOf[q]];
    const C = g.componentOf.get(data.targets[n]);
    let m = -Infinity;
    for (const t of ctx) m = Math.max(m, K[t * V + q]);
    let zIn = 0;
    let zOut = 0;
    for (const t of ctx) {
      const e = Math.exp(K[t * V + q] - m);
      if (g.componentOf.get(t) === C) zIn += e;
      else zOut += e;
    }
    const mass = zIn / (zIn + zOut);
    mean += data.weights[n] * mass;
    total += data.weights[n];
    min = Math.min(min, mass);
  });
  let tv = 0;
  for (const rs of fin.reduced) {
    const a = rs.tokens.map((t, i) => rs.mult[i] * Math.exp(K[t * V + rs.query]));
    const b = rs.tokens.map((t, i) => rs.mult[i] * Math.exp(fin.K[t * V + rs.query]));
    const sa = a.reduce((x, y) => x + y, 0);
    const sb = b.reduce((x, y) => x + y, 0);
    let d = 0;
    for (let i = 0; i < a.length; i++) d += Math.abs(a[i] / sa - b[i] / sb);
    tv = Math.max(tv, d / 2);
  }
  return {
    cosSvm: has ? cosine(W, svm.W) : null,
    cosDecomposition,
    finiteGap: finite ? Math.sqrt(Math.max(0, gap2)) : null,
    cosProjected: has ? cosine(svm.W, perp) : null,
    topSccMean: mean / total,
    topSccMin: min,
    withinSccTv: finite ? tv : null,
    lossGap: loss - fin.loss,
    norm: nrm(W),
    R: has && !finite ? rOf(W, svm) : R,
    residual,
  };
}

/** R = ⟨W − W_fin, Ŵ_svm⟩; with no finite W_fin, ⟨W, Ŵ_svm⟩ (W_fin ⟂ W_svm wherever it exists). */
function rOf(W: Float64Array, svm: GraphSvm): number {
  let r = 0;
  for (let i = 0; i < W.length; i++) r += W[i] * svm.W[i];
  return r / svm.norm;
}

/**
 * A10: ‖Π_⊥W_0‖_F, the part of W_0 orthogonal to every gradient, i.e. to
 * span{(E_i − E_j)E_qᵀ : i, j in a context with query q}; GD never changes it (docs/theory/cyclic.md#metrics).
 */
export function frozenComponent(data: CyclicData, W0: Float64Array): number {
  cyclicDataArg(data, 'frozenComponent(data, W0): data');
  arrayArg(W0, 'frozenComponent(data, W0): W0');
  const V = data.V;
  const d = data.d;
  if (W0.length !== d * d) throw new NtpError('invalid-option', `W0 has ${W0.length} entries, expected d×d = ${d * d}`);
  const E = data.E;
  const col = (v: number, i: number) => (E === null ? (v === i ? 1 : 0) : E[i * V + v]);
  // Generators (E_t − E_{t0}) E_qᵀ for every context token t ≠ t0 (t0 its first token).
  const gens = new Map<string, [number, number, number]>();
  for (const ctx of data.contexts) {
    const q = ctx[ctx.length - 1];
    for (const t of ctx) if (t !== ctx[0]) gens.set(`${q},${ctx[0]},${t}`, [q, t, ctx[0]]);
  }
  const list = [...gens.values()];
  const m = list.length;
  const mats = list.map(([q, a, b]) => {
    const M = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      const x = col(a, i) - col(b, i);
      if (x !== 0) for (let j = 0; j < d; j++) M[i * d + j] = x * col(q, j);
    }
    return M;
  });
  const G = new Float64Array(m * m);
  for (let x = 0; x < m; x++) for (let y = 0; y <= x; y++) G[x * m + y] = G[y * m + x] = dot(mats[x], mats[y]);
  const { P, L } = pivotedCholesky(G, m, 1e-12);
  const rk = P.length;
  // ‖Π W0‖² = cᵀ G_PP⁻¹ c with c_k = ⟨B_k, W0⟩: forward substitution gives ‖L⁻¹c‖².
  const y = new Float64Array(rk);
  let proj2 = 0;
  for (let i = 0; i < rk; i++) {
    let v = dot(mats[P[i]], W0);
    for (let k = 0; k < i; k++) v -= L[i * rk + k] * y[k];
    y[i] = v / L[i * rk + i];
    proj2 += y[i] * y[i];
  }
  return Math.sqrt(Math.max(0, dot(W0, W0) - proj2));
}
