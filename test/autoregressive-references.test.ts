import { describe, expect, it } from 'vitest';
import { createRng } from '../src/dataset/random.js';
import { generateSequences, haarOrthogonal, periodicSequence, rotation, iterateLinear } from '../src/tasks/autoregressive/data.js';
import { curveFromPredictions, errorCurve, geometricRate } from '../src/tasks/autoregressive/metrics.js';
import { ckdPredictions, kaczmarzPredictions, leastSquaresPredictions } from '../src/tasks/autoregressive/references.js';
import { ckdPredictionsSet } from '../src/tasks/autoregressive/ckd-set.js';

const r3 = Math.sqrt(3);
/** The rotation θ = π/3 from x_1 = (1, 0): x_1 … x_7. */
function rotationSequence(theta = Math.PI / 3, L = 7): Float64Array {
  const x = new Float64Array(2 * L);
  x[0] = 1;
  iterateLinear(rotation(theta), 2, L, x);
  return x;
}
function errs(u: Float64Array, x: Float64Array, T: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < T; t++) out.push(Math.hypot(u[2 * t] - x[2 * t + 2], u[2 * t + 1] - x[2 * t + 3]));
  return out;
}

// docs/theory/autoregressive.md#worked-examples: u^n_t for θ = π/3, linear kernel, η = 1; rows n = 1, 2, 3, ∞; t = 1 … 5
const TABLE: Record<string, number[][]> = {
  '1': [[0, 0], [1 / 4, r3 / 4], [-1 / 2, 0], [-3 / 4, (-3 * r3) / 4], [1 / 2, -r3]],
  '2': [[0, 0], [1 / 4, r3 / 4], [-5 / 8, -r3 / 8], [-3 / 8, (-5 * r3) / 8], [7 / 8, (-3 * r3) / 8]],
  '3': [[0, 0], [1 / 4, r3 / 4], [-5 / 8, -r3 / 8], [-5 / 16, (-9 * r3) / 16], [5 / 8, -r3 / 2]],
  inf: [[0, 0], [1 / 4, r3 / 4], [-5 / 8, -r3 / 8], [-5 / 16, (-9 * r3) / 16], [19 / 32, (-17 * r3) / 32]],
};
const TABLE_ERR: Record<string, number[]> = {
  '1': [1, r3 / 2, 1 / 2, 1 / 2, r3 / 2],
  '2': [1, r3 / 2, r3 / 4, 1 / 4, r3 / 4],
  '3': [1, r3 / 2, r3 / 4, r3 / 8, 1 / 8],
  inf: [1, r3 / 2, r3 / 4, r3 / 8, r3 / 16],
};

