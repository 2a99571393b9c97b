// Training runs against the closed forms of docs/theory/recall.md#bayes-optimal-predictor-and-closed-forms at the paper's N = 60, the run's
// records and refusals, the SweepFamily contract, and `ntp recall`.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { runExperiment } from '../src/tasks/recall/experiments.js';
import { binaryEntropy, reparamNoisyLoss, reparamSoftmaxFloor } from '../src/tasks/recall/reference.js';
import { resolveRecallRun, runRecall } from '../src/tasks/recall/run.js';
import { recallFamily } from '../src/tasks/recall/sweep.js';
import { capture } from './helpers/cli.js';

const small = { vocab: 60, triggers: 5, outputs: 4, context: 24, batch: 64, evalSize: 128, testSize: 64 };

describe('population runs against docs/theory/recall.md#bayes-optimal-predictor-and-closed-forms (N = 60)', () => {
  it.each([0.2, 0.5, 0.8])('Reparam-Linear-FA, α = %s: Λ_t = ηt exactly and L̂_t = h(α) + ln(1 + (1−α)(N−2)e^{−ηt}) on held-out and unseen outputs', async (alpha) => {
    const t = await runRecall({ ...small, model: 'reparam', attention: 'linear', kappa: 1, alpha, steps: 120, every: 10, eta: 0.1, seed: 1 });
    expect(t.records.length).toBe(13);
    for (const r of t.records) {
      expect(Math.abs(r.lambda! - 0.1 * r.step)).toBeLessThan(1e-12);
      const L = reparamNoisyLoss(60, alpha, 0.1 * r.step);
      expect(Math.abs(r.excessRisk + binaryEntropy(alpha) - L)).toBeLessThan(1e-12);
      expect(Math.abs(r.closedFormLoss! - L)).toBeLessThan(1e-12);
      // the logits never depend on which y: unseen outputs generalise exactly
      expect(Math.abs(r.testExcessRisk - r.excessRisk)).toBeLessThan(1e-12);
      // excess ≤ (1−α)(N−2)e^{−ηt}
      expect(r.excessRisk).toBeLessThanOrEqual((1 - alpha) * 58 * Math.exp(-0.1 * r.step) * (1 + 1e-12));
      expect(r.excessRisk).toBeGreaterThan(0);
    }
    expect(t.final.prNoise).toBeCloseTo(alpha * (1 - 58 * (1 - alpha) * Math.exp(-12)), 6);
    expect(t.bayesRisk).toBe(binaryEntropy(alpha));
  });

  it.each([0, 0.2, 0.5, 0.8])('Reparam-Softmax-FA, α = %s, reaches the floor of §11.5, not h(α)', async (alpha) => {
    const t = await runRecall({ ...small, model: 'reparam', attention: 'softmax', kappa: 1, alpha, steps: 400, every: 400, eta: 0.5, seed: 2 });
    const floor = reparamSoftmaxFloor(60, alpha);
    expect(Math.abs(t.final.excessRisk + binaryEntropy(alpha) - floor)).toBeLessThan(1e-9);
    expect(floor - binaryEntropy(alpha)).toBeGreaterThan(1.5);
  });

  it('Reparam-Linear, noiseless: the training loss goes to 0 (f64 keeps the tiny excess risk exact, no cancellation)', async () => {
    const t = await runRecall({ ...small, model: 'reparam', attention: 'linear', alpha: 0, steps: 600, every: 100, eta: 0.1, seed: 3 });
    const ex = t.records.map((r) => r.excessRisk);
    for (let i = 1; i < ex.length; i++) expect(ex[i]).toBeLessThan(ex[i - 1]);
    expect(t.final.excessRisk).toBeGreaterThan(0);
    expect(t.final.excessRisk).toBeLessThan(1e-8);
    expect(t.final.prOutput).toBeGreaterThan(1 - 1e-8);
  });

  it('Origin-Linear-FA trains (W from step 2, V from step 3) and reaches a small training loss; Origin-Linear-F is refused', async () => {
    const t = await runRecall({ ...small, model: 'origin', attention: 'linear', kappa: 1, alpha: 0, steps: 3, every: 1, seed: 4 });
    expect(t.records.map((r) => r.normW! > 0)).toEqual([false, true, true, false]);
    expect(t.records.map((r) => r.normV! > 0)).toEqual([false, false, true, false]);
    expect(() => resolveRecallRun({ model: 'origin', attention: 'linear', kappa: 0 })).toThrow(/never trains attention/);
    await expect(runRecall({ model: 'origin', attention: 'linear', kappa: 0 })).rejects.toMatchObject({ code: 'frozen-attention' });
  });

  it('finite-sample run: γ from α̂, records per epoch, and α̂ = 1 is refused', async () => {
    const t = await runRecall({ ...small, model: 'reparam', attention: 'relu', alpha: 0.5, samples: 256, steps: 40, eta: 0.1, seed: 5 });
    expect(t.alphaHat).not.toBeNull();
    expect(t.gamma).toBeCloseTo(Math.log(t.alphaHat! / (1 - t.alphaHat!)), 14);
    expect(t.records.map((r) => r.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await expect(runRecall({ ...small, model: 'reparam', alpha: 0.999, samples: 64, steps: 1, batch: 64, seed: 0 })).rejects.toThrow(/α̂ = 1/);
  });
});

describe('SweepFamily and experiments', () => {
  it('recallFamily.run is deterministic from the config, and validate names the option', async () => {
    const cfg = { ...small, model: 'reparam-w', attention: 'relu', alpha: 0.5, steps: 10, seed: 9 };
    const a = await recallFamily.run(cfg, 5);
    const b = await recallFamily.run(cfg, 5);
    expect(a).toEqual(b);
    expect(a.records.map((r) => r.step)).toEqual([0, 5, 10]);
    expect(a.status).toBe('completed');
    expect(() => recallFamily.validate({ alpha: 1 })).toThrow(/alpha must be a finite number in \[0, 1\)/);
    expect(() => recallFamily.validate({ context: 3 })).toThrow(/context/);
    expect(() => recallFamily.validate({ colour: 3 })).toThrow(/unknown option "colour"/);
  });

  it('closed-forms: L̂_t and Λ_t to 1e-12, softmax floors to 1e-9, κ = 0 floor to O(η²)', async () => {
    const r = await runExperiment('closed-forms', { ...small, steps: 60, evalSize: 64, testSize: 32 });
    const rows = r.summary;
    expect(rows.filter((x) => x.model === 'Reparam-Linear-FA').length).toBe(3 * 5);
    for (const x of rows) {
      const tol = x.model === 'Reparam-Linear-FA' ? 1e-12 : x.model === 'Reparam-Softmax-FA' ? 1e-9 : 5e-3;
      expect(x.absDiff as number, `${x.model} ${x.alpha} ${x.quantity}`).toBeLessThan(tol);
    }
    expect(r.figures[0].name).toBe('closed-forms');
  });

  it('alpha-sweep: one model at α = 0, 0.2, 0.5, 0.8; logits: three linear models at α = 0.2, 0.5, 0.8 with ξ_A and ξ_F panels', async () => {
    const sweep = await runExperiment('alpha-sweep', { ...small, model: 'reparam', attention: 'linear', steps: 40, every: 20 });
    expect(sweep.data.runs.map((t) => t.config.alpha)).toEqual([0, 0.2, 0.5, 0.8]);
    // Reparam-Linear-FA, noisy: L̂_40 = h(α) + ln(1 + (1−α)(N−2)e^{−4}) whatever α
    for (const t of sweep.data.runs.slice(1)) expect(Math.abs(t.final.lossHat - reparamNoisyLoss(60, t.config.alpha, 4))).toBeLessThan(1e-12);
    const logits = await runExperiment('logits', { ...small, samples: 64, steps: 4, evalSize: 64 });
    expect(logits.data.runs.map((t) => `${t.label} ${t.config.alpha}`)).toEqual(['Reparam-Linear-FA 0.2', 'Reparam-Linear-W-FA 0.2', 'Origin-Linear-FA 0.2', 'Reparam-Linear-FA 0.5', 'Reparam-Linear-W-FA 0.5', 'Origin-Linear-FA 0.5', 'Reparam-Linear-FA 0.8', 'Reparam-Linear-W-FA 0.8', 'Origin-Linear-FA 0.8']);
    expect(JSON.stringify(logits.figures[0].spec)).toContain('max ξ_A');
    // the Reparam model's attention logit of y is Λ exactly, and its feed-forward logit of τ is γ + Λ
    const rep = logits.data.runs[0];
    for (const r of rep.records) {
      expect(r.xiAOutput).toBeCloseTo(r.lambda!, 12);
      expect(r.xiFNoise).toBeCloseTo(rep.gamma! + r.lambda!, 12);
    }
  });

  it('figure2 (finite-sample, ReLU, noisy): three models, population and test loss per epoch', async () => {
    const r = await runExperiment('figure2', { ...small, samples: 128, steps: 8, evalSize: 64 });
    expect(r.data.runs.map((t) => t.label)).toEqual(['Reparam-ReLU-FA', 'Reparam-ReLU-W-FA', 'Origin-ReLU-FA']);
    expect(r.figures.map((f) => f.name)).toEqual(['figure2']);
    expect(r.data.runs.every((t) => t.config.alpha === 0.5 && t.records.length === 5)).toBe(true);
  });
});

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'ntp-recall-'));
  dirs.push(d);
  return d;
};
const tiny = ['--vocab', '12', '--triggers', '2', '--outputs', '2', '--context', '10', '--batch', '16', '--eval-size', '32', '--test-size', '16'];

