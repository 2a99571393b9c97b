import { describe, expect, it } from 'vitest';
import { fromArrays } from '../src/dataset/format.js';
import type { Dataset } from '../src/dataset/types.js';
import { NtpError } from '../src/errors.js';
import { checkPlan } from '../src/family/limits.js';
import { resolveOptions } from '../src/family/schema.js';
import * as factorized from '../src/tasks/factorized/index.js';
import { TRAIN_OPTIONS, constraintBound, planTrain } from '../src/tasks/factorized/options.js';
import * as pkg from '../src/index.js';

// the three-token worked example of docs/theory/factorized.md: collocation x→y, y→z, z→x; [y,x]→z and
// [y,z]→z select y under the queries x and z, so the stage-2 SVMs have ‖W_F‖_F = 1 and ν* = 2/√3
const rows = [
  { context: ['x'], next: 'y' }, { context: ['y'], next: 'z' }, { context: ['z'], next: 'x' },
  { context: ['y', 'x'], next: 'z' }, { context: ['y', 'z'], next: 'z' },
];
const worked = fromArrays(['x', 'y', 'z'], rows);
const withEmbedding = (E: number[][]): Dataset => ({ ...worked, embedding: E });

describe('factorized.train on the worked example', () => {
  it.each(['wasm', 'js'] as const)('%s: certified SVMs (‖W_F‖ = 1, ν* = 2/√3) and K_f·Q_fᵀ reaches nuc-ratio < 1.02 where the float64 gradient vanishes', async (backend) => {
    const t = await factorized.train(worked, { backend });
    expect(t.constraints).toBe(2);
    expect(Math.abs(t.frobenius.norm - 1)).toBeLessThan(1e-12);
    expect(t.frobenius.kktResidual).toBeLessThan(1e-12);
    expect(t.frobenius.rank).toBe(2);
    expect(t.nuclear.status).toBe('certified');
    expect(Math.abs(t.nuclear.lowerBound - 2 / Math.sqrt(3))).toBeLessThan(2e-9);
    expect(t.nuclear.upperBound).toBeGreaterThanOrEqual(t.nuclear.lowerBound);
    expect(t.nuclear.relativeGap).toBeLessThan(1e-9);
    expect(t.nuclear.rank).toBe(1);
    // the factor norms grow linearly, W quadratically, until the float64 gradient is exactly 0
    expect(t.status).toBe('converged');
    expect(t.steps).toBeLessThan(3000);
    expect(t.final.nucRatio!).toBeGreaterThan(1);
    expect(t.final.nucRatio!).toBeLessThan(1.02);
    expect(t.final.froRatio!).toBeGreaterThan(1.1);
    expect(t.final.cosStar!).toBeGreaterThan(0.99);
    expect(t.final.cosStar!).toBeGreaterThan(t.final.cosF!);
    expect(t.records[0].step).toBe(0);
    expect(t.records.map((r) => r.step).slice(1, 3)).toEqual([100, 200]);
    expect(t.records[t.records.length - 1].step).toBe(t.steps);
    expect(t.Wkq).toHaveLength(9);
    expect(t.warnings).toEqual([]);
  });

  it('the two backends agree on every record (float64)', async () => {
    const [a, b] = await Promise.all([factorized.train(worked, { backend: 'wasm', steps: 500 }), factorized.train(worked, { backend: 'js', steps: 500 })]);
    expect(a.records.map((r) => r.step)).toEqual(b.records.map((r) => r.step));
    a.records.forEach((r, i) => {
      expect(Math.abs(r.cosStar! - b.records[i].cosStar!)).toBeLessThan(1e-9);
      expect(Math.abs(r.loss - b.records[i].loss) / r.loss).toBeLessThan(1e-9);
    });
  });

  it('an orthonormal embedding leaves the SVMs\' norms; a scaled one divides them by the scale² (solved at unit scale)', async () => {
    const s = Math.SQRT1_2;
    // columns of a 5×3 matrix with orthonormal columns; rows per token as the dataset format has them
    const orth = await factorized.train(withEmbedding([[s, s, 0, 0, 0], [s, -s, 0, 0, 0], [0, 0, 0, 1, 0]]), { steps: 0 });
    expect(orth.d).toBe(5);
    expect(Math.abs(orth.frobenius.norm - 1)).toBeLessThan(1e-12);
    expect(Math.abs(orth.nuclear.lowerBound - 2 / Math.sqrt(3))).toBeLessThan(2e-9);
    const big = await factorized.train(withEmbedding([[1e10, 0, 0], [0, 1e10, 0], [0, 0, 1e10]]), { steps: 0 });
    expect(Math.abs(big.frobenius.norm * 1e20 - 1)).toBeLessThan(1e-12);
    expect(Math.abs(big.nuclear.lowerBound * 1e20 - 2 / Math.sqrt(3))).toBeLessThan(2e-9);
    expect(big.frobenius.kktResidual).toBeLessThan(1e-12);
  });

  it('K_f·Q_fᵀ = 0 at a k-gaussian start (Q_f = 0): the cosines are null there, never NaN', async () => {
    const t = await factorized.train(worked, { init: 'k-gaussian', steps: 100, every: 50 });
    expect(t.records[0].cosF).toBeNull();
    expect(t.records[0].cosStar).toBeNull();
    expect(typeof t.records[1].cosStar).toBe('number');
  });

  it('a run whose softmax saturates at once converges with a warning saying so', async () => {
    const t = await factorized.train(withEmbedding([[1e10, 0, 0], [0, 1e10, 0], [0, 0, 1e10]]), { steps: 50 });
    expect(t.status).toBe('converged');
    expect(t.warnings.join()).toMatch(/the softmax saturated/);
  });

  it('f32 with scores past its range: diverged, with the records up to there', async () => {
    const t = await factorized.train(withEmbedding([[1e30, 0, 0], [0, 1e30, 0], [0, 0, 1e30]]), { precision: 'f32', steps: 50 });
    expect(t.status).toBe('diverged');
    expect(t.records.length).toBeGreaterThan(0);
  });
});

