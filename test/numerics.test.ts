import { describe, expect, it } from 'vitest';
import { svopExample } from '../src/dataset/svop.js';
import { createModel, fromArrays } from '../src/index.js';
import { train, type TrainResult } from '../src/train/run.js';
import { fitLine } from '../src/train/metrics.js';

const svop = svopExample();
const stage1Only = { eta0: 0.1, t0: 900, t1: 0, every: 1 } as const;
const runs = new Map<string, TrainResult>();
async function svopRun(backend: 'wasm' | 'js'): Promise<TrainResult> {
  if (!runs.has(backend)) runs.set(backend, await train(svop, { backend, ...stage1Only }));
  return runs.get(backend)!;
}

describe.each(['wasm', 'js'] as const)('%s: SVOP stage 1 in the separable regime (one-hot, η0 = 0.1, T0 = 900)', (backend) => {
  it('‖W_ov‖ = η0·t to 1e-9 at every step and cos(W_ov, W*_ov) > 1 − 1e-12', async () => {
    const r = await svopRun(backend);
    expect(r.stage1).toHaveLength(901);
    for (const rec of r.stage1) {
      if (rec.step === 0) continue;
      expect(Math.abs(rec.norm - 0.1 * rec.step) / (0.1 * rec.step)).toBeLessThan(1e-9);
      expect(rec.cosine!).toBeGreaterThan(1 - 1e-12);
    }
  });

  it('the loss stays positive and log(loss) falls linearly to about 1e-22', async () => {
    const r = await svopRun(backend);
    for (const rec of r.stage1) expect(rec.loss).toBeGreaterThan(0);
    const tail = r.stage1.filter((x) => x.step >= 100);
    const fit = fitLine(tail.map((x) => x.step), tail.map((x) => Math.log(x.loss)))!;
    expect(fit.r2).toBeGreaterThan(0.999);
    expect(fit.slope).toBeLessThan(0);
    const last = r.stage1[900].loss;
    expect(last).toBeGreaterThan(1e-23);
    expect(last).toBeLessThan(1e-21);
    // Closed form: the direction is W* from the first step (columns (V−1)/V at n(x), −1/V elsewhere,
    // ‖W*‖ = √3 for V = 4), so after t steps every logit gap is η0·t/√3 and the loss is
    // log1p(3·e^{−gap}).
    const gap = (0.1 * 900) / Math.sqrt(3);
    expect(last / Math.log1p(3 * Math.exp(-gap))).toBeCloseTo(1, 10);
  });

  it('the usual formula logsumexp(z) − z_y reads that loss as exactly 0', async () => {
    const r = await svopRun(backend);
    const Wov = r.parameters.Wov; // one-hot: z for x = column x
    const V = 4;
    const z = Array.from({ length: V }, (_, v) => Wov[v * V + 0]);
    const y = z.indexOf(Math.max(...z));
    const lse = Math.max(...z) + Math.log(z.reduce((a, b) => a + Math.exp(b - Math.max(...z)), 0));
    expect(lse - z[y]).toBe(0);
  });

  it('wasm and js agree on this run to 1e-12', async () => {
    const other = await svopRun(backend === 'wasm' ? 'js' : 'wasm');
    const r = await svopRun(backend);
    r.stage1.forEach((rec, i) => {
      expect(Math.abs(rec.loss - other.stage1[i].loss) / rec.loss).toBeLessThan(1e-12);
      expect(Math.abs(rec.norm - other.stage1[i].norm)).toBeLessThanOrEqual(1e-12 * Math.max(1, rec.norm));
    });
  });
});

