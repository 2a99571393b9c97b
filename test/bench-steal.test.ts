// The benchmarks' host-steal meter (bench/steal.ts): /proc/stat's steal ticks over the ticks the
// CPUs had work, a fraction in [0, 1), or null where there is no /proc/stat.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stealMeter } from '../bench/steal.js';

describe('host steal meter', () => {
  it('gives the stolen share of the busy time since it started', () => {
    const meter = stealMeter();
    // 100 ms of work, so that the CPUs' busy ticks move
    const t0 = Date.now();
    let x = 0;
    while (Date.now() - t0 < 100) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    const f = meter();
    if (!existsSync('/proc/stat')) {
      expect(f).toBeNull();
      return;
    }
    expect(typeof f).toBe('number');
    expect(f!).toBeGreaterThanOrEqual(0);
    expect(f!).toBeLessThan(1);
  });
});