describe('typed options, checked at run time', () => {
  it('a misspelled option of each public function is an NtpError naming it with a suggestion', async () => {
    // @ts-expect-error: stesp is not an option
    await expect(factorized.train(worked, { stesp: 5 })).rejects.toThrow(/unknown option "stesp" of factorized.train\(\) \(did you mean "steps"\?\)/);
    // @ts-expect-error: rnus is not an option
    await expect(factorized.experiment('local', { rnus: 2 })).rejects.toThrow(/unknown option "rnus" of factorized.experiment\("local"\) \(did you mean "runs"\?\)/);
    // @ts-expect-error: dss is not an option
    await expect(factorized.experiment('rank', { dss: [1] })).rejects.toThrow(/unknown option "dss" .*did you mean "ds"/);
    // @ts-expect-error: lokal is not an experiment
    await expect(factorized.experiment('lokal', {})).rejects.toThrow(/unknown experiment "lokal" of factorized \(did you mean "local"\?\)/);
    // @ts-expect-error: lamda is not an option
    await expect(factorized.createFactorizedModel(worked, { lamda: 1 })).rejects.toThrow(/lamda/);
    // @ts-expect-error: lr is now eta (the CLI reads --lr with a note; the API takes eta only)
    await expect(factorized.experiment('local', { lr: 0.1 })).rejects.toThrow(NtpError);
    // the deprecated flat names are the namespace's functions
    expect(pkg.createFactorizedModel).toBe(factorized.createFactorizedModel);
    expect(pkg.factorized.train).toBe(factorized.train);
  });

  it('explicit values are kept (λ = 0, m = 1), m > d is refused naming m, and a bad value names its option', async () => {
    const o = resolveOptions(TRAIN_OPTIONS, { lambda: 0, m: 1 }, { fn: 'test' });
    expect(o.lambda).toBe(0);
    expect(o.m).toBe(1);
    await expect(factorized.train(worked, { m: 4 })).rejects.toThrow(/option m .* must be <= d = 3, got 4/);
    await expect(factorized.train(worked, { eta: -1 })).rejects.toThrow(/option eta must be a finite number in \(0, /);
    await expect(factorized.experiment('local', { m: 11 })).rejects.toThrow(/\[1, d = 10\], got 11/);
    await expect(factorized.experiment('local', { band: 0.5 })).rejects.toThrow(/option band must be in \(0, threshold = 0.01\]/);
    const m1 = await factorized.train(worked, { m: 1, steps: 10 });
    expect(m1.m).toBe(1);
    expect(m1.warnings.join()).toMatch(/m = 1 is below min\(d, distinct queries\) = 2/);
  });

  it('a dataset with nothing to separate is refused before training', async () => {
    const flat = fromArrays(['x', 'y'], [{ context: ['x'], next: 'y' }, { context: ['y'], next: 'x' }]);
    await expect(factorized.train(flat)).rejects.toThrow(/nothing to separate/);
  });

  it('plans: the constraint count bounds the SVMs\' Gram matrices, so a dataset with 22,650 of them is refused before anything is allocated', () => {
    expect(constraintBound(worked)).toBe(2);
    const V = 300;
    const vocab = Array.from({ length: V }, (_, i) => `t${i}`);
    const samples: Array<{ context: string[]; next: string }> = [];
    for (let q = 0; q < 150; q++) for (let j = 150; j < 300; j++) samples.push({ context: [vocab[j], vocab[q]], next: vocab[0] });
    const ds = fromArrays(vocab, samples);
    // per query: the 150 other tokens and the query itself (no optimal token here)
    expect(constraintBound(ds)).toBe(22650);
    const plan = planTrain(resolveOptions(TRAIN_OPTIONS, {}, { fn: 'test' }), ds);
    expect(plan.sizes.constraints).toBe(22650);
    expect(() => checkPlan(plan, 'factorized.train()')).toThrow(/would need .* GiB, more than the 4.00 GiB a run may hold \(vocab = 300, d = 300, m = 300, samples = 22500, tokens = 45000, constraints = 22650\)/);
  });
});

describe('the experiments through the API', () => {
  it('local: the common ExperimentResult, one Band per step and metric, the table rows', async () => {
    const e = await factorized.experiment('local', { runs: 2, steps: 20, every: 10, n: 3, T: 4, d: 4, workers: 1 });
    expect(e.family).toBe('factorized');
    expect(e.name).toBe('local');
    expect(e.status).toBe('completed');
    expect(e.data.steps).toEqual([0, 10, 20]);
    const b = e.data.series['KQ.loss'][2]!;
    expect(b.step).toBe(20);
    expect(b.metric).toBe('KQ.loss');
    expect(b.n).toBe(2);
    expect(b.min).toBeLessThanOrEqual(b.mean);
    expect(e.summary.map((r) => r.step)).toEqual([10, 20]);
    expect(e.figures.map((f) => f.name)).toEqual(['local']);
    expect(e.config.runs).toBe(2);
  });

  it('rank: points with Band | null ranks; an infeasible instance completes and is counted', async () => {
    const e = await factorized.experiment('rank', { ns: [5], Ts: [5], ds: [1, 6], runs: 3, workers: 1 });
    expect(e.status).toBe('completed');
    const byD = (d: number) => e.data.points.find((p) => p.series === 'n' && p.d === d)!;
    expect(byD(6).rankF!.mean).toBe(5);
    expect(byD(6).rankF!.n + byD(6).infeasible).toBe(3);
    expect(e.figures.map((f) => f.name)).toEqual(['rank']);
  });
});

describe('the sweep adapters: options from the schemas, validate = resolve + check + plan', () => {
  it('factorized and factorized-rank', async () => {
    const { factorizedFamily, factorizedRankFamily, runOptions, rankInstanceOptions } = factorized;
    expect(factorizedFamily.options).toEqual([...Object.keys(runOptions), 'lr']);
    expect(factorizedRankFamily.options).toEqual(Object.keys(rankInstanceOptions));
    expect(() => factorizedFamily.validate({ n: 10000, T: 10000 })).toThrow(/a factorized run would need .* GiB.*\(n = 10000, T = 10000, d = 10\)/);
    expect(() => factorizedRankFamily.validate({ n: 10000, T: 10000 })).toThrow(/a factorized-rank instance would need/);
    expect(() => factorizedRankFamily.validate({ dd: 3 })).toThrow(/unknown option "dd".*did you mean "d"/);
    const infeasible = await factorizedRankFamily.run({ n: 5, T: 5, d: 1, seed: 0 }, 1);
    expect(infeasible.status).toBe('completed');
    expect(infeasible.final.infeasible).toBe(1);
  });

  it('the experiments\' seeds start at --seed: local with seed 1 and 2 runs has seed 1 and 2 runs\' bands', async () => {
    const base = { runs: 1, steps: 20, every: 10, n: 3, T: 4, d: 4, workers: 1 } as const;
    const [s1, s2, both] = await Promise.all([
      factorized.experiment('local', { ...base, seed: 1 }),
      factorized.experiment('local', { ...base, seed: 2 }),
      factorized.experiment('local', { ...base, runs: 2, seed: 1 }),
    ]);
    const at = (e: typeof s1) => e.data.series['KQ.loss'][2]!.mean;
    expect(Math.abs(at(both) - (at(s1) + at(s2)) / 2)).toBeLessThan(1e-15);
    await expect(factorized.experiment('local', { seed: 2 ** 32 - 1, runs: 2 })).rejects.toThrow(/options seed \(4294967295\) \+ runs \(2\) − 1 must be <= 4294967295/);
  });
});

describe('createFactorizedModel takes a Dataset as createModel does', () => {
  it.each(['wasm', 'js'] as const)('%s: the same model as over the packed dataset; bad datasets and sizes are refused first', async (backend) => {
    const { analyze } = await import('../src/dataset/analyze.js');
    const { packDataset } = await import('../src/engine/packed.js');
    const a = await factorized.createFactorizedModel(worked, { backend, initSeed: 4 });
    const b = await factorized.createFactorizedModel(packDataset(worked, analyze(worked).collocation), { backend, initSeed: 4 });
    a.model.stage1(50, 0.5);
    b.model.stage1(50, 0.5);
    const [ra, rb] = [a.stage2(40, 0.01), b.stage2(40, 0.01)];
    expect(ra.loss).toBe(rb.loss);
    expect(Array.from(a.getWkq())).toEqual(Array.from(b.getWkq()));
    a.dispose();
    b.dispose();
    // the dataset's embedding is used, as createModel uses it
    const e = await factorized.createFactorizedModel(withEmbedding([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]), { backend });
    expect(e.d).toBe(4);
    e.dispose();
    await expect(factorized.createFactorizedModel({ vocab: ['x'], samples: 'no' } as unknown as Dataset, { backend })).rejects.toThrow(/dataset.samples must be an array/);
  });
});
