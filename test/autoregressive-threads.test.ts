// The autoregressive step on several threads (assembly/autoregressive/parallel.ts): each thread
// runs whole sequences, the coordinator adds the workers' gradients in thread order. Against one
// thread: the same numbers up to the batch sum's reassociation; per thread count: bit for bit.
import { describe, expect, it } from 'vitest';
import type { Precision } from '../src/engine/backend.js';
import { generateSequences } from '../src/tasks/autoregressive/data.js';
import type { AttentionKind } from '../src/tasks/autoregressive/kernels/kernels.js';
import { CausalTransformer } from '../src/tasks/autoregressive/transformer.js';

const train = generateSequences({ family: 'haar', d: 3, length: 12, sequences: 11, seed: 5 });
const batch = Array.from({ length: 11 }, (_, i) => i);

/** Loss and gradient, then five Adam steps: the losses and the final weights. */
async function run(attention: AttentionKind, precision: Precision, threads: number) {
  const m = await CausalTransformer.create({ d: 3, T: 12, layers: 2, heads: 2, attention, tied: false, precision, train, seed: 3, initScale: 0.1, threads });
  try {
    expect(m.threads).toBe(threads);
    const g = m.gradient('train', batch);
    const losses = [g.loss];
    for (let s = 0; s < 5; s++) losses.push(m.step(batch, { lr: 1e-2 }).loss);
    return { grad: g.grad, losses, params: m.getParams() };
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

describe('autoregressive step on threads', () => {
  for (const attention of ['linear', 'exp', 'softmax'] as const) {
    it(`${attention}: 2 and 3 threads agree with one thread (f64 to 1e-12, f32 to 1e-5) and repeat themselves bit for bit`, async () => {
      for (const precision of ['f64', 'f32'] as const) {
        const tol = precision === 'f64' ? 1e-12 : 1e-5;
        const one = await run(attention, precision, 1);
        expect(Math.max(...one.grad.map(Math.abs))).toBeGreaterThan(1e-4);
        for (const threads of [2, 3]) {
          const a = await run(attention, precision, threads);
          expect(worstRelative(one.grad, a.grad)).toBeLessThan(tol);
          expect(worstRelative(one.losses, a.losses)).toBeLessThan(tol);
          expect(worstRelative(one.params, a.params)).toBeLessThan(precision === 'f64' ? 1e-12 : 1e-4);
          const b = await run(attention, precision, threads);
          expect(Array.from(b.grad)).toEqual(Array.from(a.grad));
          expect(b.losses).toEqual(a.losses);
          expect(Array.from(b.params)).toEqual(Array.from(a.params));
        }
      }
    });
  }

  it('a batch longer than the threads share evenly, and a batch of one sequence, on 4 threads', async () => {
    const m1 = await CausalTransformer.create({ d: 3, T: 12, layers: 2, heads: 2, attention: 'softmax', train, seed: 3, initScale: 0.1 });
    const m4 = await CausalTransformer.create({ d: 3, T: 12, layers: 2, heads: 2, attention: 'softmax', train, seed: 3, initScale: 0.1, threads: 4 });
    try {
      for (const ids of [[7], [0, 3, 3, 10, 2], batch]) {
        const a = m1.gradient('train', ids);
        const b = m4.gradient('train', ids);
        expect(Math.abs(a.loss - b.loss) / a.loss).toBeLessThan(1e-12);
        expect(worstRelative(a.grad, b.grad)).toBeLessThan(1e-12);
      }
    } finally {
      m4.dispose();
    }
  });

  it('refuses a thread count that is not an integer from 1 to 256; a js model asked for 2 runs on one and says why', async () => {
    for (const bad of [0, 1.5, 257, Number.NaN]) {
      await expect(CausalTransformer.create({ d: 3, T: 12, train, threads: bad })).rejects.toThrow(/option threads must be an integer from 1 to 256/);
    }
    // the rule of every family's models (engine/threads.ts grantThreads)
    const js = await CausalTransformer.create({ d: 3, T: 12, train, backend: 'js', threads: 2 });
    expect([js.threads, js.threadNote]).toEqual([1, 'training on one thread instead of 2: the js backend has no threads']);
    const one = await CausalTransformer.create({ d: 3, T: 12, train, backend: 'js' });
    expect([one.threads, one.threadNote]).toEqual([1, null]);
  });
});
