import { describe, expect, it } from 'vitest';
import { analyze } from '../src/dataset/analyze.js';
import { generateRealizable } from '../src/dataset/random.js';
import type { Dataset } from '../src/dataset/types.js';
import { makeEmbedding } from '../src/engine/embedding.js';
import { solveLdp, solveLdpRows } from '../src/maxmargin/ldp.js';
import { solveMaxMargin } from '../src/maxmargin/index.js';
import { maxMarginProblem } from '../src/train/trainer.js';
import { cyclicData } from '../src/dataset/cyclic-orders.js';
import { datasetFromTargets, equiCorrelatedRows, EXAMPLE_1, EXAMPLE_2, EXAMPLE_4, EXAMPLE_5 } from '../src/tasks/cyclic/examples.js';
import { graphSvm } from '../src/maxmargin/graph-svm.js';
import { condense, stronglyConnected, toCsr } from '../src/dataset/scc.js';

const close = (a: number, b: number, tol = 1e-12) => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol);

function dataOf(ex: { vocab: string[]; samples: Array<[string[], string, number]> }, rows?: number[][]) {
  const ds = datasetFromTargets(ex.vocab, ex.samples, rows);
  if (!rows) return cyclicData(ds);
  const d = rows[0].length;
  const V = ex.vocab.length;
  const E = new Float64Array(d * V);
  rows.forEach((r, v) => r.forEach((x, i) => (E[i * V + v] = x)));
  return cyclicData(ds, analyze(ds), E, d);
}

describe('SCCs (iterative Tarjan)', () => {
  it('finds the SCCs of §7.10.1 in topological order', () => {
    // a→{b,c,q}, b→{a,q}, c→{q}
    const c = condense([[0, 1], [0, 2], [0, 3], [1, 0], [1, 3], [2, 3]]);
    expect(c.components).toEqual([[0, 1], [2], [3]]);
    expect(c.edges).toEqual([[0, 1], [0, 2], [1, 2]]);
  });

  it('handles a 200 000-node cycle plus a tail without recursion', () => {
    const n = 200_000;
    const from: number[] = [];
    const to: number[] = [];
    for (let v = 0; v < n - 1; v++) from.push(v), to.push(v + 1);
    from.push(n - 2), to.push(0); // cycle 0 … n−2, tail n−1
    const { start, adj } = toCsr(n, from, to);
    const s = stronglyConnected(n, start, adj);
    expect(s.count).toBe(2);
    expect(s.members[0].length).toBe(n - 1);
    expect(s.members[1]).toEqual([n - 1]);
  });

  it('analyze() reports the components and accepts cyclic data for training', () => {
    const ds = datasetFromTargets(EXAMPLE_1.vocab, EXAMPLE_1.samples);
    const a = analyze(ds);
    const qa = a.queries.find((x) => x.query === 3)!;
    expect(qa.components).toEqual([[0, 1], [2], [3]]);
    expect(a.acyclic).toBe(false);
    expect(a.realizable).toBe(false);
    expect(a.trainable).toBe(true);
  });

  it('names the sample whose target is absent from its context', () => {
    const ds = datasetFromTargets(['a', 'b', 'q'], [[['a', 'q'], 'a', 1]]);
    ds.samples.push({ context: [1, 2], next: 1 }); // n(a) = b, but a is not in [b, q]
    ds.counts.push(1);
    expect(() => cyclicData(ds)).toThrow(/sample 4 \("b q" → "b"\): its target .* is absent from its context/);
  });
});

describe('LDP (Lawson–Hanson)', () => {
  it('solves a small LDP exactly and reports infeasibility', () => {
    // min ½‖x‖² s.t. x1 + x2 ≥ 2, x1 ≥ 0.5 → x = (1, 1)
    const r = solveLdpRows([1, 1, 1, 0], 2, 2, { h: [2, 0.5] });
    expect(r.status).toBe('optimal');
    close(r.x[0], 1);
    close(r.x[1], 1);
    close(r.norm2, 2);
    expect(r.kkt).toBeLessThan(1e-14);
    // x ≥ 1 and −x ≥ 1
    expect(solveLdp(2, [1, -1, -1, 1]).status).toBe('infeasible');
  });
});

