// docs/theory/recall.md#data generator invariants, §11.2 Bayes predictor and metrics, §11.5 closed forms, bad input.
import { describe, expect, it } from 'vitest';
import { validateTask, type RecallTask } from '../src/tasks/recall/config.js';
import { FixedSentences, RecallGenerator, allocBatch } from '../src/tasks/recall/data.js';
import {
  bayesPredict, binaryEntropy, contextOutput, gammaOf, reparamKappa0Floor, reparamNoiselessLoss, reparamNoisyLoss, reparamSoftmaxFloor,
} from '../src/tasks/recall/reference.js';
import { createRecallModel } from '../src/tasks/recall/model.js';
import { NtpError } from '../src/errors.js';

const paper = (alpha: number, context = 256): RecallTask => ({ vocab: 60, triggers: 5, outputs: 4, context, alpha });

describe('generator (docs/theory/recall.md#data)', () => {
  it.each([0, 0.5])('α = %s: trigger last, one (q, y) bigram, (q, τ) only when noisy, no other trigger, targets', (alpha) => {
    const task = paper(alpha, 64);
    const H = task.context;
    const tau = 59;
    const batch = allocBatch(2000, H);
    new RecallGenerator(task, 7).fill(batch);
    let noiseTargets = 0;
    const pCounts = new Float64Array(H);
    const qCounts = new Float64Array(5);
    for (let b = 0; b < batch.B; b++) {
      const z = batch.tokens.subarray(b * H, (b + 1) * H);
      const q = z[H - 1];
      const y = batch.outputs[b];
      expect(q).toBe(batch.triggers[b]);
      if (alpha > 0) expect(q).toBe(0);
      qCounts[q]++;
      expect(y >= 5 && y <= 8).toBe(true);
      expect(z[H - 2]).not.toBe(q);
      const qAt: number[] = [];
      for (let i = 0; i < H; i++) {
        if (z[i] < 5) {
          expect(z[i]).toBe(q);
          qAt.push(i);
        }
        if (z[i] === tau) expect(z[i - 1]).toBe(q);
      }
      expect(qAt.length).toBe(alpha > 0 ? 3 : 2);
      const after = qAt.slice(0, -1).map((i) => z[i + 1]);
      expect(after).toContain(y);
      if (alpha > 0) {
        expect(after).toContain(tau);
        expect(Math.abs(qAt[1] - qAt[0])).toBeGreaterThanOrEqual(2);
      }
      expect(contextOutput(batch.tokens, b * H, H, tau)).toBe(y);
      const t = batch.targets[b];
      if (t === tau) noiseTargets++;
      else expect(t).toBe(y);
      pCounts[z.indexOf(q)]++;
    }
    expect(noiseTargets / batch.B).toBeCloseTo(alpha, 1);
    if (alpha === 0) for (const c of qCounts) expect(c / batch.B).toBeCloseTo(0.2, 1);
    // first trigger occurrence never at the last two positions of 1 … H−2 ranges' complement
    expect(pCounts[H - 2] + pCounts[H - 1]).toBe(0);
  });

  it('unseen-output sentences draw y from Q+Y … N−2, seen ones never do', () => {
    const task = paper(0.5, 32);
    const b = allocBatch(500, 32);
    new RecallGenerator(task, 1, 'unseen').fill(b);
    expect(Math.min(...b.outputs)).toBeGreaterThanOrEqual(9);
    expect(Math.max(...b.outputs)).toBeLessThanOrEqual(58);
    expect(new Set(b.outputs).size).toBeGreaterThan(30);
  });

  it('streams are pinned: the sentences of four settings hash as before the generator drew fillers in one loop', async () => {
    const { createHash } = await import('node:crypto');
    const h = createHash('sha256');
    const settings: Array<[RecallTask, 'seen' | 'unseen']> = [[paper(0.5, 256), 'seen'], [paper(0, 256), 'seen'], [paper(0.5, 256), 'unseen'], [paper(0.3, 7), 'seen']];
    for (const [t, set] of settings) {
      const g = new RecallGenerator(t, 42, set);
      const b = allocBatch(64, t.context);
      for (let i = 0; i < 20; i++) {
        g.fill(b);
        for (const a of [b.tokens, b.targets, b.outputs, b.triggers]) h.update(a);
      }
    }
    // computed with the per-token rng.int generator (commit d0f2700)
    expect(h.digest('hex')).toBe('e132aefee0da1b6741185bf6bb38fcbadfcb996f2306832f1a694b03e98d12ff');
  });

  it('streams: a seed gives one stream, refilled batch by batch; other seeds differ', () => {
    const task = paper(0.2, 16);
    const a = new RecallGenerator(task, 3);
    const b1 = allocBatch(8, 16);
    const b2 = allocBatch(8, 16);
    a.fill(b1);
    const first = Int32Array.from(b1.tokens);
    a.fill(b2);
    expect(Array.from(b2.tokens)).not.toEqual(Array.from(first));
    const again = allocBatch(8, 16);
    new RecallGenerator(task, 3).fill(again);
    expect(Array.from(again.tokens)).toEqual(Array.from(first));
    new RecallGenerator(task, 4).fill(again);
    expect(Array.from(again.tokens)).not.toEqual(Array.from(first));
    const fixed = new FixedSentences(task, 3, 20, 8);
    expect(fixed.batches.map((x) => x.B)).toEqual([8, 8, 4]);
    expect(Array.from(fixed.batches[0].tokens)).toEqual(Array.from(first));
  });

  it('bad input names the option: α ∉ [0, 1), H < 4, triggers/outputs not fitting, d < 2N', async () => {
    const bad = (t: Partial<RecallTask>, re: RegExp) => expect(() => validateTask({ ...paper(0), ...t })).toThrow(re);
    bad({ alpha: 1 }, /alpha must be in \[0, 1\)/);
    bad({ alpha: -0.1 }, /alpha/);
    bad({ context: 3 }, /context must be an integer >= 4/);
    bad({ context: 4, alpha: 0.5 }, /context must be >= 5 in the noisy setting/);
    bad({ triggers: 30, outputs: 29 }, /triggers \(30\) \+ outputs \(29\) must be <= vocab − 2 = 58/);
    bad({ triggers: 0 }, /triggers/);
    await expect(createRecallModel({ task: paper(0), d: 100 })).rejects.toThrow(/d must be an integer >= 2N = 120/);
    await expect(createRecallModel({ task: paper(0), d: 100 })).rejects.toBeInstanceOf(NtpError);
  });
});