describe.each(['wasm', 'js'] as const)('%s: runs pushed past the precision end cleanly', (backend) => {
  it.each(['f64', 'f32'] as const)('%s: a large η0 ends stage 1 with the converged status and finite weights', async (precision) => {
    const r = await train(svop, { backend, precision, eta0: 5, t0: 5000, t1: 0, every: 50 });
    expect(r.outcome.stage1!.status).toBe('converged');
    expect(r.outcome.stage1!.steps).toBeLessThan(5000);
    expect(r.outcome.stage1!.steps).toBeGreaterThan(0);
    expect(Array.from(r.parameters.Wov).every(Number.isFinite)).toBe(true);
    // the last recorded loss is tiny but not NaN; stage 2 still ran (0 steps here) without trouble
    const last = r.stage1[r.stage1.length - 1];
    expect(last.step).toBe(r.outcome.stage1!.steps);
    expect(Number.isNaN(last.loss)).toBe(false);
  });

  it('f32: a step beyond float32 range is refused with the overflow status, weights unchanged', async () => {
    const r = await train(svop, { backend, precision: 'f32', algorithm: 'gd', eta0: 1e40, t0: 10, t1: 10, every: 1 });
    expect(r.outcome.stage1).toEqual({ status: 'overflow', steps: 0 });
    expect(r.outcome.stage2).toBeNull();
    expect(Array.from(r.parameters.Wov).every((x) => x === 0)).toBe(true);
  });

  it('weights whose logits overflow give the diverged status, not NaN weights', async () => {
    const model = await createModel(svop, { backend });
    model.setWov(Array.from({ length: 16 }, (_, i) => (Math.floor(i / 4) % 2 ? 1e308 : -1e308)));
    const res = model.stage1(5, 0.1);
    expect(res.status).toBe('diverged');
    expect(res.steps).toBe(0);
    expect([...model.getWov()].every(Number.isFinite)).toBe(true);
  });
});

describe.each(['wasm', 'js'] as const)('%s: the attention backward when one token takes almost all the weight', (backend) => {
  it('dK equals the closed form φ_o·φ_j·(dφ_o − dφ_j) to 1e-12 where 1 − φ_o rounds to 0', async () => {
    // tokens a, b, c; collocation a→b, b→c, c→a; one sample [a, c] with query c and label b = n(a)
    const ds = fromArrays(['a', 'b', 'c'], [
      { context: ['a'], next: 'b' }, { context: ['b'], next: 'c' }, { context: ['c'], next: 'a' },
      { context: ['a', 'c'], next: 'b' },
    ]);
    const model = await createModel(ds, { backend });
    const M = [[0.3, -0.2, 0.5], [0.1, 0.4, -0.6], [-0.7, 0.2, 0.9]]; // W_ov = M (one-hot), rows v, columns t
    model.setWov(M.flat());
    const gap = 50; // K[a, c] − K[c, c]: φ_c = e^−50/(1 + e^−50) ≈ 2e−22, and 1 − φ_a is 0 in float64
    const Wkq = new Float64Array(9);
    Wkq[0 * 3 + 2] = gap;
    model.setWkq(Wkq);
    const phiC = Math.exp(-gap) / (1 + Math.exp(-gap));
    const phiA = 1 / (1 + Math.exp(-gap));
    const col = (t: number) => M.map((row) => row[t]);
    const z = col(0).map((x, v) => phiA * x + phiC * col(2)[v]);
    const mz = Math.max(...z);
    const e = z.map((x) => Math.exp(x - mz));
    const total = e.reduce((s, x) => s + x, 0);
    const pi = 1 / 4;
    const dz = e.map((x, v) => pi * (x / total - (v === 1 ? 1 : 0)));
    const dphi = (t: number) => dz.reduce((s, x, v) => s + x * col(t)[v], 0);
    const expected = phiA * phiC * (dphi(0) - dphi(2));
    const g = model.gradients('stage2').Wkq;
    expect(Math.abs(g[0 * 3 + 2] - expected) / Math.abs(expected)).toBeLessThan(1e-12);
    expect(Math.abs(g[2 * 3 + 2] + expected) / Math.abs(expected)).toBeLessThan(1e-12);
    // the textbook form φ_a(dφ_a − Σ_k φ_k dφ_k) loses it: 1 − φ_a is exactly 0 here
    const textbook = phiA * (dphi(0) - (phiA * dphi(0) + phiC * dphi(2)));
    expect(Math.abs(textbook - expected) / Math.abs(expected)).toBeGreaterThan(0.1);
  });
});
