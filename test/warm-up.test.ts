import { describe, expect, it } from 'vitest';
import { warmKernels, warmUp } from '../src/engine/warm-up.js';

describe('WebAssembly warm-up', () => {
  for (const precision of ['f64', 'f32'] as const) {
    it(`runs every kernel of ${precision} on its tiny problem and really trains`, async () => {
      const r = await warmKernels(precision);
      // 400 stage-1 and 400 stage-2 steps and 100 joint steps, one-hot and embedded, none stopped early
      expect(r.steps).toBe(2 * (400 + 400 + 100));
      expect(Number.isFinite(r.firstLoss)).toBe(true);
      expect(r.lastLoss).toBeLessThan(r.firstLoss);
      await expect(warmUp(precision)).resolves.toBeUndefined();
    });
  }
});
