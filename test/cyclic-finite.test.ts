import { describe, expect, it } from 'vitest';
import { cyclicData } from '../src/dataset/cyclic-orders.js';
import { analyze } from '../src/dataset/analyze.js';
import { datasetFromTargets, equiCorrelatedRows, EXAMPLE_1, EXAMPLE_2, EXAMPLE_3, EXAMPLE_5 } from '../src/tasks/cyclic/examples.js';
import { finitePart } from '../src/tasks/cyclic/finite.js';
import { graphSvm } from '../src/maxmargin/graph-svm.js';

const close = (a: number, b: number, tol = 1e-12) => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol);
const data = (ex: { vocab: string[]; samples: Array<[string[], string, number]> }) => cyclicData(datasetFromTargets(ex.vocab, ex.samples));

/** M = R0·W*_ov in token space for the collocation x → x+1 (mod V): column x = R0 (e_{n(x)} − 𝟙/V). */
function frozenM(V: number, R0: number): Float64Array {
  const M = new Float64Array(V * V);
  for (let x = 0; x < V; x++) for (let v = 0; v < V; v++) M[v * V + x] = R0 * ((v === (x + 1) % V ? 1 : 0) - 1 / V);
  return M;
}

describe('W_fin, selection head (Newton, exact Hessian)', () => {
  it('§7.10.1: column q = (ln2/2, −ln2/2, 0, 0), floor (2/5)ln(3/2) + (1/5)ln 3, ⟂ W_svm', () => {
    const d = data(EXAMPLE_1);
    const f = finitePart(d);
    const col = [0, 1, 2, 3].map((v) => f.K[v * 4 + 3]);
    [Math.LN2 / 2, -Math.LN2 / 2, 0, 0].forEach((x, i) => close(col[i], x));
    close(f.loss, (2 / 5) * Math.log(3 / 2) + (1 / 5) * Math.log(3));
    expect(f.gradNorm).toBeLessThan(1e-15);
    const s = graphSvm(d);
    let dot = 0;
    for (let k = 0; k < 16; k++) dot += f.W[k] * s.W[k];
    close(dot, 0);
    expect(f.reduced.map((r) => r.sample)).toEqual([0, 1]);
  });

  it('§7.10.3: three-token SCC, x = (1+√17)/2, four Newton iterations', () => {
    const f = finitePart(data(EXAMPLE_3));
    const L = Math.log((1 + Math.sqrt(17)) / 2);
    close(L, 0.940613642107);
    [(2 * L) / 3, -L / 3, -L / 3, 0].forEach((x, v) => close(f.K[v * 4 + 3], x));
    close(f.loss, 0.717494064326);
    expect(f.iterations).toBe(4);
    expect(f.status).toBe('optimal');
    expect(f.gradNorm).toBeLessThan(1e-15);
    const e = [0, 1, 2].map((v) => Math.exp(f.K[v * 4 + 3]));
    const z = e[0] + e[1] + e[2];
    close(e[0] / z, 0.561552812809);
    close(e[1] / z, 0.219223593596);
  });

  it('§7.10.5: one SCC: column q = (ln3/2, −ln3/2)', () => {
    const f = finitePart(data(EXAMPLE_5));
    close(f.K[0 * 2 + 1], Math.log(3) / 2);
    close(f.K[1 * 2 + 1], -Math.log(3) / 2);
  });
});

describe('W_fin, frozen-M head (damped Newton)', () => {
  it('§7.10.1: δ* = 0.302765, 0.139810, 0.026681, 0.013863 for R0 = 5, 10, 90/√3, 100', () => {
    const d = data(EXAMPLE_1);
    const cases: Array<[number, number]> = [[5, 0.302765], [10, 0.13981], [90 / Math.sqrt(3), 0.026681], [100, 0.013863]];
    for (const [R0, delta] of cases) {
      const f = finitePart(d, { head: 'ce-frozen', M: frozenM(4, R0) });
      expect(f.gradNorm).toBeLessThan(1e-13);
      expect(f.status).toBe('optimal');
      close(f.K[0 * 4 + 3] - f.K[1 * 4 + 3], delta, 5e-7);
    }
  });
});

describe('W_fin, frozen-M head without a finite minimizer', () => {
  // One context multiset {a, b} with targets a ×3, b ×1 and M column x = R0·e_{n(x)}: the loss is a
  // function of φ_a alone, f'(φ_a = 1) = R0[(e^{R0} − 1)/(e^{R0} + 3) − 1/2], negative for R0 = 1
  // (the infimum is at φ_a → 1, W_fin at infinity) and positive for R0 = 5 (a finite optimum).
  const d = cyclicData(datasetFromTargets(['a', 'b', 'c', 'q'], [[['a', 'b', 'q'], 'a', 3], [['b', 'a', 'q'], 'b', 1]]));
  const M = (R0: number) => {
    const m = new Float64Array(16);
    for (let x = 0; x < 4; x++) m[((x + 1) % 4) * 4 + x] = R0;
    return m;
  };
  it('R0 = 1: reports unbounded', () => {
    const f = finitePart(d, { head: 'ce-frozen', M: M(1) });
    expect(f.status).toBe('unbounded');
    expect(f.K[0 * 4 + 3] - f.K[1 * 4 + 3]).toBeGreaterThan(10);
  });
  it('R0 = 5: a finite optimum where f\'(φ_a) = 0', () => {
    const f = finitePart(d, { head: 'ce-frozen', M: M(5) });
    expect(f.status).toBe('optimal');
    const delta = f.K[0 * 4 + 3] - f.K[1 * 4 + 3];
    const phi = 1 / (1 + Math.exp(-delta));
    const S = 2 + Math.exp(5 * phi) + Math.exp(5 * (1 - phi));
    expect(Math.abs((Math.exp(5 * phi) - Math.exp(5 - 5 * phi)) / S - 0.5)).toBeLessThan(1e-12);
  });
});

describe('W_fin with general embeddings (Newton in a basis of S_fin)', () => {
  const withRows = (rho: number) => {
    const rows = equiCorrelatedRows(5, rho);
    const ds = datasetFromTargets(EXAMPLE_2.vocab, EXAMPLE_2.samples, rows);
    const E = new Float64Array(6 * 5);
    rows.forEach((r, v) => r.forEach((x, i) => (E[i * 5 + v] = x)));
    return cyclicData(ds, analyze(ds), E, 6);
  };
  it('ρ = 0 (orthonormal): column q1 = (ln2/2, −ln2/2, 0, 0, 0) as in one-hot', () => {
    const f = finitePart(withRows(0));
    [Math.LN2 / 2, -Math.LN2 / 2, 0, 0, 0].forEach((x, v) => close(f.K[v * 5 + 3], x));
    for (let v = 0; v < 5; v++) close(f.K[v * 5 + 4], 0);
  });
  it('ρ = 1/2: δ = ln 2 under q1, W_fin ⟂ W_svm, gradient at rounding level', () => {
    const data = withRows(0.5);
    const f = finitePart(data);
    expect(f.status).toBe('optimal');
    expect(f.gradNorm).toBeLessThan(1e-15);
    close(f.K[0 * 5 + 3] - f.K[1 * 5 + 3], Math.LN2);
    const s = graphSvm(data);
    let dot = 0;
    for (let k = 0; k < 36; k++) dot += f.W[k] * s.W[k];
    close(dot, 0);
  });
});
