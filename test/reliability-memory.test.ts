import { describe, expect, it } from 'vitest';
import { createModel } from '../src/index.js';
import { generateRealizable } from '../src/dataset/random.js';
import type { Model } from '../src/engine/backend.js';
import type { WasmModel } from '../src/engine/wasm.js';

describe('dispose() releases a model\'s memory even while the object is referenced', () => {
  it('300 disposed |V| = 256 models, all kept in an array, reuse a handful of WebAssembly memories', async () => {
    const ds = generateRealizable({ vocab: 256, seed: 3 });
    const kept: Model[] = [];
    const memories = new Set<WebAssembly.Memory>();
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 300; i++) {
      const m = (await createModel(ds)) as WasmModel;
      memories.add(m.exports.memory);
      // a reused instance starts from zero weights, like a fresh one
      if (i % 50 === 0) expect(m.getWov().every((x) => x === 0) && m.getWkq().every((x) => x === 0)).toBe(true);
      m.stage1(1, 0.1);
      m.dispose();
      kept.push(m);
      expect((m as WasmModel).exports).toBeNull();
    }
    expect(memories.size).toBeLessThanOrEqual(4);
    // each such model needs ~1.6 MB: 300 held memories would be ~0.5 GB
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
    expect(() => kept[0].stage1(1, 0.1)).toThrow(/disposed/);
  });

  it('a model on a reused instance trains exactly like one on a fresh instance', async () => {
    const ds = generateRealizable({ vocab: 12, seed: 5 });
    const a = await createModel(ds);
    const ra = a.stage1(7, 0.3);
    const wa = a.getWov();
    a.dispose();
    const b = await createModel(ds); // takes a's instance from the pool
    const rb = b.stage1(7, 0.3);
    expect(rb.loss).toBe(ra.loss);
    expect(b.getWov()).toEqual(wa);
    b.dispose();
  });
});

describe('the js backend releases its arrays on dispose', () => {
  it('a disposed js model holds no parameters and refuses use', async () => {
    const m = await createModel(generateRealizable({ vocab: 64, seed: 2 }), { backend: 'js' });
    m.stage1(1, 0.1);
    m.dispose();
    expect((m as unknown as { WovT: Float64Array }).WovT.length).toBe(0);
    expect((m as unknown as { kernels: unknown }).kernels).toBeNull();
    expect(() => m.getWov()).toThrow(/disposed/);
  });
});