describe('causal kernel descent: docs/theory/autoregressive.md#worked-examples rotation table (reconstruction R-C)', () => {
  const x = rotationSequence();
  for (const key of Object.keys(TABLE)) {
    it(`n = ${key}: every u^n_t, t = 1 … 5, to 1e-14`, () => {
      const depths = key === 'inf' ? [Infinity, 4, 5, 9] : [Number(key)];
      for (const depth of depths) {
        const u = ckdPredictions(x, 2, 5, { depth });
        for (let t = 0; t < 5; t++) {
          expect(Math.abs(u[2 * t] - TABLE[key][t][0])).toBeLessThan(1e-14);
          expect(Math.abs(u[2 * t + 1] - TABLE[key][t][1])).toBeLessThan(1e-14);
        }
        const e = errs(u, x, 5);
        for (let t = 0; t < 5; t++) expect(Math.abs(e[t] - TABLE_ERR[key][t])).toBeLessThan(1e-14);
      }
    });
  }

  it('one layer is Σ_j ⟨x_{j−1}, x_t⟩ x_j, and n = 0 predicts 0', () => {
    const y = rotationSequence(0.7, 9);
    const u = ckdPredictions(y, 2, 8, { depth: 1 });
    for (let t = 1; t < 8; t++) {
      const want = [0, 0];
      for (let j = 1; j <= t; j++) {
        const k = y[2 * (j - 1)] * y[2 * t] + y[2 * (j - 1) + 1] * y[2 * t + 1];
        want[0] += k * y[2 * j];
        want[1] += k * y[2 * j + 1];
      }
      expect(u[2 * t]).toBeCloseTo(want[0], 14);
      expect(u[2 * t + 1]).toBeCloseTo(want[1], 14);
    }
    expect(Array.from(ckdPredictions(y, 2, 8, { depth: 0 }))).toEqual(new Array(16).fill(0));
  });

  it('Kaczmarz error is |sin θ||cos θ|^{t−2} for other angles; 0 from t = 2 for θ = π, from t = 3 for θ = π/2', () => {
    for (const theta of [0.3, 1.1, 2.5, -0.9]) {
      const y = rotationSequence(theta, 21);
      const e = errs(kaczmarzPredictions(y, 2, 20), y, 20);
      for (let t = 2; t <= 20; t++) expect(Math.abs(e[t - 1] - Math.abs(Math.sin(theta)) * Math.abs(Math.cos(theta)) ** (t - 2))).toBeLessThan(1e-13);
    }
    const half = rotationSequence(Math.PI / 2, 10);
    const eh = errs(kaczmarzPredictions(half, 2, 9), half, 9);
    for (let t = 3; t <= 9; t++) expect(eh[t - 1]).toBeLessThan(1e-15);
    const flip = rotationSequence(Math.PI, 10);
    const ef = errs(kaczmarzPredictions(flip, 2, 9), flip, 9);
    for (let t = 2; t <= 9; t++) expect(ef[t - 1]).toBeLessThan(1e-15);
  });

  it('fitted geometric rate of the Kaczmarz e(t) is cos²θ (position 1 left out)', () => {
    for (const theta of [Math.PI / 3, 0.4, 2.2]) {
      const y = rotationSequence(theta, 16);
      const c = curveFromPredictions([kaczmarzPredictions(y, 2, 15)], { d: 2, L: 16, S: 1, x: y });
      const r = geometricRate(c.squared)!;
      expect(Math.abs(r.rate - Math.cos(theta) ** 2)).toBeLessThan(1e-12);
      expect(r.fit.points).toBe(14);
      expect(1 - r.fit.r2).toBeLessThan(1e-12);
    }
    expect(geometricRate([1, null, 0.5])).toBeNull();
  });

  it('η = 1 is nilpotent: u^n_t = u^∞_t for n ≥ t − 1 (Haar, d = 5, T = 12)', () => {
    const data = generateSequences({ family: 'haar', d: 5, length: 12, sequences: 1, seed: 3 });
    const inf = kaczmarzPredictions(data.x, 5, 12);
    const u = ckdPredictions(data.x, 5, 12, { depth: 11 });
    for (let i = 0; i < inf.length; i++) expect(Math.abs(u[i] - inf[i])).toBeLessThan(1e-13);
    const u5 = ckdPredictions(data.x, 5, 12, { depth: 5 });
    for (let i = 0; i < 6 * 5; i++) expect(Math.abs(u5[i] - inf[i])).toBeLessThan(1e-13);
    expect(Math.abs(u5[11 * 5] - inf[11 * 5])).toBeGreaterThan(1e-6);
  });

  it('small η approaches the same Kaczmarz point as depth grows (Neural-ODE reading)', () => {
    const data = generateSequences({ family: 'haar', d: 3, length: 6, sequences: 1, seed: 5 });
    const inf = kaczmarzPredictions(data.x, 3, 6);
    const u = ckdPredictions(data.x, 3, 6, { depth: 600, eta: 0.1 });
    for (let i = 0; i < inf.length; i++) expect(Math.abs(u[i] - inf[i])).toBeLessThan(1e-10);
  });
});

