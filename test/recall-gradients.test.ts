// Finite differences for every trainable tensor and attention variant, and agreement of the
// WebAssembly and pure-TS backends (f64 ~1e-12, f32 ~1e-4), on random sentences and weights.
import { describe, expect, it } from 'vitest';
import { createRng } from '../src/dataset/random.js';
import type { RecallAttention, RecallModelKind, RecallTask } from '../src/tasks/recall/config.js';
import { RecallGenerator, allocBatch } from '../src/tasks/recall/data.js';
import { createRecallModel, type RecallModel } from '../src/tasks/recall/model.js';

const noiseless: RecallTask = { vocab: 7, triggers: 2, outputs: 2, context: 8, alpha: 0 };
const noisy: RecallTask = { vocab: 7, triggers: 2, outputs: 2, context: 8, alpha: 0.3 };

function batchFor(task: RecallTask, B: number, seed: number) {
  const batch = allocBatch(B, task.context);
  new RecallGenerator(task, seed).fill(batch);
  return batch;
}

function randomize(m: RecallModel, seed: number, scale = 0.4) {
  const rng = createRng(seed);
  const r = (n: number) => Float64Array.from({ length: n }, () => scale * (2 * rng.next() - 1));
  if (m.trains.lambda) m.setLambda(r(m.lambda.length).map((x) => 3 * x));
  else if (m.trains.W) m.setTensor('W', r(m.W.length));
  if (m.trains.V) m.setTensor('V', r(m.V.length));
  if (m.trains.F) m.setTensor('F', r(m.F.length));
}

const attentions: RecallAttention[] = ['linear', 'relu', 'softmax'];
const variants: Array<[RecallModelKind, RecallTask, 0 | 1]> = [
  ['origin', noiseless, 1], ['origin', noiseless, 0], ['origin', noisy, 1], ['origin', noisy, 0],
  ['reparam', noiseless, 1], ['reparam', noisy, 1], ['reparam', noisy, 0],
  ['reparam-w', noiseless, 1], ['reparam-w', noisy, 1], ['reparam-w', noisy, 0],
];
const cases = attentions.flatMap((a) => variants.map(([k, t, kappa]) => [a, k, t.alpha, kappa, t] as const));

describe.each(['wasm', 'js'] as const)('central finite differences (%s, f64)', (backend) => {
  it.each(cases)('%s attention, %s, α = %s, κ = %s: every gradient entry within 1e-6', async (attention, model, _a, kappa, task) => {
    const m = await createRecallModel({ task, model, attention, kappa, backend, maxBatch: 4 });
    const batch = batchFor(task, 4, 11);
    randomize(m, 5);
    const g = m.gradients(batch);
    const h = 1e-6;
    let checked = 0;
    const check = (name: 'W' | 'V' | 'F' | 'lambda', grad: Float64Array) => {
      const base = name === 'lambda' ? Float64Array.from(m.lambda) : m[name];
      const set = (x: Float64Array) => (name === 'lambda' ? m.setLambda(x) : m.setTensor(name, x));
      let maxAbs = 0;
      for (let i = 0; i < base.length; i++) {
        const x = Float64Array.from(base);
        x[i] = base[i] + h;
        set(x);
        const up = m.loss(batch);
        x[i] = base[i] - h;
        set(x);
        const down = m.loss(batch);
        const fd = (up - down) / (2 * h);
        expect(Math.abs(fd - grad[i]), `${name}[${i}]`).toBeLessThan(1e-6);
        maxAbs = Math.max(maxAbs, Math.abs(grad[i]));
        checked++;
      }
      set(base);
      // a gradient that is zero everywhere would pass trivially
      expect(maxAbs, name).toBeGreaterThan(1e-3);
    };
    if (g.lambda) check('lambda', g.lambda);
    if (g.W) check('W', g.W);
    if (g.V) check('V', g.V);
    if (g.F) check('F', g.F);
    expect(checked).toBeGreaterThan(0);
  });
});

/** loss, gradients, 5 NGD steps, the weights and per-sentence metrics after them, on a batch of B */
async function trace(backend: 'wasm' | 'js', precision: 'f64' | 'f32', attention: RecallAttention, model: RecallModelKind, task: RecallTask, kappa: 0 | 1, B = 16) {
  const m = await createRecallModel({ task, model, attention, kappa, backend, precision, maxBatch: B });
  const batch = batchFor(task, B, 3);
  randomize(m, 9);
  const g = m.gradients(batch);
  const out: number[] = [g.loss, ...(g.lambda ?? []), ...(g.W ?? []), ...(g.V ?? []), ...(g.F ?? [])];
  for (let t = 0; t < 5; t++) {
    const r = m.step(batch, 0.1);
    out.push(r.loss, r.normW, r.normV, r.normF, r.normLambda);
  }
  out.push(...m.lambda, ...m.W, ...m.V, ...m.F, ...m.evaluate(batch).values);
  return out;
}

// the kernels take the output layers of 32 sentences at a time as matrix products: 75 is two whole
// chunks and a partial one; vocab 7 gives rows of 14 and 7 numbers, not whole f32 vectors
describe.each([['f64', 1e-12, 16], ['f32', 2e-4, 16], ['f64', 1e-12, 75], ['f32', 2e-4, 75]] as const)('wasm and js backends agree (%s, tolerance %s, batch %s)', (precision, tol, B) => {
  it.each(cases)('%s attention, %s, α = %s, κ = %s', async (attention, model, _a, kappa, task) => {
    const a = await trace('wasm', precision, attention, model, task, kappa, B);
    const b = await trace('js', precision, attention, model, task, kappa, B);
    expect(a.length).toBe(b.length);
    const scale = Math.max(1, ...b.map(Math.abs));
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
    expect(worst).toBeLessThan(tol);
    expect(a.every(Number.isFinite)).toBe(true);
  });
});

describe.each(['wasm', 'js'] as const)('numerical trouble (%s)', (backend) => {
  it('a non-finite loss is reported as diverged and the weights stay as they were', async () => {
    const m = await createRecallModel({ task: noisy, model: 'origin', attention: 'softmax', kappa: 1, backend, maxBatch: 4 });
    const batch = batchFor(noisy, 4, 1);
    randomize(m, 2);
    const V = m.V;
    V[3] = Number.POSITIVE_INFINITY;
    m.setTensor('V', V);
    const W = m.W;
    const r = m.step(batch, 0.1);
    expect(r.status).toBe('diverged');
    expect(Array.from(m.W)).toEqual(Array.from(W));
  });
});