describe('ntp recall', () => {
  it('writes trajectory.json with bayesRisk and records, and a figure with the Bayes risk line', async () => {
    const out = join(tmp(), 'run');
    const io = capture();
    const code = await main(['recall', 'train', ...tiny, '--model', 'reparam', '--alpha', '0.5', '--steps', '30', '--every', '10', '--eta', '0.5', '--out', out], io);
    expect(io.err).toBe('');
    expect(code).toBe(0);
    const t = JSON.parse(readFileSync(join(out, 'trajectory.json'), 'utf8'));
    expect(t.bayesRisk).toBeCloseTo(Math.log(2), 15);
    expect(t.records.map((r: { step: number }) => r.step)).toEqual([0, 10, 20, 30]);
    for (const k of ['loss', 'testLoss', 'excessRisk']) expect(typeof t.records[3][k]).toBe('number');
    expect(t.records[3].excessRisk).toBeCloseTo(reparamNoisyLoss(12, 0.5, 15) - Math.log(2), 12);
    const svg = readFileSync(join(out, 'figure.svg'), 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('Bayes risk h(0.5)');
    expect(io.out).toContain('Reparam-Linear-FA');
  });

  it('a step size that overflows float32 (η = 1e38, softmax): a warning naming the step, the records kept, exit 1', async () => {
    const out = join(tmp(), 'overflow');
    const io = capture();
    const code = await main(['recall', 'train', '--eta', '1e38', '--attention', 'softmax', '--precision', 'f32', '--steps', '20', '--out', out], io);
    expect(code).toBe(1);
    expect(io.err).toMatch(/^warning: Origin-Softmax-FA: step \d+: the loss or a gradient stopped being finite; the run stopped with the last finite weights\n/);
    expect(io.err).toMatch(/\nerror: the run diverged/);
    const t = JSON.parse(readFileSync(join(out, 'trajectory.json'), 'utf8'));
    expect(t.status).toBe('diverged');
    // every recorded number is finite (JSON has no NaN): the last record is the last finite step
    for (const r of t.records) for (const k of ['loss', 'testLoss']) expect(Number.isFinite(r[k]), `${k} at step ${r.step}`).toBe(true);
  });

  it('a model that cannot train: exit 1 naming the options and no output; out-of-range or conflicting flags: exit 2 naming them', async () => {
    {
      const out = join(tmp(), 'bad');
      const io = capture();
      expect(await main(['recall', 'train', ...tiny, '--model', 'origin', '--attention', 'linear', '--kappa', '0', '--out', out], io)).toBe(1);
      expect(io.err).toMatch(/never trains attention/);
      expect(existsSync(out)).toBe(false);
    }
    for (const [args, re] of [
      [['--alpha', '1'], /--alpha must be a finite number in \[0, 1\)/],
      [['--context', '3'], /--context must be an integer in \[4, /],
      [['--d', '4'], /--d must be an integer in \[8, /],
      [['--d', '20'], /--d must be >= 2N = 24/],
      [['--triggers', '6', '--outputs', '5'], /--triggers \(6\) \+ --outputs \(5\) must be <= --vocab − 2/],
      [['--vocab', '5000'], /--vocab must be an integer in \[4, 4096\]/],
      [['--batch', '2000000', '--context', '256'], /exceed the 268435456 a run may hold/],
    ] as const) {
      const out = join(tmp(), 'bad');
      const io = capture();
      expect(await main(['recall', 'train', ...tiny, ...args, '--out', out], io), args.join(' ')).toBe(2);
      expect(io.err).toMatch(re);
      expect(existsSync(out)).toBe(false);
    }
    const io = capture();
    expect(await main(['recall', 'train', '--colour', 'red'], io)).toBe(2);
    expect(io.err).toMatch(/unknown option --colour/);
  });
});

describe('a recall model on a reused WebAssembly instance', () => {
  it('starts from zero init after another model of the process was disposed (the pooled memory is cleared)', async () => {
    const cfg = { ...small, model: 'reparam' as const, attention: 'linear' as const, alpha: 0.5, steps: 20, every: 10, eta: 0.1, seed: 2 };
    const fresh = await runRecall(cfg);
    const { train: trainCore, generateRealizable } = await import('../src/index.js');
    await trainCore(generateRealizable({ vocab: 8, seed: 3 }), { t0: 5, t1: 5 });
    const after = await runRecall(cfg);
    expect(after.final.lossHat).toBe(fresh.final.lossHat);
    expect(Math.abs(after.final.lossHat - reparamNoisyLoss(60, 0.5, 2))).toBeLessThan(1e-12);
  });
});
