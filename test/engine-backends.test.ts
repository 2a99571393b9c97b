import { describe, expect, it } from 'vitest';
import { createEngineModel } from '../src/engine/create.js';
import type { Model, Precision } from '../src/engine/backend.js';
import type { EmbeddingSpec } from '../src/engine/embedding.js';
import { randomArray, randomPacked, relErr } from './helpers/random-data.js';

const V = 9;
const data = randomPacked(V, 20, 6, 7);
const tolerance: Record<Precision, number> = { f64: 1e-12, f32: 1e-4 };

const embeddings: Array<[string, EmbeddingSpec, number]> = [
  ['one-hot', 'onehot', V],
  ['orthonormal', 'orthonormal', V + 2],
  ['gaussian', 'gaussian', 6],
];

/** Everything a model exposes after some work, flattened for comparison. */
async function trace(model: Model) {
  const d = model.d;
  model.setWov(randomArray(V * d, 1, 1));
  model.setWkq(randomArray(d * d, 1, 2));
  const out: Record<string, number[]> = {};
  const g1 = model.gradients('stage1');
  const g2 = model.gradients('stage2');
  const gj = model.gradients('joint');
  out.losses = [model.stage1Loss(), model.evaluate().loss, g1.loss, g2.loss, gj.loss];
  out.grads = [...g1.Wov, ...g2.Wkq, ...gj.Wov, ...gj.Wkq];
  model.setWov(new Float64Array(V * d));
  model.setWkq(new Float64Array(d * d));
  const r1 = model.stage1(50, 0.1);
  const r2 = model.stage2(50, 0.05);
  const ev = model.evaluate();
  out.ngd = [...model.getWov(), ...model.getWkq(), r1.loss, r2.loss, r1.gradNorm, r2.gradNorm, ev.loss, ev.minOptimalAttention, ev.accuracy];
  const rj = model.joint(20, 0.1, 0.05);
  out.joint = [...model.getWov(), ...model.getWkq(), rj.loss, rj.gradNorm];
  const rg = model.stage2(20, 0.5, false);
  out.gd = [...model.getWkq(), rg.loss];
  return out;
}

describe.each(['f64', 'f32'] as const)('wasm and js backends agree (%s)', (precision) => {
  it.each(embeddings)('%s embedding: loss, gradients, 50 NGD steps per stage, joint and plain GD', async (_n, embedding, d) => {
    const a = await trace(await createEngineModel(data, { backend: 'wasm', precision, embedding, d, seed: 3 }));
    const b = await trace(await createEngineModel(data, { backend: 'js', precision, embedding, d, seed: 3 }));
    for (const key of Object.keys(a)) {
      expect(relErr(a[key], b[key]), key).toBeLessThan(tolerance[precision]);
      expect(a[key].every(Number.isFinite), key).toBe(true);
    }
    // the weights moved: agreement of two zero vectors would prove nothing
    expect(Math.hypot(...a.ngd.slice(0, V * d))).toBeGreaterThan(1);
  });
});

describe('an explicit identity embedding gives the one-hot results exactly', () => {
  it.each(['wasm', 'js'] as const)('%s', async (backend) => {
    const identity = Array.from({ length: V }, (_, i) => Array.from({ length: V }, (_, j) => (i === j ? 1 : 0)));
    const a = await trace(await createEngineModel(data, { backend, embedding: 'onehot' }));
    const b = await trace(await createEngineModel(data, { backend, embedding: identity }));
    for (const key of Object.keys(a)) expect(b[key], key).toEqual(a[key]);
  });
});
