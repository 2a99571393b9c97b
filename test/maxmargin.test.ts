import { describe, expect, it } from 'vitest';
import { NtpError } from '../src/errors.js';
import { solveColumnQP, solveMaxMargin } from '../src/maxmargin/index.js';
import type { MaxMarginProblem } from '../src/maxmargin/index.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rng: () => number): number {
  const u = Math.max(rng(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** d×V row-major with i.i.d. N(0, 1/d) entries. */
function gaussianEmbedding(d: number, V: number, seed: number): Float64Array {
  const rng = mulberry32(seed);
  const E = new Float64Array(d * V);
  for (let k = 0; k < E.length; k++) E[k] = gaussian(rng) / Math.sqrt(d);
  return E;
}

/** First V columns of Q from a modified Gram–Schmidt QR of a seeded d×d Gaussian matrix (d×V row-major). */
function orthonormalEmbedding(d: number, V: number, seed: number): Float64Array {
  const A = gaussianEmbedding(d, d, seed);
  const cols: Float64Array[] = [];
  for (let j = 0; j < V; j++) {
    const v = new Float64Array(d);
    for (let i = 0; i < d; i++) v[i] = A[i * d + j];
    for (let pass = 0; pass < 2; pass++) {
      for (const q of cols) {
        let s = 0;
        for (let i = 0; i < d; i++) s += q[i] * v[i];
        for (let i = 0; i < d; i++) v[i] -= s * q[i];
      }
    }
    let n = 0;
    for (let i = 0; i < d; i++) n += v[i] * v[i];
    n = Math.sqrt(n);
    for (let i = 0; i < d; i++) v[i] /= n;
    cols.push(v);
  }
  const E = new Float64Array(d * V);
  for (let j = 0; j < V; j++) for (let i = 0; i < d; i++) E[i * V + j] = cols[j][i];
  return E;
}

function frob(a: Float64Array): number {
  let s = 0;
  for (const x of a) s += x * x;
  return Math.sqrt(s);
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

/** Independent KKT certificate for min ½‖w‖² s.t. w[a] − w[b] ≥ 1. */
function certify(n: number, pairs: Array<[number, number]>, w: Float64Array, lambda: Float64Array): number {
  const st = new Float64Array(n);
  let r = 0;
  pairs.forEach(([a, b], i) => {
    const g = w[a] - w[b] - 1;
    r = Math.max(r, -g, -lambda[i], Math.abs(lambda[i] * g));
    st[a] += lambda[i];
    st[b] -= lambda[i];
  });
  for (let v = 0; v < n; v++) r = Math.max(r, Math.abs(w[v] - st[v]));
  return r;
}

/** Random realizable-style problem: per query a hidden ranking, optimal = best-ranked token of the sample. */
function randomProblem(V: number, samples: number, seed: number, ctxMax = 4): MaxMarginProblem {
  const rng = mulberry32(seed);
  const perm = Array.from({ length: V }, (_, i) => i);
  for (let i = V - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const collocation: Array<[number, number]> = perm.map((n, x) => [x, n]);
  const rank = Array.from({ length: V }, () => Array.from({ length: V }, () => rng()));
  const attention: MaxMarginProblem['attention'] = [];
  for (let s = 0; s < samples; s++) {
    const q = Math.floor(rng() * V);
    const L = 1 + Math.floor(rng() * ctxMax);
    const toks = new Set<number>([q]);
    while (toks.size < Math.min(L + 1, V)) toks.add(Math.floor(rng() * V));
    const list = [...toks];
    let o = list[0];
    for (const t of list) if (rank[q][t] > rank[q][o]) o = t;
    attention.push({ query: q, optimal: o, nonOptimal: list.filter((t) => t !== o) });
  }
  return { V, embedding: null, collocation, attention };
}

describe('solveColumnQP: hand-solved QPs', () => {
  it('single pair: w_a = 1/2, w_b = −1/2', () => {
    const r = solveColumnQP(3, [[2, 0]]);
    expect(r.w[2]).toBeCloseTo(0.5, 15);
    expect(r.w[0]).toBeCloseTo(-0.5, 15);
    expect(r.w[1]).toBe(0);
    expect(r.lambda[0]).toBeCloseTo(0.5, 15);
    expect(r.kkt).toBeLessThan(1e-14);
  });

  it('chain a>b, b>c: (1, 0, −1), λ = (1, 1)', () => {
    const r = solveColumnQP(3, [
      [0, 1],
      [1, 2],
    ]);
    expect(Math.abs(r.w[0] - 1)).toBeLessThan(1e-14);
    expect(Math.abs(r.w[1])).toBeLessThan(1e-14);
    expect(Math.abs(r.w[2] + 1)).toBeLessThan(1e-14);
    expect(Math.abs(r.lambda[0] - 1)).toBeLessThan(1e-14);
    expect(Math.abs(r.lambda[1] - 1)).toBeLessThan(1e-14);
  });

  it('chain with the implied shortcut a>c: shortcut inactive, same solution', () => {
    const pairs: Array<[number, number]> = [
      [0, 1],
      [1, 2],
      [0, 2],
    ];
    const r = solveColumnQP(3, pairs);
    expect(maxAbsDiff(r.w, Float64Array.from([1, 0, -1]))).toBeLessThan(1e-14);
    expect(Math.abs(r.lambda[2])).toBeLessThan(1e-14);
    expect(certify(3, pairs, r.w, r.lambda)).toBeLessThan(1e-14);
  });

  it('two optimal, one non-optimal: a = b = 1/3, c = −2/3', () => {
    const r = solveColumnQP(3, [
      [0, 2],
      [1, 2],
    ]);
    expect(maxAbsDiff(r.w, Float64Array.from([1 / 3, 1 / 3, -2 / 3]))).toBeLessThan(1e-15);
    expect(maxAbsDiff(r.lambda, Float64Array.from([1 / 3, 1 / 3]))).toBeLessThan(1e-15);
  });

  it('one optimal above two: a = 2/3, b = c = −1/3', () => {
    const r = solveColumnQP(4, [
      [3, 0],
      [3, 1],
    ]);
    expect(maxAbsDiff(r.w, Float64Array.from([-1 / 3, -1 / 3, 0, 2 / 3]))).toBeLessThan(1e-15);
  });

  it('duplicate pairs share the multiplier', () => {
    const r = solveColumnQP(2, [
      [0, 1],
      [0, 1],
    ]);
    expect(maxAbsDiff(r.w, Float64Array.from([0.5, -0.5]))).toBeLessThan(1e-15);
    expect(maxAbsDiff(r.lambda, Float64Array.from([0.25, 0.25]))).toBeLessThan(1e-15);
    expect(r.kkt).toBeLessThan(1e-15);
  });

  it('star over n tokens: centre (n−1)/n, the rest −1/n', () => {
    const n = 1000;
    const pairs: Array<[number, number]> = [];
    for (let v = 0; v < n; v++) if (v !== 7) pairs.push([7, v]);
    const r = solveColumnQP(n, pairs);
    for (let v = 0; v < n; v++) expect(Math.abs(r.w[v] - (v === 7 ? (n - 1) / n : -1 / n))).toBeLessThan(1e-15);
    expect(r.kkt).toBeLessThan(1e-14);
  });

  it('random DAG columns: KKT certified independently', () => {
    const rng = mulberry32(11);
    for (let trial = 0; trial < 30; trial++) {
      const n = 4 + Math.floor(rng() * 20);
      const order = Array.from({ length: n }, (_, i) => i).sort(() => rng() - 0.5);
      const pairs: Array<[number, number]> = [];
      const m = 1 + Math.floor(rng() * 3 * n);
      for (let k = 0; k < m; k++) {
        const i = Math.floor(rng() * n);
        const j = Math.floor(rng() * n);
        if (i === j) continue;
        pairs.push(i < j ? [order[i], order[j]] : [order[j], order[i]]);
      }
      if (pairs.length === 0) continue;
      const r = solveColumnQP(n, pairs);
      expect(r.kkt).toBeLessThan(1e-12);
      expect(certify(n, pairs, r.w, r.lambda)).toBeLessThan(1e-12);
    }
  });

  it('random dense DAG columns: column QP and SVM dual (different reductions) agree', () => {
    const rng = mulberry32(23);
    for (let trial = 0; trial < 8; trial++) {
      const n = 30;
      const order = Array.from({ length: n }, (_, i) => i).sort(() => rng() - 0.5);
      const pairs: Array<[number, number]> = [];
      for (let k = 0; k < 150; k++) {
        const i = Math.floor(rng() * n);
        const j = Math.floor(rng() * n);
        if (i !== j) pairs.push(i < j ? [order[i], order[j]] : [order[j], order[i]]);
      }
      const r = solveColumnQP(n, pairs);
      const attention = pairs.map(([a, b]) => ({ query: 0, optimal: a, nonOptimal: [b] }));
      const s = solveMaxMargin({ V: n, embedding: null, collocation: [], attention }, { method: 'svm-dual' });
      const col = Float64Array.from({ length: n }, (_, v) => s.Wkq[v * n]);
      expect(maxAbsDiff(col, r.w)).toBeLessThan(1e-9);
      expect(certify(n, pairs, r.w, r.lambda)).toBeLessThan(1e-12);
    }
  });

  it('cycles and self-pairs are infeasible', () => {
    expect(() =>
      solveColumnQP(3, [
        [0, 1],
        [1, 2],
        [2, 0],
      ]),
    ).toThrow(/cycle/);
    try {
      solveColumnQP(2, [[1, 1]]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NtpError);
      expect((e as NtpError).code).toBe('infeasible');
    }
    expect(() => solveColumnQP(2, [[0, 2]])).toThrow(NtpError);
  });
});

describe('Counter-example to Proposition 2 (docs/theory/core.md#proposition-2-is-not-always-exact)', () => {
  // Tokens a, b, c, d, q = 0..4; one query q with constraints a>q, b>c, b>d, b>q.
  const problem: MaxMarginProblem = {
    V: 5,
    embedding: null,
    collocation: [],
    attention: [
      { query: 4, optimal: 0, nonOptimal: [4] },
      { query: 4, optimal: 1, nonOptimal: [2, 3, 4] },
    ],
  };

  it('column QP: a = 1/2, q = −1/2, b = 2/3, c = d = −1/3, b>q inactive', () => {
    const pairs: Array<[number, number]> = [
      [0, 4],
      [1, 2],
      [1, 3],
      [1, 4],
    ];
    const r = solveColumnQP(5, pairs);
    expect(maxAbsDiff(r.w, Float64Array.from([1 / 2, 2 / 3, -1 / 3, -1 / 3, -1 / 2]))).toBeLessThan(1e-10);
    expect(r.lambda[3]).toBe(0);
    expect(maxAbsDiff(r.lambda, Float64Array.from([1 / 2, 1 / 3, 1 / 3, 0]))).toBeLessThan(1e-15);
    let sq = 0;
    for (const x of r.w) sq += x * x;
    expect(Math.abs(sq - 7 / 6)).toBeLessThan(1e-14);
  });

  it('solveMaxMargin: prop2 = (3/5, 3/5, −2/5, −2/5, −2/5) at distance √(1/30)', () => {
    const s = solveMaxMargin(problem);
    expect(s.method).toBe('columnwise-qp');
    const col = (W: Float64Array) => Float64Array.from({ length: 5 }, (_, v) => W[v * 5 + 4]);
    expect(maxAbsDiff(col(s.Wkq), Float64Array.from([1 / 2, 2 / 3, -1 / 3, -1 / 3, -1 / 2]))).toBeLessThan(1e-10);
    expect(s.prop2).not.toBeNull();
    expect(maxAbsDiff(col(s.prop2!), Float64Array.from([3 / 5, 3 / 5, -2 / 5, -2 / 5, -2 / 5]))).toBeLessThan(1e-15);
    expect(frob(s.prop2!) ** 2).toBeCloseTo(1.2, 14);
    // Hand-computed: (1/10)² + (1/10)² + 3·(1/15)² = 1/30.
    expect(s.prop2Gap).toBeGreaterThan(0);
    expect(Math.abs(s.prop2Gap! - Math.sqrt(1 / 30))).toBeLessThan(1e-14);
    expect(Math.abs(s.margins.kq - 1)).toBeLessThan(1e-14);
    expect(s.margins.ov).toBe(Infinity);
    expect(s.kktResidual).toBeLessThan(1e-14);
  });
});

describe('Proposition 2 where it is exact', () => {
  it('every optimal token meets every non-optimal one: gap < 1e-12', () => {
    // Query 6: O = {0, 1}, N = {2, 3, 4}; query 5: O = {2}, N = {0, 6}.
    const s = solveMaxMargin({
      V: 7,
      embedding: null,
      collocation: [],
      attention: [
        { query: 6, optimal: 0, nonOptimal: [2, 3, 4] },
        { query: 6, optimal: 1, nonOptimal: [4, 3, 2] },
        { query: 5, optimal: 2, nonOptimal: [0, 6] },
      ],
    });
    expect(s.prop2Gap).not.toBeNull();
    expect(s.prop2Gap!).toBeLessThan(1e-12);
    expect(Math.abs(s.Wkq[0 * 7 + 6] - 3 / 5)).toBeLessThan(1e-15);
    expect(Math.abs(s.Wkq[3 * 7 + 6] + 2 / 5)).toBeLessThan(1e-15);
    expect(Math.abs(s.Wkq[2 * 7 + 5] - 2 / 3)).toBeLessThan(1e-15);
  });

  it('a confused token makes prop2 null', () => {
    const s = solveMaxMargin({
      V: 4,
      embedding: null,
      collocation: [],
      attention: [
        { query: 3, optimal: 0, nonOptimal: [1] },
        { query: 3, optimal: 1, nonOptimal: [2] },
      ],
    });
    expect(s.prop2).toBeNull();
    expect(s.prop2Gap).toBeNull();
  });
});

describe('W*_ov', () => {
  it('one-hot columns are (V−1)/V at n(x), −1/V elsewhere; zero for tokens without collocation', () => {
    const V = 9;
    const collocation: Array<[number, number]> = [
      [0, 3],
      [1, 0],
      [2, 8],
      [3, 1],
      [5, 5],
    ];
    const s = solveMaxMargin({ V, embedding: null, collocation, attention: [] });
    const target = new Map(collocation);
    for (let x = 0; x < V; x++) {
      for (let v = 0; v < V; v++) {
        const got = s.Wov[v * V + x];
        const want = !target.has(x) ? 0 : v === target.get(x) ? (V - 1) / V : -1 / V;
        expect(Math.abs(got - want)).toBeLessThan(1e-15);
      }
    }
    expect(Math.abs(s.margins.ov - 1)).toBeLessThan(1e-15);
    expect(s.margins.kq).toBe(Infinity);
    expect(frob(s.Wkq)).toBe(0);
  });

  it('two targets for one token are infeasible (ov)', () => {
    expect(() =>
      solveMaxMargin({
        V: 3,
        embedding: null,
        collocation: [
          [0, 1],
          [0, 2],
        ],
        attention: [],
      }),
    ).toThrow(/^ov/);
  });
});

describe('orthonormal embeddings', () => {
  const V = 6;
  const d = 9;
  const base = randomProblem(V, 25, 3);
  const oneHot = solveMaxMargin(base);
  const E = orthonormalEmbedding(d, V, 42);
  const rot = solveMaxMargin({ ...base, embedding: { d, E } });

  it('uses the column-wise QP and matches the one-hot norms', () => {
    expect(rot.method).toBe('columnwise-qp');
    expect(rot.d).toBe(d);
    expect(Math.abs(frob(rot.Wkq) - frob(oneHot.Wkq))).toBeLessThan(1e-12);
    expect(Math.abs(frob(rot.Wov) - frob(oneHot.Wov))).toBeLessThan(1e-12);
    expect(Math.abs(rot.prop2Gap! - oneHot.prop2Gap!)).toBeLessThan(1e-12);
  });

  it('equals the rotated one-hot solution: Wkq = E K Eᵀ, Wov = M Eᵀ', () => {
    const K = oneHot.Wkq;
    const M = oneHot.Wov;
    const Wkq = new Float64Array(d * d);
    const Wov = new Float64Array(V * d);
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let u = 0; u < V; u++) for (let q = 0; q < V; q++) s += E[i * V + u] * K[u * V + q] * E[j * V + q];
        Wkq[i * d + j] = s;
      }
    for (let v = 0; v < V; v++)
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let x = 0; x < V; x++) s += M[v * V + x] * E[i * V + x];
        Wov[v * d + i] = s;
      }
    expect(maxAbsDiff(rot.Wkq, Wkq)).toBeLessThan(1e-12);
    expect(maxAbsDiff(rot.Wov, Wov)).toBeLessThan(1e-12);
  });

  it('the SVM dual agrees with the column-wise QP (forced)', () => {
    const svm = solveMaxMargin({ ...base, embedding: { d, E } }, { method: 'svm-dual' });
    expect(svm.method).toBe('svm-dual');
    expect(maxAbsDiff(svm.Wkq, rot.Wkq)).toBeLessThan(1e-8);
    expect(maxAbsDiff(svm.Wov, rot.Wov)).toBeLessThan(1e-8);
    expect(svm.kktResidual).toBeLessThan(1e-8);
  });
});

