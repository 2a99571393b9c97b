import { describe, expect, it } from 'vitest';
import { createEngineModel } from '../src/engine/create.js';
import type { Model, Objective } from '../src/engine/backend.js';
import type { EmbeddingSpec } from '../src/engine/embedding.js';
import { randomArray, randomPacked, relErr } from './helpers/random-data.js';

const V = 7;
const data = randomPacked(V, 12, 5, 3);

/** Central finite differences of the objective's loss in each entry of W_ov and W_kq. */
function finiteDifferences(model: Model, objective: Objective, h: number) {
  const lossAt = () => (objective === 'stage1' ? model.stage1Loss() : model.evaluate().loss);
  const fd = (get: () => Float64Array, set: (w: Float64Array) => void) => {
    const w = get();
    const g = new Float64Array(w.length);
    for (let i = 0; i < w.length; i++) {
      const x = w[i];
      w[i] = x + h; set(w); const up = lossAt();
      w[i] = x - h; set(w); const down = lossAt();
      w[i] = x; set(w);
      g[i] = (up - down) / (2 * h);
    }
    return g;
  };
  return {
    Wov: fd(() => model.getWov(), (w) => model.setWov(w)),
    Wkq: fd(() => model.getWkq(), (w) => model.setWkq(w)),
  };
}

const embeddings: Array<[string, EmbeddingSpec, number]> = [
  ['one-hot', 'onehot', V],
  ['orthonormal', 'orthonormal', V + 3],
  ['gaussian', 'gaussian', 5],
];

describe.each(['wasm', 'js'] as const)('%s backend, float64: gradients equal central finite differences', (backend) => {
  describe.each(embeddings)('%s embedding', (_name, embedding, d) => {
    it.each(['stage1', 'stage2', 'joint'] as const)('%s', async (objective) => {
      const model = await createEngineModel(data, { backend, embedding, d, seed: 5 });
      model.setWov(randomArray(V * d, 1.5, 11));
      model.setWkq(randomArray(d * d, 1.5, 12));
      const g = model.gradients(objective);
      const fd = finiteDifferences(model, objective, 1e-5);
      if (objective !== 'stage2') {
        expect(relErr(g.Wov, fd.Wov)).toBeLessThan(1e-6);
      } else {
        expect(Math.max(...g.Wov.map(Math.abs))).toBe(0);
      }
      if (objective !== 'stage1') {
        expect(relErr(g.Wkq, fd.Wkq)).toBeLessThan(1e-6);
      }
      // the checks above mean something only if the gradient is not zero
      expect(Math.hypot(...g.Wov) + Math.hypot(...g.Wkq)).toBeGreaterThan(1e-3);
    });
  });
});

describe('closed forms', () => {
  it.each(['wasm', 'js'] as const)('%s: the stage-1 loss at W_ov = 0 is ln|V| in both precisions', async (backend) => {
    for (const precision of ['f64', 'f32'] as const) {
      const model = await createEngineModel(data, { backend, precision });
      expect(model.stage1Loss()).toBeCloseTo(Math.log(V), precision === 'f64' ? 14 : 6);
      // the full loss at zero weights is ln|V| too: uniform attention over zero logits
      expect(model.evaluate().loss).toBeCloseTo(Math.log(V), precision === 'f64' ? 14 : 6);
    }
  });
});

describe('sizes the engine refuses before allocating', () => {
  it('a model beyond WebAssembly\'s 4 GiB names its size', async () => {
    // d = 20000: W_kq and its gradient alone are 2·d²·8 bytes = 6.0 GiB
    const emb = { kind: 'gaussian' as const, d: 20000, E: new Float64Array(20000 * V) };
    await expect(createEngineModel(data, { embedding: emb })).rejects.toThrow(/this model would need 5\.96 GiB, more than the 4\.00 GiB a run may hold \(\|V\| = 7, d = 20000/);
  });

  it.each(['wasm', 'js'] as const)('%s: an index overflow (d·d > 2^31) is refused by name', async (backend) => {
    const emb = { kind: 'gaussian' as const, d: 50000, E: new Float64Array(50000 * V) };
    await expect(createEngineModel(data, { backend, embedding: emb })).rejects.toThrow('d·d = 2500000000 entries overflows a 32-bit index (|V| = 7, d = 50000)');
  });
});