describe('exponential kernel: docs/theory/autoregressive.md#worked-examples and E-C3 values to 1e-10', () => {
  it('rotation θ = π/3, n = t − 1: u_2, u_3 and errors for t = 1 … 12', () => {
    const x = rotationSequence(Math.PI / 3, 13);
    const u = ckdPredictions(x, 2, 12, { kernel: 'exp', depth: 11 });
    expect(Math.abs(u[2] - 0.303265329856)).toBeLessThan(1e-10);
    expect(Math.abs(u[3] - 0.525270959485)).toBeLessThan(1e-10);
    expect(Math.abs(u[4] + 0.375639970368)).toBeLessThan(1e-10);
    expect(Math.abs(u[5] - 0.39991440494)).toBeLessThan(1e-10);
    const want = [1, 0.872553025013, 0.741455985127, 0.816759537559, 0.826957177425, 0.5751212059, 0.195168608898, 0.429971516419, 0.444180342673, 0.375293700373, 0.16976212351, 0.162429622163];
    const e = errs(u, x, 12);
    for (let t = 0; t < 12; t++) expect(Math.abs(e[t] - want[t])).toBeLessThan(1e-10);
    const einf = errs(ckdPredictions(x, 2, 12, { kernel: 'exp' }), x, 12);
    for (let t = 0; t < 12; t++) expect(Math.abs(einf[t] - want[t])).toBeLessThan(1e-10);
  });

  it('periodic p = 3 at angles 0, π/2, π: exp kernel converges, linear cycles (E-C3)', () => {
    const pts = Float64Array.of(1, 0, 0, 1, -1, 0);
    const x = periodicSequence(pts, 2, 16);
    const want = [1, 1.065521, 1.367879, 0.227411, 0.572616, 0.185122, 0.185708, 0.136254, 0.025054, 0.046739, 0.026403, 0.003391, 0.009254, 0.004651, 0.000459];
    const e = errs(ckdPredictions(x, 2, 15, { kernel: 'exp' }), x, 15);
    for (let t = 0; t < 15; t++) expect(Math.abs(e[t] - want[t])).toBeLessThan(6e-7);
    const lin = errs(ckdPredictions(x, 2, 15, { kernel: 'linear' }), x, 15);
    const cyc = [1, 1, Math.SQRT2, Math.SQRT2, 0, Math.SQRT2, Math.SQRT2, 0, Math.SQRT2];
    for (let t = 0; t < cyc.length; t++) expect(Math.abs(lin[t] - cyc[t])).toBeLessThan(1e-14);
    const depth = [1.343, 4.321, 9.767, 10.616, 6.614, 2.517, 0.607, 0.0935, 0.00987, 0.000783, 0.000462, 0.000459, 0.000459, 0.000459];
    for (let n = 1; n <= 14; n++) {
      const en = errs(ckdPredictions(x, 2, 15, { kernel: 'exp', depth: n }), x, 15)[14];
      expect(Math.abs(en - depth[n - 1]) / depth[n - 1]).toBeLessThan(2e-3);
    }
  });
});

describe('in-context least squares (minimum norm)', () => {
  it('rotation: u_1 = 0, u_2 = (1/4, √3/4), exact for t ≥ 3', () => {
    const x = rotationSequence(Math.PI / 3, 12);
    const u = leastSquaresPredictions(x, 2, 11);
    expect([u[0], u[1]]).toEqual([0, 0]);
    expect(Math.abs(u[2] - 0.25)).toBeLessThan(1e-15);
    expect(Math.abs(u[3] - r3 / 4)).toBeLessThan(1e-15);
    const e = errs(u, x, 11);
    for (let t = 3; t <= 11; t++) expect(e[t - 1]).toBeLessThan(1e-14);
  });

  it('Haar d = 5: exact once x_1 … x_{t−1} span R^5 (t ≥ 6); before, the min-norm solution', () => {
    const data = generateSequences({ family: 'haar', d: 5, length: 10, sequences: 4, seed: 9 });
    const c = errorCurve(leastSquaresPredictions, data);
    for (let t = 6; t <= 10; t++) expect(c.squared[t - 1]).toBeLessThan(1e-24);
    expect(c.squared[3]).toBeGreaterThan(1e-3);
    // min norm before span: Ŵ x_t with Ŵ = Y X⁺ equals the projection-based formula at t = 2
    const x = data.x.subarray(0, 11 * 5);
    const u = leastSquaresPredictions(x, 5, 10);
    let a = 0;
    let n2 = 0;
    for (let i = 0; i < 5; i++) { a += x[i] * x[5 + i]; n2 += x[i] * x[i]; }
    for (let i = 0; i < 5; i++) expect(Math.abs(u[5 + i] - (x[5 + i] * a) / n2)).toBeLessThan(1e-14);
  });

  it('θ = 0 (A = I): rank-deficient Gram, minimum norm, error 0 from t = 2', () => {
    const x = rotationSequence(0, 8);
    const e = errs(leastSquaresPredictions(x, 2, 7), x, 7);
    for (let t = 2; t <= 7; t++) expect(e[t - 1]).toBeLessThan(1e-15);
    for (const v of leastSquaresPredictions(x, 2, 7)) expect(Number.isFinite(v)).toBe(true);
  });
});