describe('SVM-dual path', () => {
  it('agrees with the column-wise QP on one-hot problems', () => {
    for (const seed of [1, 2, 3]) {
      const p = randomProblem(7, 30, seed);
      const qp = solveMaxMargin(p);
      const svm = solveMaxMargin(p, { method: 'svm-dual' });
      expect(svm.method).toBe('svm-dual');
      expect(maxAbsDiff(svm.Wkq, qp.Wkq)).toBeLessThan(1e-8);
      expect(maxAbsDiff(svm.Wov, qp.Wov)).toBeLessThan(1e-8);
      expect(svm.kktResidual).toBeLessThan(1e-8);
      expect(qp.kktResidual).toBeLessThan(1e-12);
      expect(Math.abs(svm.margins.kq - 1)).toBeLessThan(1e-8);
      expect(Math.abs(svm.margins.ov - 1)).toBeLessThan(1e-8);
      expect(Math.abs(svm.prop2Gap! - qp.prop2Gap!)).toBeLessThan(1e-8);
    }
  });

  it('Gaussian embedding (d large enough): all constraints hold with min margin 1', () => {
    const V = 6;
    const d = 10;
    const p = randomProblem(V, 20, 5);
    const E = gaussianEmbedding(d, V, 77);
    const s = solveMaxMargin({ ...p, embedding: { d, E } });
    expect(s.method).toBe('svm-dual');
    expect(s.prop2).toBeNull();
    expect(s.kktResidual).toBeLessThan(1e-8);
    // Independent check of every constraint on the returned matrices.
    const col = (v: number) => Float64Array.from({ length: d }, (_, i) => E[i * V + v]);
    let minKq = Infinity;
    for (const c of p.attention) {
      const eq = col(c.query);
      const y = new Float64Array(d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) y[i] += s.Wkq[i * d + j] * eq[j];
      for (const jt of c.nonOptimal) {
        const eo = col(c.optimal);
        const ej = col(jt);
        let g = 0;
        for (let i = 0; i < d; i++) g += (eo[i] - ej[i]) * y[i];
        minKq = Math.min(minKq, g);
      }
    }
    let minOv = Infinity;
    for (const [x, n] of p.collocation) {
      const ex = col(x);
      const z = new Float64Array(V);
      for (let v = 0; v < V; v++) for (let i = 0; i < d; i++) z[v] += s.Wov[v * d + i] * ex[i];
      for (let v = 0; v < V; v++) if (v !== n) minOv = Math.min(minOv, z[n] - z[v]);
    }
    expect(Math.abs(minKq - 1)).toBeLessThan(1e-8);
    expect(Math.abs(minOv - 1)).toBeLessThan(1e-8);
    expect(Math.abs(s.margins.kq - minKq)).toBeLessThan(1e-10);
    expect(Math.abs(s.margins.ov - minOv)).toBeLessThan(1e-10);
  });

  it('infeasible problems throw, naming the problem', () => {
    // d = 1, E = [1, 2, 3]: query 2 needs −3w ≥ 1 (0 above 1, 1 above 2) and query 1 needs 4w ≥ 1.
    const E = Float64Array.from([1, 2, 3]);
    const kq = () =>
      solveMaxMargin({
        V: 3,
        embedding: { d: 1, E },
        collocation: [[0, 1]],
        attention: [
          { query: 2, optimal: 0, nonOptimal: [1] },
          { query: 1, optimal: 2, nonOptimal: [0] },
          { query: 2, optimal: 1, nonOptimal: [2] },
        ],
      });
    expect(kq).toThrow(NtpError);
    expect(kq).toThrow(/^kq: no W satisfies/);
    // 0 above 1 and 1 above 0 under query 2 is a cycle: the graph-SVM's equality forces w = 0, so query 1's edge cannot reach 1
    const cyclic = () =>
      solveMaxMargin({
        V: 3,
        embedding: { d: 1, E },
        collocation: [[0, 1]],
        attention: [
          { query: 2, optimal: 0, nonOptimal: [1] },
          { query: 1, optimal: 2, nonOptimal: [0] },
          { query: 2, optimal: 1, nonOptimal: [0] },
        ],
      });
    expect(cyclic).toThrow(/^kq: the graph-SVM is infeasible: under query "token 1", the edge "token 2" → "token 0" lies in the span of the SCC equalities/);
    // Gaussian embedding with d = 1 < needed: four collocation targets cannot all be argmaxes of x·w.
    const ov = () =>
      solveMaxMargin({
        V: 4,
        embedding: { d: 1, E: gaussianEmbedding(1, 4, 9) },
        collocation: [
          [0, 1],
          [1, 2],
          [2, 3],
          [3, 0],
        ],
        attention: [],
      });
    expect(ov).toThrow(/^ov: no W satisfies/);
    try {
      ov();
    } catch (e) {
      expect((e as NtpError).code).toBe('infeasible');
    }
  });

  it('refuses more constraints than opts.maxSvmConstraints', () => {
    const p = randomProblem(8, 10, 4);
    expect(() => solveMaxMargin(p, { method: 'svm-dual', maxSvmConstraints: 20 })).toThrow(/SVM-dual limit/);
  });

  it('refuses the column-wise QP on a non-orthonormal embedding', () => {
    const p = randomProblem(4, 5, 4);
    expect(() =>
      solveMaxMargin({ ...p, embedding: { d: 4, E: gaussianEmbedding(4, 4, 1) } }, { method: 'columnwise-qp' }),
    ).toThrow(/orthonormal/);
  });
});

describe('at the benchmark\'s largest size', () => {
  it('|V| = 1024 with thousands of constraints is solved to KKT residual 1e-10', () => {
    const p = randomProblem(1024, 4000, 8, 12);
    const s = solveMaxMargin(p);
    expect(s.kktResidual).toBeLessThan(1e-10);
    expect(Math.abs(s.margins.kq - 1)).toBeLessThan(1e-10);
    expect(Math.abs(s.margins.ov - 1)).toBeLessThan(1e-12);
  });
});
