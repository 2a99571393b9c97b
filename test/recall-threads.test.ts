// The recall step's forward and backward on several threads (assembly/recall/parallel.ts): each
// thread runs a share of the sentences into its own gradients, added in thread order. Against one
// thread: the same numbers up to the batch sum's reassociation; per thread count: bit for bit.
import { describe, expect, it } from 'vitest';
import type { Precision } from '../src/engine/backend.js';
import type { RecallAttention, RecallModelKind } from '../src/tasks/recall/config.js';
import { RecallGenerator, allocBatch } from '../src/tasks/recall/data.js';
import { createRecallModel } from '../src/tasks/recall/model.js';
import { runRecall } from '../src/tasks/recall/run.js';

const task = { vocab: 12, triggers: 2, outputs: 3, context: 24, alpha: 0.25 };
const B = 37;
const batches = Array.from({ length: 6 }, (_, i) => {
  const b = allocBatch(B, task.context);
  new RecallGenerator(task, 100 + i).fill(b);
  return b;
});

/** Gradients at the third iterate of NGD, and the weights after five steps. */
async function run(model: RecallModelKind, attention: RecallAttention, precision: Precision, threads: number) {
  const m = await createRecallModel({ task, model, attention, kappa: 1, precision, maxBatch: B, threads });
  try {
    expect(m.threads).toBe(threads);
    const losses: number[] = [];
    for (let s = 0; s < 3; s++) losses.push(m.step(batches[s], 0.5).loss);
    const g = m.gradients(batches[3]);
    for (let s = 4; s < 6; s++) losses.push(m.step(batches[s], 0.5).loss);
    const grads = [...(g.W ?? []), ...(g.V ?? []), ...(g.F ?? []), ...(g.lambda ?? [])];
    return { losses: [...losses, g.loss], grads, weights: [...m.W, ...m.V, ...m.F] };
  } finally {
    m.dispose();
  }
}

function worstRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]));
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst / scale;
}

describe('recall step on threads', () => {
  const cases: Array<[RecallModelKind, RecallAttention]> = [['origin', 'linear'], ['origin', 'softmax'], ['origin', 'relu'], ['reparam', 'linear']];
  for (const [model, attention] of cases) {
    it(`${model} ${attention}: 2 and 3 threads agree with one (f64 to 1e-12, f32 to 1e-5) and repeat themselves bit for bit`, async () => {
      for (const precision of ['f64', 'f32'] as const) {
        const tol = precision === 'f64' ? 1e-12 : 1e-5;
        const one = await run(model, attention, precision, 1);
        expect(Math.max(...one.grads.map(Math.abs))).toBeGreaterThan(1e-6);
        for (const threads of [2, 3]) {
          const a = await run(model, attention, precision, threads);
          expect(worstRelative(one.losses, a.losses)).toBeLessThan(tol);
          expect(worstRelative(one.grads, a.grads)).toBeLessThan(tol);
          expect(worstRelative(one.weights, a.weights)).toBeLessThan(tol);
          const b = await run(model, attention, precision, threads);
          expect(b).toEqual(a);
        }
      }
    });
  }

  it('a run on 2 threads (option threads) ends where one thread ends; bad thread counts are refused', async () => {
    const opts = { vocab: 12, triggers: 2, outputs: 3, context: 24, alpha: 0.25, batch: 32, steps: 40, every: 20, evalSize: 64, testSize: 32, seed: 2 };
    const one = await runRecall({ ...opts, threads: 1 });
    const two = await runRecall({ ...opts, threads: 2 });
    expect(two.config.threads).toBe(2);
    expect([one.threads, two.threads]).toEqual([1, 2]);
    expect(two.warnings).toEqual([]);
    expect(Math.abs(two.final.populationLoss - one.final.populationLoss) / one.final.populationLoss).toBeLessThan(1e-12);
    // a js model asked for threads runs on one and says why, as every family's models do (a run refuses the option)
    const js = await createRecallModel({ task, model: 'origin', attention: 'relu', kappa: 1, backend: 'js', maxBatch: B, threads: 2 });
    expect([js.threads, js.threadNote]).toEqual([1, 'training on one thread instead of 2: the js backend has no threads']);
    await expect(runRecall({ ...opts, backend: 'js', threads: 2 })).rejects.toThrow(/option threads applies only with backend wasm/);
    for (const bad of [0, 2.5, 300]) await expect(runRecall({ ...opts, threads: bad })).rejects.toThrow(/option threads must be an integer in \[1, 256\]/);
  });
});