describe('E-C2: finite-depth blow-up is detected and reported, never NaN', () => {
  const data = generateSequences({ family: 'haar', d: 5, length: 50, sequences: 64, seed: 0 });
  it('n = 8, η = 1 grows transiently by orders of magnitude; Kaczmarz decreases', () => {
    const k = errorCurve((x, d, T) => ckdPredictions(x, d, T, { depth: 49 }), data);
    const f = errorCurve((x, d, T) => ckdPredictions(x, d, T, { depth: 8 }), data);
    expect(k.status).toBe('ok');
    expect(k.squared[49]!).toBeLessThan(k.squared[9]!);
    expect(k.squared[49]!).toBeLessThan(0.02);
    expect(f.status).toBe('unstable');
    expect(f.firstUnstable).toBeGreaterThan(10);
    expect(f.squared[49]!).toBeGreaterThan(1e8);
    for (const v of f.squared) expect(v === null || Number.isFinite(v)).toBe(true);
    // positions t ≤ n + 1 equal the Kaczmarz limit (nilpotency)
    for (let t = 1; t <= 9; t++) expect(Math.abs(f.squared[t - 1]! - k.squared[t - 1]!)).toBeLessThan(1e-12);
  });

  it('overflow past float64 is reported as status overflow with null entries', () => {
    // η = 3 > 2: the residuals' diagonal factor (1 − η)^n = (−2)^n leaves float64's range
    const long = generateSequences({ family: 'haar', d: 5, length: 20, sequences: 2, seed: 1 });
    const c = errorCurve((x, d, T) => ckdPredictions(x, d, T, { depth: 1100, eta: 3 }), long);
    expect(c.status).toBe('overflow');
    expect(c.squared.some((v) => v === null)).toBe(true);
    expect(c.squared.every((v) => v === null || Number.isFinite(v))).toBe(true);
  });
});