describe('graph-SVM', () => {
  it('§7.10.1: column q = (3/4, 3/4, −1/4, −5/4), multipliers 3/2, 5/4, ν = −3/4', () => {
    const s = graphSvm(dataOf(EXAMPLE_1));
    expect(s.status).toBe('optimal');
    const col = [0, 1, 2, 3].map((v) => s.K[v * 4 + 3]);
    [3 / 4, 3 / 4, -1 / 4, -5 / 4].forEach((x, i) => close(col[i], x));
    for (let v = 0; v < 4; v++) for (let c = 0; c < 3; c++) expect(s.K[v * 4 + c]).toBe(0);
    close(s.norm, Math.sqrt(11 / 4));
    expect(s.kkt).toBeLessThan(1e-12);
    const lam = (i: number, j: number) => s.edges.filter((e) => e.above === i && e.below === j).reduce((t, e) => t + e.lambda, 0);
    close(lam(0, 2), 3 / 2);
    close(lam(2, 3), 5 / 4);
    close(lam(0, 3) + lam(1, 3), 0);
    expect(s.equalities).toHaveLength(1);
    close(s.equalities[0].nu, 3 / 4); // B = e_b − e_a, so ν_{a=b} = −3/4 in the worked example's orientation
    // The projected-Gram path on E = I agrees.
    const g = graphSvm(dataOf(EXAMPLE_1), { method: 'projected-gram' });
    for (let k = 0; k < 16; k++) close(g.K[k], s.K[k]);
    expect(g.kkt).toBeLessThan(1e-12);
  });

  it('§7.10.2: equi-correlated embeddings, ρ = 0 and ρ = 1/2', () => {
    const s0 = graphSvm(dataOf(EXAMPLE_2, equiCorrelatedRows(5, 0)));
    expect(s0.method).toBe('columnwise');
    close(s0.norm ** 2, 19 / 4);
    [3 / 4, 3 / 4, -1 / 4, -5 / 4, 0].forEach((x, v) => close(s0.K[v * 5 + 3], x));
    [0, 0, 1, 0, -1].forEach((x, v) => close(s0.K[v * 5 + 4], x));
    const s = graphSvm(dataOf(EXAMPLE_2, equiCorrelatedRows(5, 0.5)));
    expect(s.method).toBe('projected-gram');
    expect(s.status).toBe('optimal');
    close(s.norm ** 2, 256 / 23, 1e-11);
    const col = (c: number) => [0, 1, 2, 3, 4].map((v) => s.K[v * 5 + c] * 23);
    [20, 20, -3, -26, -11].forEach((x, v) => close(col(3)[v], x, 1e-10));
    [1, 10, 24, -13, -22].forEach((x, v) => close(col(4)[v], x, 1e-10));
    for (const c of [0, 1, 2]) [7, 10, 7, -13, -11].forEach((x, v) => close(col(c)[v], x, 1e-10));
    expect(s.kkt).toBeLessThan(1e-12);
    const active = s.edges.filter((e) => Math.abs(e.margin - 1) < 1e-9).map((e) => `${e.query}:${e.above}>${e.below}`).sort();
    expect(active).toEqual(['3:0>2', '3:2>3', '4:0>4', '4:2>0']);
  });

  it('§7.10.4: reports an infeasible general-embedding graph-SVM, naming the query and edge', () => {
    const s = graphSvm(dataOf(EXAMPLE_4, EXAMPLE_4.embedding));
    expect(s.status).toBe('infeasible');
    expect(s.message).toContain('under query "q", the edge "a" → "c" lies in the span of the SCC equalities');
    expect(s.W.every((x) => x === 0)).toBe(true);
  });

  it('§7.10.5: one SCC, no direction', () => {
    const s = graphSvm(dataOf(EXAMPLE_5));
    expect(s.status).toBe('no-direction');
    expect(s.norm).toBe(0);
    expect(s.message).toContain('every query graph is one SCC (query "q": {a q})');
  });

  it('equals today’s W*_kq bit for bit on acyclic data', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const ds: Dataset = generateRealizable({ vocab: 12, seed, optimalPerQuery: 2, nonOptimalPerQuery: 4, incomplete: seed % 2 === 0 });
      const a = analyze(ds);
      expect(a.acyclic).toBe(true);
      const today = solveMaxMargin(maxMarginProblem(a, 12, makeEmbedding(12, 'onehot')));
      const s = graphSvm(cyclicData(ds, a));
      expect(Array.from(s.K)).toEqual(Array.from(today.Wkq));
    }
  });
});
