import { describe, expect, it } from 'vitest';
import { svopExample } from '../src/dataset/svop.js';
import { createModel } from '../src/index.js';
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
