import { describe, expect, it } from 'vitest';
import { datasetFromTargets, EXAMPLE_1, EXAMPLE_4, EXAMPLE_5 } from '../src/tasks/cyclic/examples.js';
import { train as trainCyclic } from '../src/tasks/cyclic/index.js';

const ds1 = datasetFromTargets(EXAMPLE_1.vocab, EXAMPLE_1.samples);

describe('cyclic training runs (§7.10.1, §9.2)', () => {
  it('frozen-M head, NGD η = 0.025 from zero: an exact period-2 orbit is detected and reported as converged, with the orbit named', async () => {
    const r = await trainCyclic(ds1, { head: 'ce-frozen', optimizer: 'ngd', eta: 0.025, steps: 30_000, every: 1000 });
    expect(r.status).toBe('converged');
    expect(r.orbit).toBe('period-2');
    expect(r.warnings.join('\n')).toContain(`NGD entered an exact period-2 orbit at step ${r.steps}`);
    expect(r.steps).toBeLessThan(30_000);
    // The last two records straddle the orbit's two points.
    const norms = r.records.slice(-2).map((x) => x.norm).sort();
    const losses = r.records.slice(-2).map((x) => x.loss).sort();
    expect(Math.abs(norms[0] - 0.5284)).toBeLessThan(1e-4);
    expect(Math.abs(norms[1] - 0.5297)).toBeLessThan(1e-4);
    expect(Math.abs(losses[0] - 0.390657)).toBeLessThan(1e-6);
    expect(Math.abs(losses[1] - 0.391205)).toBeLessThan(1e-6);
  });

  it('frozen-M head, GD: ‖W‖ = 0.485 at t = 900 and 0.657 at 1e4 (lr 0.01 on π over the 5 attention samples)', async () => {
    // The engine's π also counts the 4 collocation samples, so lr 0.01 there is 0.01·9/5 here.
    const r = await trainCyclic(ds1, { head: 'ce-frozen', optimizer: 'gd', eta: 0.018, steps: 10_000, every: 900 });
    expect(r.status).toBe('completed');
    expect(r.orbit).toBeNull();
    expect(Math.abs(r.records.find((x) => x.step === 900)!.norm - 0.485)).toBeLessThan(1e-3);
    expect(Math.abs(r.records.at(-1)!.norm - 0.657)).toBeLessThan(1e-3);
    expect(r.records.at(-1)!.cosSvm!).toBeGreaterThan(0.998);
  });

  it('§7.10.5: one SCC: GD reaches W_fin and stops as converged; direction metrics are null, not NaN', async () => {
    const r = await trainCyclic(datasetFromTargets(EXAMPLE_5.vocab, EXAMPLE_5.samples), { head: 'selection', optimizer: 'gd', eta: 1, steps: 5000, every: 100 });
    expect(r.svm.status).toBe('no-direction');
    expect(r.status).toBe('converged');
    expect(r.orbit).toBeNull();
    const last = r.records.at(-1)!;
    expect(last.cosSvm).toBeNull();
    expect(last.cosDecomposition).toBeNull();
    expect(last.cosProjected).toBeNull();
    expect(last.R).toBeNull();
    expect(last.finiteGap).toBeLessThan(1e-9);
    expect(Math.abs(last.lossGap)).toBeLessThan(1e-12);
    expect(JSON.stringify(r.records)).not.toContain('NaN');
  });

  it('§7.10.4: an infeasible graph-SVM is a status, and training still runs', async () => {
    const ds = datasetFromTargets(EXAMPLE_4.vocab, EXAMPLE_4.samples, EXAMPLE_4.embedding);
    const r = await trainCyclic(ds, { head: 'selection', steps: 200, every: 100 });
    expect(r.svm.status).toBe('infeasible');
    expect(r.svm.message).toContain('"a" → "c"');
    expect(r.records.at(-1)!.cosSvm).toBeNull();
    expect(Number.isFinite(r.records.at(-1)!.loss)).toBe(true);
  });

  it('A10: the random-init component orthogonal to the gradients is reported and caps A1', async () => {
    const z = await trainCyclic(ds1, { head: 'selection', steps: 10, every: 10 });
    expect(z.frozen).toBe(0);
    const r = await trainCyclic(ds1, { head: 'selection', init: 'default', optimizer: 'gd', eta: 5, steps: 2000, every: 1000 });
    expect(r.frozen).toBeGreaterThan(0.1);
    const last = r.records.at(-1)!;
    expect(last.cosSvm!).toBeLessThanOrEqual(Math.sqrt(1 - (r.frozen / last.norm) ** 2) + 1e-12);
  });

  it('selection head, NGD η = 0.01 from zero: the top-SCC mass → 1 and the loss gap → 0', async () => {
    const r = await trainCyclic(ds1, { head: 'selection', eta: 0.05, steps: 4000, every: 1000, backend: 'js' });
    const last = r.records.at(-1)!;
    expect(last.topSccMin).toBeGreaterThan(0.999);
    expect(last.lossGap).toBeLessThan(1e-3);
    expect(last.lossGap).toBeGreaterThan(0);
    expect(last.cosSvm!).toBeGreaterThan(0.99);
  });
});

