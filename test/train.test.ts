import { beforeAll, describe, expect, it } from 'vitest';
import { svopExample } from '../src/dataset/svop.js';
import { generateRealizable } from '../src/dataset/random.js';
import { predict } from '../src/model/predict.js';
import { train, finish, type TrainResult } from '../src/train/run.js';
import { Trainer } from '../src/train/trainer.js';

const svop = svopExample();
const ids = (s: string) => s.split(' ').map((t) => svop.vocab.indexOf(t));

describe('Algorithm 1 on the SVOP example', () => {
  let r: TrainResult;
  beforeAll(async () => {
    r = await train(svop);
  });

  it('predicts every training sample', () => {
    expect(r.stage2[r.stage2.length - 1].accuracy).toBe(1);
    for (const s of svop.samples) expect(predict(r.parameters, s.context).next).toBe(s.next);
  });

  it('answers Example 2: "S P" → V and "O S P" → P', () => {
    expect(svop.vocab[predict(r.parameters, ids('S P')).next]).toBe('V');
    expect(svop.vocab[predict(r.parameters, ids('O S P')).next]).toBe('P');
    const g = r.generalization!;
    expect(g.accuracy).toBe(1);
    expect(g.cases.map((c) => `${c.context.join(' ')}→${c.expected}`)).toEqual(expect.arrayContaining(['S P→V', 'O S P→P']));
    expect(g.rankingHolds).toBe(1);
  });

  it('uses the paper defaults η0 = 0.2/√d, η = 0.05/√d, T0 = T1 = 900', () => {
    expect(r.config).toMatchObject({ t0: 900, t1: 900, eta0: 0.1, eta1: 0.025, every: 10, algorithm: 'two-stage' });
    expect(r.stage1.map((x) => x.step).slice(0, 3)).toEqual([0, 10, 20]);
    expect(r.stage1[r.stage1.length - 1].step).toBe(900);
  });
});

describe('the paper experiment on the default data (random realizable, |V| = 20)', () => {
  let r: TrainResult;
  const ds = generateRealizable({ vocab: 20, seed: 1 });
  beforeAll(async () => {
    r = await train(ds);
  });

  it('stage 1: ‖W_ov‖ = η0·t and cos(W_ov, W*_ov) > 1 − 1e-9 at every recorded step', () => {
    const eta0 = 0.2 / Math.sqrt(20);
    for (const rec of r.stage1.slice(1)) {
      expect(rec.norm).toBeCloseTo(eta0 * rec.step, 9);
      expect(rec.cosine!).toBeGreaterThan(1 - 1e-9);
    }
    expect(r.stage1[0].loss).toBeCloseTo(Math.log(20), 12);
    expect(r.rates.stage1.norm!.slope).toBeCloseTo(eta0, 12);
  });

  it('stage 2: the loss falls monotonically and cos(W_kq, W*_kq) rises after the first recorded steps', () => {
    const s2 = r.stage2.slice(3);
    for (let i = 1; i < s2.length; i++) {
      expect(s2[i].loss).toBeLessThan(s2[i - 1].loss);
      expect(s2[i].cosine!).toBeGreaterThan(s2[i - 1].cosine!);
    }
    expect(r.stage2[r.stage2.length - 1].cosine!).toBeGreaterThan(0.98);
    expect(r.stage2[r.stage2.length - 1].accuracy).toBe(1);
    // Theorem 2: attention on the optimal tokens grows
    expect(r.stage2[r.stage2.length - 1].optimalAttention).toBeGreaterThan(r.stage2[1].optimalAttention);
    // ‖W_kq‖ grows linearly, at most η per step
    expect(r.rates.stage2.norm!.r2).toBeGreaterThan(0.999);
    expect(r.rates.stage2.norm!.slope).toBeLessThanOrEqual(0.05 / Math.sqrt(20));
    expect(r.rates.stage2.logLoss!.slope).toBeLessThan(0);
  });

  it('generalizes to the theory\'s unseen contexts with accuracy 1', () => {
    expect(r.generalization!.cases.length).toBeGreaterThan(10);
    expect(r.generalization!.accuracy).toBe(1);
  });

  it('the max-margin solution is exact and Proposition 2 holds on complete comparison graphs', () => {
    expect(r.maxMargin!.kktResidual).toBeLessThan(1e-10);
    expect(r.maxMargin!.prop2Gap!).toBeLessThan(1e-10);
  });
});

describe('Proposition 2 fails on incomplete comparison graphs', () => {
  it('reports a positive gap between the closed form and the QP solution', async () => {
    const r = await train(generateRealizable({ vocab: 12, seed: 4, incomplete: true }), { t0: 50, t1: 50 });
    expect(r.maxMargin!.prop2Gap!).toBeGreaterThan(1e-3);
    expect(r.maxMargin!.kktResidual).toBeLessThan(1e-10);
  });
});

describe('baselines and chunked runs', () => {
  const ds = generateRealizable({ vocab: 10, seed: 2 });

  it('plain GD lowers the loss more slowly than NGD with the same step sizes', async () => {
    const ngd = await train(ds, { t0: 200, t1: 200 });
    const gd = await train(ds, { t0: 200, t1: 200, algorithm: 'gd' });
    const last = (x: TrainResult) => x.stage1[x.stage1.length - 1].loss;
    expect(last(gd)).toBeLessThan(gd.stage1[0].loss);
    expect(last(ngd)).toBeLessThan(last(gd));
  });

  it('joint training runs t0 + t1 steps on both layers and reaches full accuracy', async () => {
    const r = await train(ds, { algorithm: 'joint', t0: 300, t1: 300 });
    expect(r.stage1).toHaveLength(0);
    expect(r.stage2[r.stage2.length - 1].step).toBe(600);
    expect(r.outcome.stage2!.status).toBe('completed');
    expect(r.stage2[r.stage2.length - 1].accuracy).toBe(1);
  });

  it('advancing a trainer in odd chunks gives the same records as one run', async () => {
    const whole = await train(ds, { t0: 100, t1: 100 });
    const trainer = await Trainer.create(ds, { t0: 100, t1: 100 });
    while (!trainer.done) trainer.advance(7);
    const chunked = finish(trainer);
    trainer.dispose();
    expect(chunked.stage1).toEqual(whole.stage1);
    expect(chunked.stage2).toEqual(whole.stage2);
  });

  it('rejects bad options by name', async () => {
    await expect(train(ds, { t0: -1 })).rejects.toThrow(/option t0/);
    await expect(train(ds, { eta0: 0 })).rejects.toThrow(/option eta0/);
    await expect(train(ds, { every: 0 })).rejects.toThrow(/option every/);
    await expect(train(ds, { algorithm: 'adam' as never })).rejects.toThrow(/option algorithm/);
    await expect(train(ds, { backend: 'gpu' as never })).rejects.toThrow(/option backend/);
    await expect(train(ds, { precision: 'f16' as never })).rejects.toThrow(/option precision/);
  });
});

describe('a step size too large is reported', () => {
  it('joint training with η0 = η = 100 ends with a higher loss and a warning saying so', async () => {
    const r = await train(generateRealizable({ vocab: 12, seed: 1 }), { algorithm: 'joint', eta0: 100, eta1: 100, t0: 50, t1: 50, every: 1, skipMaxMargin: true });
    expect(r.stage2[r.stage2.length - 1].loss).toBeGreaterThan(r.stage2[0].loss);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/^the loss rose during joint training, from 2\.485 at step 0 to \d\.\d+ at step 100: the step size may be too large$/);
  });

  it('the paper defaults give no warning', async () => {
    const r = await train(svop);
    expect(r.warnings).toEqual([]);
  });
});