describe('data and bad input (docs/theory/autoregressive.md#data and docs/theory/autoregressive.md#model-and-loss)', () => {
  it('Haar sampler: orthogonal to 1e-14 and unbiased (E[Q_11] = 0, E[Q_11²] = 1/d)', () => {
    const rng = createRng(11);
    let m1 = 0;
    let m2 = 0;
    const N = 4000;
    const d = 3;
    for (let s = 0; s < N; s++) {
      const Q = haarOrthogonal(rng, d);
      if (s < 50) {
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
          let v = 0;
          for (let k = 0; k < d; k++) v += Q[k * d + i] * Q[k * d + j];
          expect(Math.abs(v - (i === j ? 1 : 0))).toBeLessThan(1e-14);
        }
      }
      m1 += Q[0] / N;
      m2 += (Q[0] * Q[0]) / N;
    }
    // sd of the mean is sqrt(1/(3N)) ≈ 0.009
    expect(Math.abs(m1)).toBeLessThan(0.04);
    expect(Math.abs(m2 - 1 / d)).toBeLessThan(0.03);
  });

  it('sequences are seeded and have unit norms', () => {
    const a = generateSequences({ family: 'haar', d: 4, length: 9, sequences: 3, seed: 2 });
    const b = generateSequences({ family: 'haar', d: 4, length: 9, sequences: 3, seed: 2 });
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    for (let i = 0; i < a.S * a.L; i++) {
      let n2 = 0;
      for (let c = 0; c < 4; c++) n2 += a.x[i * 4 + c] ** 2;
      expect(Math.abs(n2 - 1)).toBeLessThan(1e-14);
    }
  });

  it('refuses a zero token (linear kernel), a norm too large for exp, and periodic data that is not a function', () => {
    const x = Float64Array.of(1, 0, 0, 0, 0, 1, 1, 0);
    expect(() => ckdPredictions(x, 2, 3)).toThrow(/token 2 is zero/);
    const big = Float64Array.of(30, 0, 0, 30, -30, 0);
    expect(() => ckdPredictions(big, 2, 2, { kernel: 'exp' })).toThrow(/token 1 has norm 30.00 > 25/);
    expect(() => periodicSequence(Float64Array.of(1, 0, 0, 1, 1, 0, -1, 0), 2, 8)).toThrow(/points 1 and 3 are equal but their successors/);
    expect(() => ckdPredictions(Float64Array.of(1, 0, 0, 1), 2, 3)).toThrow(/holds 2 tokens of dimension 2; 3 positions need 3/);
    expect(() => leastSquaresPredictions(Float64Array.of(1, 0, NaN, 1), 2, 2)).toThrow(/token 2 is not finite/);
    // a repeated point with the same successor is fine
    expect(() => periodicSequence(Float64Array.of(1, 0, 0, 1, 1, 0, 0, 1), 2, 8)).not.toThrow();
  });

  it('curveFromPredictions: the zero predictor has e(t) = ‖x_{t+1}‖² = 1', () => {
    const data = generateSequences({ family: 'periodic', d: 3, period: 4, length: 6, sequences: 2, seed: 1 });
    const c = curveFromPredictions([new Float64Array(18), new Float64Array(18)], data);
    for (const v of c.squared) expect(Math.abs(v! - 1)).toBeLessThan(1e-15);
  });
});

describe('causal kernel descent over a set in WebAssembly (ckdPredictionsSet) is the reference, sequence by sequence', () => {
  it('linear kernel bit for bit, exp kernel to 1e-12 relative; depths 0 … 8, η ∈ {1, 0.5}, Haar d = 1 … 6 (every mix of the kernel\'s four-column, two-column and single-column passes)', async () => {
    for (const d of [1, 2, 3, 4, 5, 6]) {
      const data = generateSequences({ family: 'haar', d, length: 17, sequences: 5, seed: 11 });
      for (const kernel of ['linear', 'exp'] as const) {
        for (const depth of [0, 1, 3, 8]) {
          for (const eta of [1, 0.5]) {
            const got = await ckdPredictionsSet(data, 16, { kernel, depth, eta });
            expect(got).toHaveLength(5);
            for (let s = 0; s < 5; s++) {
              const want = ckdPredictions(data.x.subarray(s * data.L * d, (s + 1) * data.L * d), d, 16, { kernel, depth, eta });
              if (kernel === 'linear') expect(Array.from(got[s])).toEqual(Array.from(want));
              else for (let i = 0; i < want.length; i++) expect(Math.abs(got[s][i] - want[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i])));
            }
          }
        }
      }
    }
  });

  it('checks its input like the reference, naming the sequence and token', async () => {
    const data = generateSequences({ family: 'haar', d: 2, length: 6, sequences: 3, seed: 2 });
    data.x[2 * data.L * 2 + 2 * 2] = 0;
    data.x[2 * data.L * 2 + 2 * 2 + 1] = 0;
    await expect(ckdPredictionsSet(data, 5, { depth: 2 })).rejects.toThrow(/sequence 3, token 3 is zero/);
    await expect(ckdPredictionsSet(data, 5, { depth: -1 })).rejects.toThrow(/option depth must be an integer/);
    await expect(ckdPredictionsSet(data, 8, { depth: 1 })).rejects.toThrow(/length T must be an integer from 1 to 7/);
  });
});