describe('Bayes predictor and closed forms (docs/theory/recall.md#bayes-optimal-predictor-and-closed-forms)', () => {
  it('h(α) and the reference values', () => {
    expect(binaryEntropy(0)).toBe(0);
    expect(binaryEntropy(0.2)).toBeCloseTo(0.5004024235, 10);
    expect(binaryEntropy(0.8)).toBeCloseTo(0.5004024235, 10);
    expect(binaryEntropy(0.5)).toBeCloseTo(0.6931471806, 10);
    expect(gammaOf(0.5)).toBe(0);
  });

  it('p* = (1−α)δ_y + αδ_τ read from the context; its loss on sampled targets is h(α) up to sampling noise', () => {
    const task = paper(0.2, 32);
    const b = allocBatch(20000, 32);
    new RecallGenerator(task, 2).fill(b);
    let loss = 0;
    for (let i = 0; i < b.B; i++) {
      const p = bayesPredict(task, Array.from(b.tokens.subarray(i * 32, (i + 1) * 32)));
      expect(p[b.outputs[i]]).toBeCloseTo(0.8, 15);
      loss -= Math.log(p[b.targets[i]]);
    }
    // std of −ln p* per sentence is √(α(1−α))·ln 4 ≈ 0.55: 4σ/√20000 ≈ 0.016
    expect(Math.abs(loss / b.B - binaryEntropy(0.2))).toBeLessThan(0.016);
  });

  it('closed-form curves of §11.5 at N = 60', () => {
    const rows: Array<[number, number, number[]]> = [
      [0.2, 0.1, [4.359025, 3.394634, 0.772443, 0.502507, 0.500403]],
      [0.5, 0.1, [4.094345, 3.15004, 0.871628, 0.694463, 0.693147]],
      [0.8, 0.1, [3.034099, 2.16194, 0.575658, 0.500929, 0.500402]],
      [0.2, 0.5, [4.359025, 0.772443, 0.500402, 0.500402, 0.500402]],
    ];
    for (const [alpha, eta, want] of rows) {
      [0, 10, 50, 100, 200].forEach((t, i) => expect(reparamNoisyLoss(60, alpha, eta * t)).toBeCloseTo(want[i], 6));
    }
    [4.094345, 3.656486, 1.988668, 0.515186, 0.007669].forEach((w, i) => expect(reparamNoiselessLoss(60, 5, 0.1 * [0, 10, 50, 100, 200][i])).toBeCloseTo(w, 6));
    [1.59061, 2.731916, 2.693074].forEach((w, i) => expect(reparamKappa0Floor(60, [0.2, 0.5, 0.8][i])).toBeCloseTo(w, 6));
    expect(reparamSoftmaxFloor(60, 0)).toBeCloseTo(3.12258, 6);
    [3.394634, 3.15004, 2.16194].forEach((w, i) => expect(reparamSoftmaxFloor(60, [0.2, 0.5, 0.8][i])).toBeCloseTo(w, 6));
  });
});
