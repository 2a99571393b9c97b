import { NtpError } from '../errors.js';
import { solveHardMarginDual } from './nnls.js';
import type { ColumnQPResult } from './types.js';
import { intArg, rowsArg } from '../api/arguments.js';

/**
 * Exact solution of min ‖w‖² s.t. w[a] − w[b] ≥ 1 for every pair [a, b] (w ∈ R^n, untouched entries 0).
 *
 * The constraint graph must be acyclic (Assumption 1); a cycle or a pair [a, a] throws
 * NtpError('infeasible'). Solved by Lawson–Hanson on the dual after merging "twin" tokens (same
 * constraint neighbours), which share one value at the unique optimum by symmetry — so a star such
 * as a W_ov column (one target above all |V|−1 others) is a single-variable problem.
 *
 * @param n number of entries of w (tokens)
 * @param pairs constraints [a, b] meaning w[a] − w[b] ≥ 1
 */
export function solveColumnQP(n: number, pairs: Array<[number, number]>): ColumnQPResult {
  intArg(n, 'solveColumnQP(n, pairs): n', 0);
  rowsArg(pairs, 'solveColumnQP(n, pairs): pairs');
  const m = pairs.length;
  const a = new Int32Array(m);
  const b = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const p = pairs[i];
    if (!Array.isArray(p) || p.length !== 2) {
      throw new NtpError('invalid-problem', `column QP: pair ${i} is not [a, b]`);
    }
    checkToken(p[0], n, `column QP: pair ${i}`);
    checkToken(p[1], n, `column QP: pair ${i}`);
    a[i] = p[0];
    b[i] = p[1];
  }
  return solveColumnFlat(n, a, b, 'column QP');
}

function checkToken(t: number, n: number, where: string): void {
  if (!Number.isInteger(t) || t < 0 || t >= n) {
    throw new NtpError('invalid-problem', `${where}: token ${t} is not an integer in [0, ${n})`);
  }
}

const FNV_PRIME = 16777619;

/**
 * {@link solveColumnQP} on flat pair arrays (validated by the caller except for self-pairs).
 * `label` prefixes error messages so callers can say which problem failed.
 * With `weight` the objective is Σ_v weight[v]·w[v]² (node weights, docs/theory/cyclic.md#the-graph-svm: a contracted SCC
 * of |C| tokens has weight |C|); without it every weight is 1 and the arithmetic is unchanged.
 * @internal
 */