describe('the package trainer accepts cyclic data', () => {
  it('Algorithm 1 runs on §7.10.1 (cycles are a report, not a refusal)', async () => {
    const { train } = await import('../src/train/run.js');
    const r = await train(ds1, { t0: 20, t1: 20, every: 10 });
    expect(r.outcome.stage2?.status ?? 'running').not.toBe('diverged');
    expect(r.stage2.at(-1)!.loss).toBeLessThan(r.stage2[0].loss);
  });
});

describe('the bounded remainder ξ and NGD zigzags (§7.10.1)', () => {
  it('GD lr 5: R(t) = 10.64, 14.43, 18.24 and ‖ξ(t)‖ → (√22/11)(ln(6/5) + ln 2/2) = 0.2255220', async () => {
    const r = await trainCyclic(ds1, { head: 'selection', optimizer: 'gd', eta: 5, steps: 100_000, every: 1000 });
    const at = (t: number) => r.records.find((x) => x.step === t)!;
    expect(Math.abs(at(1000).R! - 10.64)).toBeLessThan(0.005);
    expect(Math.abs(at(10_000).R! - 14.43)).toBeLessThan(0.005);
    expect(Math.abs(at(100_000).R! - 18.24)).toBeLessThan(0.005);
    expect(Math.abs(at(1000).residual! - 0.22642)).toBeLessThan(1e-5);
    expect(Math.abs(at(10_000).residual! - 0.225612)).toBeLessThan(1e-5);
    expect(Math.abs(at(100_000).residual! - 0.225531)).toBeLessThan(1e-5);
    const xi = (Math.sqrt(22) / 11) * (Math.log(6 / 5) + Math.LN2 / 2);
    expect(Math.abs(xi - 0.225522)).toBeLessThan(1e-6);
    expect(Math.abs(at(100_000).residual! - xi)).toBeLessThan(2e-5);
  });

  it('NGD η = 0.0025: δ alternates 0.6914 / 0.6949; η = 0.025: cos = 0.99961 at t = 1e5', async () => {
    const { createHeadModel, packHeadData } = await import('../src/tasks/cyclic/kernels/model.js');
    const { cyclicData } = await import('../src/dataset/cyclic-orders.js');
    const { graphSvm } = await import('../src/maxmargin/graph-svm.js');
    const data = cyclicData(ds1);
    const packed = packHeadData(data.V, data.contexts, data.targets, data.weights);
    const m = await createHeadModel('selection', packed);
    m.steps(50_000, 0.0025, true);
    const d1 = m.scores()[3] - m.scores()[7];
    m.steps(1, 0.0025, true);
    const d2 = m.scores()[3] - m.scores()[7];
    expect(Math.abs(Math.min(d1, d2) - 0.6914)).toBeLessThan(1e-4);
    expect(Math.abs(Math.max(d1, d2) - 0.6949)).toBeLessThan(1e-4);
    const n = await createHeadModel('selection', packed);
    n.steps(100_000, 0.025, true);
    const K = n.scores();
    const S = graphSvm(data).K;
    let ks = 0, kk = 0, ss = 0;
    for (let i = 0; i < 16; i++) (ks += K[i] * S[i]), (kk += K[i] * K[i]), (ss += S[i] * S[i]);
    expect(Math.abs(ks / Math.sqrt(kk * ss) - 0.99961)).toBeLessThan(5e-6);
  });
});

describe('gen head on §7.10.1 (M = permutation at scale 1)', () => {
  it('has no finite W_fin: the reduced loss wants all attention on a, so W leaves the W_svm direction', async () => {
    const r = await trainCyclic(ds1, { head: 'gen', optimizer: 'gd', eta: 5, steps: 40_000, every: 20_000 });
    expect(r.fin.status).toBe('unbounded');
    const last = r.records.at(-1)!;
    expect(last.finiteGap).toBeNull();
    expect(last.cosSvm!).toBeLessThan(0.9);
    expect(last.lossGap).toBeGreaterThan(0);
    expect(last.lossGap).toBeLessThan(2e-5);
    // δ = K[a,q] − K[b,q] keeps growing
    expect(r.W[0 * 4 + 3] - r.W[1 * 4 + 3]).toBeGreaterThan(5);
  });
});
