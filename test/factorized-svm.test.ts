import { describe, expect, test } from 'vitest';
import { NtpError } from '../src/errors.js';
import { normalRng as createRng } from '../src/dataset/normal.js';
import { ldpMultipliers } from '../src/maxmargin/ldp.js';
import {
  combine,
  constraintGram,
  constraintValues,
  marginConstraints,
  solveFrobeniusSvm,
  solveNuclearSvm,
  withEqualities,
  type MarginConstraints,
} from '../src/maxmargin/nuclear.js';
import { nuclearNorm, recompose, svd } from '../src/maxmargin/svd.js';

const unit = (n: number, i: number): number[] => Array.from({ length: n }, (_, j) => (j === i ? 1 : 0));
const diff = (n: number, i: number, j: number): number[] => unit(n, i).map((x, k) => x - unit(n, j)[k]);
const fro = (x: ArrayLike<number>): number => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0));
const cos = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += a[i] * b[i];
  return d / (fro(a) * fro(b));
};
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** 8.7.1: ⟨e1e1ᵀ, W⟩ ≥ 1 and ⟨u e2ᵀ, W⟩ ≥ 1 with u = (cos θ, sin θ) */
const twoByTwo = (theta: number): MarginConstraints =>
  marginConstraints(2, 2, [[1, 0], [Math.cos(theta), Math.sin(theta)]], [[1, 0], [0, 1]]);

describe('one-sided Jacobi SVD', () => {
  test('reconstructs random matrices with orthonormal factors, wide and tall', () => {
    const rng = createRng(3);
    for (const [r, c] of [[5, 5], [7, 3], [3, 7], [12, 12], [1, 4]]) {
      const X = Float64Array.from({ length: r * c }, () => rng.normal());
      const s = svd(X, r, c);
      expect(maxAbsDiff(recompose(s, (x) => x, new Float64Array(r * c)), X)).toBeLessThan(1e-13);
      for (let i = 1; i < s.k; i++) expect(s.sigma[i]).toBeLessThanOrEqual(s.sigma[i - 1]);
      for (let i = 0; i < s.k; i++) {
        for (let j = 0; j < s.k; j++) {
          let ul = 0;
          let vr = 0;
          for (let a = 0; a < r; a++) ul += s.left[i * r + a] * s.left[j * r + a];
          for (let b = 0; b < c; b++) vr += s.right[i * c + b] * s.right[j * c + b];
          expect(Math.abs(ul - (i === j ? 1 : 0))).toBeLessThan(1e-13);
          expect(Math.abs(vr - (i === j ? 1 : 0))).toBeLessThan(1e-13);
        }
      }
    }
  });

  test('singular values of [[1,2,3],[4,5,6]] and of a graded diagonal to relative accuracy', () => {
    // σ² are the roots of x² − 91x + 54 (the characteristic polynomial of XXᵀ = [[14,32],[32,77]])
    const s = svd([1, 2, 3, 4, 5, 6], 2, 3).sigma;
    const disc = Math.sqrt(91 * 91 - 4 * 54);
    expect(Math.abs(s[0] - Math.sqrt((91 + disc) / 2)) / s[0]).toBeLessThan(1e-15);
    expect(Math.abs(s[1] - Math.sqrt(54 / ((91 + disc) / 2))) / s[1]).toBeLessThan(1e-14);
    // a rotated diag(1, 1e-8, 1e-16): Jacobi keeps the tiny values to relative accuracy
    const c = Math.cos(0.3);
    const sn = Math.sin(0.3);
    const D = [1, 1e-8, 1e-16];
    const X = new Float64Array(9);
    // X = R·diag(D) with R a rotation in the (0,1) plane: columns scale exactly
    for (let j = 0; j < 3; j++) {
      const col = j === 0 ? [c, sn, 0] : j === 1 ? [-sn, c, 0] : [0, 0, 1];
      for (let i = 0; i < 3; i++) X[i * 3 + j] = col[i] * D[j];
    }
    const t = svd(X, 3, 3).sigma;
    D.forEach((d, i) => expect(Math.abs(t[i] - d) / d).toBeLessThan(1e-14));
  });
});

