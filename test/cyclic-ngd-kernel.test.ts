// The heads' update as a WebAssembly kernel (assembly/cyclic/ngd.ts): the step, the gradient norm
// and every status on hand-made W and ∇W, f64 and f32 (the values are exact in both): a normalized
// step of η, a plain one, a zero gradient, a non-finite gradient, and an exact period-2 orbit
// W_{t+1} = W_{t−1} ≠ W_t.
import { describe, expect, it } from 'vitest';
import { instantiate } from '../src/engine/wasm.js';
import { STEP } from '../src/tasks/cyclic/kernels/buffers.js';

interface NgdExports {
  memory: WebAssembly.Memory;
  cyclicNgdStep(f32: number, W: number, G: number, prev: number, n: number, eta: number, normalized: number, hasPrev: number, out: number): number;
}

describe('cyclic heads: the update kernel', () => {
  for (const precision of ['f64', 'f32'] as const) {
    it(`${precision}: steps, norms and statuses`, async () => {
      const ex = (await instantiate()) as unknown as NgdExports;
      const R = precision === 'f32' ? Float32Array : Float64Array;
      const f32 = precision === 'f32' ? 1 : 0;
      const n = 5;
      const at = ex.memory.buffer.byteLength;
      ex.memory.grow(1);
      const [pW, pG, pPrev, pOut] = [0, 1, 2, 3].map((i) => at + 64 * i);
      const W = new R(ex.memory.buffer, pW, n);
      const G = new R(ex.memory.buffer, pG, n);
      const prev = new R(ex.memory.buffer, pPrev, n);
      const out = new Float64Array(ex.memory.buffer, pOut, 1);
      const step = (eta: number, normalized: boolean, hasPrev: boolean) => ex.cyclicNgdStep(f32, pW, pG, pPrev, n, eta, normalized ? 1 : 0, hasPrev ? 1 : 0, pOut);

      W.set([1, 2, 3, 4, 5]);
      G.set([3, 0, 0, 4, 0]);
      // ‖G‖ = 5: W − (0.5/5)·G
      expect(step(0.5, true, false)).toBe(STEP.RUNNING);
      expect(out[0]).toBe(5);
      expect([...W]).toEqual([...R.from([1 - 0.3, 2, 3, 4 - 0.4, 5])]);
      expect([...prev]).toEqual([1, 2, 3, 4, 5]);
      // the gradient flips: back to W_{t−1} exactly, a period-2 orbit
      G.set([-3, 0, 0, -4, 0]);
      expect(step(0.5, true, true)).toBe(STEP.PERIOD_2);
      expect([...W]).toEqual([1, 2, 3, 4, 5]);
      // plain GD: W − 0.25·G
      G.set([4, -4, 0, 0, 8]);
      expect(step(0.25, false, false)).toBe(STEP.RUNNING);
      expect([...W]).toEqual([0, 3, 3, 4, 3]);
      expect(out[0]).toBe(Math.sqrt(96));
      G.fill(0);
      expect(step(0.5, true, true)).toBe(STEP.ZERO_GRADIENT);
      expect(out[0]).toBe(0);
      G.set([1, Infinity, 0, 0, 0]);
      expect(step(0.5, true, true)).toBe(STEP.DIVERGED);
      expect([...W]).toEqual([0, 3, 3, 4, 3]);
    });
  }
});
