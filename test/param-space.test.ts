// Parameter space (assembly/param-space.ts, src/engine/js-param.ts) against token space: the same
// losses, gradients and trajectories to rounding, on both backends and both precisions, and with
// threads bit for bit the one-thread run.
import { describe, expect, it } from 'vitest';
import { createEngineModel } from '../src/engine/create.js';
import type { Model, Objective } from '../src/engine/backend.js';
import { randomArray, randomPacked } from './helpers/random-data.js';
import { generateRealizable } from '../src/dataset/random.js';
import { train, type TrainResult } from '../src/train/run.js';
import { checkModelSize, modelBytes } from '../src/engine/limits.js';

/** Largest difference relative to the largest magnitude of b. */
function rel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return m === 0 ? d : d / m;
}

const V = 9;
const d = 4;
// contexts up to 6 tokens with repeats, 40 samples
const data = randomPacked(V, 40, 6, 3);

async function pair(backend: 'wasm' | 'js', precision: 'f64' | 'f32' = 'f64'): Promise<[Model, Model]> {
  const opts = { backend, precision, embedding: 'gaussian' as const, d, seed: 3 };
  const token = await createEngineModel(data, { ...opts, space: 'token' });
  const param = await createEngineModel(data, { ...opts, space: 'parameter' });
  expect(token.space).toBe('token');
  expect(param.space).toBe('parameter');
  for (const m of [token, param]) {
    m.setWov(randomArray(V * d, 1.5, 11));
    m.setWkq(randomArray(d * d, 1.5, 12));
  }
  return [token, param];
}

describe.each(['wasm', 'js'] as const)('%s backend: parameter space equals token space', (backend) => {
  it.each(['stage1', 'stage2', 'joint'] as const)('%s loss and gradients to 1e-12', async (objective: Objective) => {
    const [token, param] = await pair(backend);
    const a = token.gradients(objective);
    const b = param.gradients(objective);
    expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-12);
    expect(rel(b.Wov, a.Wov)).toBeLessThan(1e-12);
    expect(rel(b.Wkq, a.Wkq)).toBeLessThan(1e-12);
    expect(Math.hypot(...a.Wov) + Math.hypot(...a.Wkq)).toBeGreaterThan(1e-3);
    const ea = token.evaluate();
    const eb = param.evaluate();
    expect(Math.abs(eb.loss - ea.loss) / ea.loss).toBeLessThan(1e-12);
    expect(eb.accuracy).toBe(ea.accuracy);
    expect(Math.abs(eb.minOptimalAttention - ea.minOptimalAttention)).toBeLessThan(1e-12);
  });

  it('trajectories of stage 1, stage 2 and joint steps (NGD and GD) to 1e-12', async () => {
    const [token, param] = await pair(backend);
    for (const m of [token, param]) {
      m.stage1(30, 0.1, true);
      m.stage2(30, 0.1, true);
      m.joint(20, 0.05, 0.05, false);
    }
    expect(rel(param.getWov(), token.getWov())).toBeLessThan(1e-12);
    expect(rel(param.getWkq(), token.getWkq())).toBeLessThan(1e-12);
    const r1 = token.stage2(5, 0.1);
    const r2 = param.stage2(5, 0.1);
    expect(Math.abs(r2.loss - r1.loss) / r1.loss).toBeLessThan(1e-12);
    expect(Math.abs(r2.gradNorm - r1.gradNorm) / r1.gradNorm).toBeLessThan(1e-12);
    expect(r2.start.accuracy).toBe(r1.start.accuracy);
  });

  it('float32: parameter space within float32 rounding of token space', async () => {
    const [token, param] = await pair(backend, 'f32');
    for (const o of ['stage1', 'joint'] as const) {
      const a = token.gradients(o);
      const b = param.gradients(o);
      expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-5);
      expect(rel(b.Wkq, a.Wkq)).toBeLessThan(1e-4);
      expect(rel(b.Wov, a.Wov)).toBeLessThan(1e-4);
    }
  });
});

describe('parameter space: wasm against js, blocks and threads', () => {
  // more samples than a block (64) and a vocabulary not a multiple of the panel or the lanes
  const big = randomPacked(203, 150, 7, 9);
  it('wasm equals js to 1e-12 over several blocks', async () => {
    const opts = { embedding: 'gaussian' as const, d: 13, seed: 2, space: 'parameter' as const };
    const w = await createEngineModel(big, { ...opts, backend: 'wasm' });
    const j = await createEngineModel(big, { ...opts, backend: 'js' });
    for (const m of [w, j]) {
      m.setWov(randomArray(203 * 13, 1, 4));
      m.setWkq(randomArray(13 * 13, 1, 5));
    }
    for (const o of ['stage1', 'stage2', 'joint'] as const) {
      const a = j.gradients(o);
      const b = w.gradients(o);
      expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-12);
      expect(rel(b.Wov, a.Wov)).toBeLessThan(1e-12);
      expect(rel(b.Wkq, a.Wkq)).toBeLessThan(1e-12);
    }
  });

  it('2 and 3 threads give the one-thread trajectory bit for bit (stage 1, stage 2, joint; f64 and f32)', async () => {
    const ds = generateRealizable({ vocab: 96, seed: 7 });
    const numbers = (r: TrainResult) => [...r.stage1.map((x) => x.loss), ...r.stage2.flatMap((x) => [x.loss, x.accuracy, x.optimalAttention]), ...Array.from(r.parameters.Wov), ...Array.from(r.parameters.Wkq)];
    for (const precision of ['f64', 'f32'] as const) {
      for (const algorithm of ['two-stage', 'joint'] as const) {
        const opts = { t0: 40, t1: 40, every: 10, embedding: 'gaussian' as const, d: 20, precision, algorithm, skipMaxMargin: true };
        const one = await train(ds, { ...opts, threads: 1 });
        expect(one.config.space).toBe('parameter');
        for (const threads of [2, 3]) expect(numbers(await train(ds, { ...opts, threads }))).toEqual(numbers(one));
      }
    }
  });
});

describe('parameter-space sizes', () => {
  it('Brown news at d = 256 fits in parameter space and not in token space', () => {
    // |V| = 12,446 words, 80,212 samples of at most 32 tokens (the figures)
    const z = { V: 12446, d: 256, N: 80212, totalTokens: 80212 * 32, C: 12446, maxLength: 32, precision: 'f64' as const, oneHot: false };
    expect(() => checkModelSize({ ...z, space: 'token' })).toThrow(/would need 4\.\d\d GiB/);
    expect(() => checkModelSize({ ...z, space: 'parameter' })).not.toThrow();
    // O(|V|·d): the six |V|×d matrices dominate, about 153 MB
    expect(modelBytes({ ...z, space: 'parameter' })).toBeLessThan(2 ** 28);
  });
});