describe('exact LDP projection onto the margin polyhedron', () => {
  test('random instances satisfy the KKT conditions of min ‖y‖ s.t. ⟨A_e, y⟩ ≥ b_e to 1e-12', () => {
    const rng = createRng(11);
    for (let trial = 0; trial < 20; trial++) {
      const d = 2 + (trial % 5);
      const m = 3 + (trial % 7);
      const keys = Array.from({ length: m }, () => Array.from({ length: d }, () => rng.normal()));
      const qs = Array.from({ length: m }, () => Array.from({ length: d }, () => rng.normal()));
      const c = marginConstraints(d, d, keys, qs);
      const G = constraintGram(c);
      // b of mixed signs, feasible by construction (y0 satisfies every constraint), and a warm start
      const y0 = Float64Array.from({ length: d * d }, () => rng.normal());
      const at0 = constraintValues(c, y0);
      const b = at0.map((x) => x - Math.abs(rng.normal()) * (trial % 2));
      const r = ldpMultipliers(m, G, b, 1e-11, [0, 2]);
      expect(r.feasible).toBe(true);
      const y = combine(c, r.lambda);
      const v = constraintValues(c, y);
      for (let e = 0; e < m; e++) {
        expect(r.lambda[e]).toBeGreaterThanOrEqual(0);
        expect(v[e]).toBeGreaterThan(b[e] - 1e-12);
        expect(Math.abs(r.lambda[e] * (v[e] - b[e]))).toBeLessThan(1e-12);
      }
    }
  });

  test('inconsistent constraints are reported infeasible', () => {
    // ⟨A, y⟩ ≥ 1 and ⟨−A, y⟩ ≥ 1
    const c = marginConstraints(2, 2, [[1, 0], [-1, 0]], [[0, 1], [0, 1]]);
    const r = ldpMultipliers(2, constraintGram(c), Float64Array.of(1, 1));
    expect(r.feasible).toBe(false);
  });
});