export function solveColumnFlat(n: number, pa: Int32Array, pb: Int32Array, label: string, weight?: Float64Array): ColumnQPResult {
  if (!Number.isInteger(n) || n < 0) throw new NtpError('invalid-problem', `${label}: n = ${n} is not a non-negative integer`);
  const m = pa.length;
  const w = new Float64Array(n);
  const lambda = new Float64Array(m);
  if (m === 0) return { w, lambda, kkt: 0 };

  const local = new Int32Array(n).fill(-1);
  const verts: number[] = [];
  for (let i = 0; i < m; i++) {
    if (pa[i] === pb[i]) {
      throw new NtpError('infeasible', `${label}: constraint w[${pa[i]}] − w[${pa[i]}] ≥ 1 can never hold`);
    }
    if (local[pa[i]] < 0) local[pa[i]] = verts.push(pa[i]) - 1;
    if (local[pb[i]] < 0) local[pb[i]] = verts.push(pb[i]) - 1;
  }
  const nl = verts.length;

  // Distinct constraints.
  const uniqOf = new Map<number, number>();
  const ua: number[] = [];
  const ub: number[] = [];
  const dup: number[] = [];
  const pairU = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    const la = local[pa[i]];
    const lb = local[pb[i]];
    const key = la * nl + lb;
    let id = uniqOf.get(key);
    if (id === undefined) {
      id = ua.length;
      uniqOf.set(key, id);
      ua.push(la);
      ub.push(lb);
      dup.push(0);
    }
    dup[id]++;
    pairU[i] = id;
  }
  const mu = ua.length;

  // Adjacency (CSR) of the constraint graph.
  const outStart = new Int32Array(nl + 1);
  const inStart = new Int32Array(nl + 1);
  for (let k = 0; k < mu; k++) {
    outStart[ua[k] + 1]++;
    inStart[ub[k] + 1]++;
  }
  for (let v = 0; v < nl; v++) {
    outStart[v + 1] += outStart[v];
    inStart[v + 1] += inStart[v];
  }
  const outAdj = new Int32Array(mu);
  const inAdj = new Int32Array(mu);
  {
    const oc = outStart.slice(0, nl);
    const ic = inStart.slice(0, nl);
    for (let k = 0; k < mu; k++) {
      outAdj[oc[ua[k]]++] = ub[k];
      inAdj[ic[ub[k]]++] = ua[k];
    }
  }

  // Feasible iff acyclic (then w = −longest-path depth satisfies every constraint).
  {
    const indeg = new Int32Array(nl);
    for (let v = 0; v < nl; v++) indeg[v] = inStart[v + 1] - inStart[v];
    const queue = new Int32Array(nl);
    let head = 0;
    let tail = 0;
    for (let v = 0; v < nl; v++) if (indeg[v] === 0) queue[tail++] = v;
    while (head < tail) {
      const v = queue[head++];
      for (let k = outStart[v]; k < outStart[v + 1]; k++) {
        if (--indeg[outAdj[k]] === 0) queue[tail++] = outAdj[k];
      }
    }
    if (tail < nl) {
      const onCycle: number[] = [];
      for (let v = 0; v < nl && onCycle.length < 5; v++) if (indeg[v] > 0) onCycle.push(verts[v]);
      throw new NtpError('infeasible', `${label}: the constraints contain a cycle (through tokens ${onCycle.join(', ')}…)`);
    }
  }

  // Twin classes: identical out- and in-neighbour sets. Hash to bucket, then compare exactly.
  for (let v = 0; v < nl; v++) {
    outAdj.subarray(outStart[v], outStart[v + 1]).sort();
    inAdj.subarray(inStart[v], inStart[v + 1]).sort();
  }
  const sameNeighbours = (x: number, y: number): boolean => {
    const ox = outStart[x];
    const oy = outStart[y];
    const lo = outStart[x + 1] - ox;
    if (outStart[y + 1] - oy !== lo) return false;
    const ix = inStart[x];
    const iy = inStart[y];
    const li = inStart[x + 1] - ix;
    if (inStart[y + 1] - iy !== li) return false;
    for (let k = 0; k < lo; k++) if (outAdj[ox + k] !== outAdj[oy + k]) return false;
    for (let k = 0; k < li; k++) if (inAdj[ix + k] !== inAdj[iy + k]) return false;
    return true;
  };
  const cls = new Int32Array(nl);
  const rep: number[] = [];
  const size: number[] = [];
  const buckets = new Map<number, number[]>();
  for (let v = 0; v < nl; v++) {
    let h = 2166136261;
    for (let k = outStart[v]; k < outStart[v + 1]; k++) h = Math.imul(h ^ outAdj[k], FNV_PRIME);
    h = Math.imul(h ^ 0x5bd1e995, FNV_PRIME);
    for (let k = inStart[v]; k < inStart[v + 1]; k++) h = Math.imul(h ^ inAdj[k], FNV_PRIME);
    const key = h >>> 0;
    let bucket = buckets.get(key);
    if (bucket === undefined) {
      bucket = [];
      buckets.set(key, bucket);
    }
    let c = -1;
    for (const cand of bucket) {
      if (sameNeighbours(rep[cand], v)) {
        c = cand;
        break;
      }
    }
    if (c < 0) {
      c = rep.push(v) - 1;
      size.push(0);
      bucket.push(c);
    }
    cls[v] = c;
    if (weight === undefined) size[c]++;
    else size[c] += weight[verts[v]];
  }
  const nc = rep.length;

  // Class-level constraints: twins make each one a complete bipartite block of s_A·s_B pairs.
  const ceOf = new Map<number, number>();
  const ceA: number[] = [];
  const ceB: number[] = [];
  const uToCe = new Int32Array(mu);
  for (let k = 0; k < mu; k++) {
    const A = cls[ua[k]];
    const B = cls[ub[k]];
    const key = A * nc + B;
    let id = ceOf.get(key);
    if (id === undefined) {
      id = ceA.length;
      ceOf.set(key, id);
      ceA.push(A);
      ceB.push(B);
    }
    uToCe[k] = id;
  }
  const mr = ceA.length;

  // Reduced problem min ½ Σ_c s_c z_c² s.t. z_A − z_B ≥ 1: Gram entries Σ_c Â_rc Â_tc / s_c, with
  // Â_r = e_A − e_B. Rows are 2-sparse, so G is never formed: columns on demand, G·u via Âᵀu.
  const inv = size.map((s) => 1 / s);
  const diag = new Float64Array(mr);
  for (let r = 0; r < mr; r++) diag[r] = inv[ceA[r]] + inv[ceB[r]];
  const column = (j: number): Float64Array => {
    const A = ceA[j];
    const B = ceB[j];
    const col = new Float64Array(mr);
    for (let t = 0; t < mr; t++) {
      const At = ceA[t];
      const Bt = ceB[t];
      let v = 0;
      if (A === At) v += inv[A];
      if (A === Bt) v -= inv[A];
      if (B === At) v -= inv[B];
      if (B === Bt) v += inv[B];
      col[t] = v;
    }
    return col;
  };
  const y = new Float64Array(nc);
  const applyG = (u: Float64Array, out: Float64Array): void => {
    y.fill(0);
    for (let r = 0; r < mr; r++) {
      const ur = u[r];
      if (ur !== 0) {
        y[ceA[r]] += ur;
        y[ceB[r]] -= ur;
      }
    }
    for (let c = 0; c < nc; c++) y[c] *= inv[c];
    for (let r = 0; r < mr; r++) out[r] = y[ceA[r]] - y[ceB[r]];
  };
  // The graph is acyclic, so the problem is feasible: any positive slack is genuine.
  const dual = solveHardMarginDual(mr, diag, column, 0, applyG);
  if (!dual.feasible) {
    throw new NtpError('no-convergence', `${label}: acyclic constraints reported infeasible (numerical breakdown)`);
  }
  const Lam = dual.lambda;

  const zc = new Float64Array(nc);
  for (let r = 0; r < mr; r++) {
    zc[ceA[r]] += Lam[r];
    zc[ceB[r]] -= Lam[r];
  }
  for (let c = 0; c < nc; c++) zc[c] *= inv[c];
  for (let v = 0; v < nl; v++) w[verts[v]] = zc[cls[v]];
  for (let i = 0; i < m; i++) {
    const k = pairU[i];
    const r = uToCe[k];
    // A class block's multiplier is spread over its pairs in proportion to the members' weights.
    lambda[i] = weight === undefined
      ? Lam[r] / (size[ceA[r]] * size[ceB[r]] * dup[k])
      : (Lam[r] * weight[pa[i]] * weight[pb[i]]) / (size[ceA[r]] * size[ceB[r]] * dup[k]);
  }

  // KKT residuals of the original (unreduced) problem.
  let kkt = 0;
  const stat = new Float64Array(nl);
  for (let i = 0; i < m; i++) {
    const g = w[pa[i]] - w[pb[i]] - 1;
    const l = lambda[i];
    kkt = Math.max(kkt, -g, -l, Math.abs(l * g));
    stat[local[pa[i]]] += l;
    stat[local[pb[i]]] -= l;
  }
  for (let v = 0; v < nl; v++) kkt = Math.max(kkt, Math.abs((weight === undefined ? 1 : weight[verts[v]]) * w[verts[v]] - stat[v]));
  return { w, lambda, kkt };
}