describe('Frobenius and nuclear-norm SVMs: docs/theory/factorized.md#worked-examples worked examples', () => {
  test('8.7.1: W_F, W_*, ν* = 2√2/√3, the dual certificate, cos = √3/2', () => {
    const c = twoByTwo(Math.PI / 3);
    const F = solveFrobeniusSvm(c);
    expect(maxAbsDiff(F.W, [1, 0.5, 0, Math.sqrt(3) / 2])).toBeLessThan(1e-12);
    expect(Math.abs(F.norm - Math.SQRT2)).toBeLessThan(1e-12);
    const sF = svd(F.W, 2, 2);
    expect(Math.abs(nuclearNorm(sF) - 1.931851652578)).toBeLessThan(1e-12);
    expect(maxAbsDiff(sF.sigma, [Math.sqrt(1.5), Math.sqrt(0.5)])).toBeLessThan(1e-12);

    const N = solveNuclearSvm(c);
    expect(N.status).toBe('certified');
    expect(N.relativeGap).toBeLessThanOrEqual(1e-9);
    expect(N.lowerBound).toBeLessThanOrEqual(2 * Math.SQRT2 / Math.sqrt(3) + 1e-15);
    expect(Math.abs(N.nuclearNorm - 1.632993161855)).toBeLessThan(2e-9);
    expect(Math.abs(N.lowerBound - 1.632993161855)).toBeLessThan(2e-9);
    const s3 = 1 / Math.sqrt(3);
    expect(maxAbsDiff(N.W, [1, 1, s3, s3])).toBeLessThan(1e-8);
    expect(N.rank).toBe(1);
    expect(Math.abs(cos(F.W, N.W) - Math.sqrt(3) / 2)).toBeLessThan(1e-8);
    // the worked example's certificate λ = (√(2/3), √(2/3)): ‖λ₁A₁ + λ₂A₂‖_op = 1 and Σλ = ν*
    const l = Math.sqrt(2 / 3);
    expect(Math.abs(svd(combine(c, [l, l]), 2, 2).sigma[0] - 1)).toBeLessThan(1e-15);
    expect(maxAbsDiff(N.lambda, [l, l].map((x) => x * N.lambda[0] / l))).toBeLessThan(1e-6);
  });

  test('8.7.1 for θ ∈ (0, π/2): ν*(θ) = √2/cos(θ/2), W_* = [[1,1],[tan(θ/2), tan(θ/2)]]', () => {
    for (const theta of [0.2, 0.7, 1.2, 1.5]) {
      const N = solveNuclearSvm(twoByTwo(theta));
      expect(N.status).toBe('certified');
      const nu = Math.SQRT2 / Math.cos(theta / 2);
      expect(Math.abs(N.nuclearNorm - nu) / nu).toBeLessThan(1e-9);
      expect(N.lowerBound).toBeLessThanOrEqual(nu * (1 + 1e-15));
      const t = Math.tan(theta / 2);
      expect(maxAbsDiff(N.W, [1, 1, t, t])).toBeLessThan(1e-8);
    }
  });

  test('8.7.2 one-hot tokens: W_F rank 2 with ‖·‖_* = √(1+√3/2), W_* rank 1 with ν* = 2/√3', () => {
    // V = {x, y, z} = 0, 1, 2; samples [y,x]→y (query x), [y,z]→y (query z)
    const c = marginConstraints(3, 3, [diff(3, 1, 0), diff(3, 1, 2)], [unit(3, 0), unit(3, 2)]);
    const F = solveFrobeniusSvm(c);
    // row-major W[key][query]: column x = (−½, ½, 0), column z = (0, ½, −½)
    expect(maxAbsDiff(F.W, [-0.5, 0, 0, 0.5, 0, 0.5, 0, 0, -0.5])).toBeLessThan(1e-12);
    expect(Math.abs(nuclearNorm(svd(F.W, 3, 3)) - 1.366025403784)).toBeLessThan(1e-12);
    const N = solveNuclearSvm(c);
    expect(N.status).toBe('certified');
    expect(Math.abs(N.nuclearNorm - 1.154700538379)).toBeLessThan(2e-9);
    const t = 1 / 3;
    expect(maxAbsDiff(N.W, [-t, 0, -t, 2 * t, 0, 2 * t, -t, 0, -t])).toBeLessThan(1e-8);
    expect(N.rank).toBe(1);
    expect(Math.abs(cos(F.W, N.W) - 0.8660254)).toBeLessThan(1e-7);
  });

  test('8.7.3 non-unique W_*: ν* = √2 certified, and every W_x (|x| ≤ 1) attains it (value ratios)', () => {
    // V = {p, r, s, t} = 0..3; samples [r,p]→r and [t,s]→t
    const c = marginConstraints(4, 4, [diff(4, 1, 0), diff(4, 3, 2)], [unit(4, 0), unit(4, 2)]);
    const N = solveNuclearSvm(c);
    expect(N.status).toBe('certified');
    expect(Math.abs(N.nuclearNorm - Math.SQRT2)).toBeLessThan(2e-9);
    expect(Math.abs(N.lowerBound - Math.SQRT2)).toBeLessThan(2e-9);
    for (const x of [-1, -0.4, 0, 0.7, 1]) {
      const W = new Float64Array(16);
      // column p = ½(e_r − e_p) + (x/2)(e_t − e_s); column s = (x/2)(e_r − e_p) + ½(e_t − e_s)
      const colP = diff(4, 1, 0).map((v, i) => v / 2 + (x / 2) * diff(4, 3, 2)[i]);
      const colS = diff(4, 1, 0).map((v, i) => (x / 2) * v + diff(4, 3, 2)[i] / 2);
      for (let i = 0; i < 4; i++) {
        W[i * 4 + 0] = colP[i];
        W[i * 4 + 2] = colS[i];
      }
      const gamma = Math.min(...constraintValues(c, W));
      expect(Math.abs(gamma - 1)).toBeLessThan(1e-15);
      expect(Math.abs(nuclearNorm(svd(W, 4, 4)) / (gamma * N.lowerBound) - 1)).toBeLessThan(1e-9);
    }
  });

  test('8.7.4 a single query: W_* = W_F (column q of 7.10.1 without the a = b equality)', () => {
    // V = {a, b, c, q}; constraints a−c, a−q, b−q, c−q ≥ 1 in column q
    const c = marginConstraints(4, 4, [diff(4, 0, 2), diff(4, 0, 3), diff(4, 1, 3), diff(4, 2, 3)], Array(4).fill(unit(4, 3)));
    const F = solveFrobeniusSvm(c);
    const N = solveNuclearSvm(c);
    expect(N.status).toBe('certified');
    expect(Math.abs(N.nuclearNorm - F.norm)).toBeLessThan(2e-9 * F.norm);
    expect(maxAbsDiff(N.W, F.W)).toBeLessThan(1e-8);
  });

  test('8.7.4 graph version: the A1 column of 7.10.1 with K[a,q] = K[b,q] has ν* = ‖W_svm‖ = √11/2, W_* = W_F', () => {
    const ineq = marginConstraints(4, 4, [diff(4, 0, 2), diff(4, 0, 3), diff(4, 1, 3), diff(4, 2, 3)], Array(4).fill(unit(4, 3)));
    const c = withEqualities(ineq, [diff(4, 0, 1)], [unit(4, 3)]);
    const F = solveFrobeniusSvm(c);
    const col = [0.75, 0.75, -0.25, -1.25];
    const expected = new Float64Array(16);
    col.forEach((x, i) => (expected[i * 4 + 3] = x));
    expect(maxAbsDiff(F.W, expected)).toBeLessThan(1e-12);
    expect(Math.abs(F.norm - 1.658312395178)).toBeLessThan(1e-12);
    const N = solveNuclearSvm(c);
    expect(N.status).toBe('certified');
    expect(Math.abs(N.nuclearNorm - 1.658312395178)).toBeLessThan(2e-9);
    expect(Math.abs(N.lowerBound - 1.658312395178)).toBeLessThan(2e-9);
    expect(maxAbsDiff(N.W, expected)).toBeLessThan(1e-8);
    // the core family's all-inequality form (docs/theory/core.md#max-margin-directions) (a > b and b > a both demanded) is infeasible
    const both = marginConstraints(4, 4, [diff(4, 0, 1), diff(4, 1, 0), diff(4, 0, 3)], Array(3).fill(unit(4, 3)));
    expect(() => solveNuclearSvm(both)).toThrow(/infeasible/);
  });

  test('graph version with two queries: an equality x = z in column x of 8.7.2 moves W_F but not W_*', () => {
    const ineq = marginConstraints(3, 3, [diff(3, 1, 0), diff(3, 1, 2)], [unit(3, 0), unit(3, 2)]);
    const c = withEqualities(ineq, [diff(3, 0, 2)], [unit(3, 0)]);
    const F = solveFrobeniusSvm(c);
    // column x = (−1/3, 2/3, −1/3) (equal x and z entries), column z = (0, ½, −½)
    const t = 1 / 3;
    expect(maxAbsDiff(F.W, [-t, 0, 0, 2 * t, 0, 0.5, -t, 0, -0.5])).toBeLessThan(1e-12);
    const N = solveNuclearSvm(c);
    expect(N.status).toBe('certified');
    expect(Math.abs(N.nuclearNorm - 2 / Math.sqrt(3))).toBeLessThan(2e-9);
    expect(maxAbsDiff(N.W, [-t, 0, -t, 2 * t, 0, 2 * t, -t, 0, -t])).toBeLessThan(1e-8);
    expect(Math.abs(N.W[0] - N.W[6])).toBeLessThan(1e-12);
    // an inequality inside the equalities' span can never reach margin 1
    expect(() => withEqualities(ineq, [diff(3, 1, 0)], [unit(3, 0)])).toThrow(/constraint 0 lies in the span/);
  });

  test('random feasible instances (n = 5, T = 5, d = 3…10) are certified to a relative gap ≤ 1e-9', () => {
    const rng = createRng(5);
    let certified = 0;
    for (const d of [3, 5, 8, 10]) {
      const unitVec = (): number[] => {
        const v = Array.from({ length: d }, () => rng.normal());
        const n = fro(v);
        return v.map((x) => x / n);
      };
      const keys: number[][] = [];
      const qs: number[][] = [];
      for (let i = 0; i < 5; i++) {
        const z = unitVec();
        const X = Array.from({ length: 5 }, unitVec);
        for (let t = 1; t < 5; t++) {
          keys.push(X[0].map((x, k) => x - X[t][k]));
          qs.push(z);
        }
      }
      let N;
      try {
        N = solveNuclearSvm(marginConstraints(d, d, keys, qs));
      } catch (e) {
        expect((e as NtpError).code).toBe('infeasible');
        continue;
      }
      expect(N.status).toBe('certified');
      expect(N.relativeGap).toBeLessThanOrEqual(1e-9);
      expect(Math.min(...constraintValues(marginConstraints(d, d, keys, qs), N.W))).toBeGreaterThanOrEqual(1 - 1e-15);
      certified++;
    }
    expect(certified).toBeGreaterThanOrEqual(3);
  });

  test('bad input: an infeasible SVM, a zero constraint, mismatched lengths', () => {
    const inf = marginConstraints(2, 2, [[1, 0], [-1, 0]], [[0, 1], [0, 1]]);
    expect(() => solveNuclearSvm(inf)).toThrow(/infeasible/);
    expect(() => solveFrobeniusSvm(inf)).toThrow(/infeasible/);
    expect(() => marginConstraints(2, 2, [[0, 0]], [[1, 0]])).toThrow(/constraint 0/);
    expect(() => marginConstraints(2, 2, [[1, 0, 0]], [[1, 0]])).toThrow(/constraint 0: key vector has 3 entries/);
    expect(() => solveNuclearSvm(twoByTwo(1), { rho: 0 })).toThrow(/rho/);
  });
});
