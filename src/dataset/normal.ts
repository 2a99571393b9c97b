import { createRng } from './random.js';

/** A seeded stream of uniform and standard normal numbers (the package's RNG plus Box–Muller). */
export interface NormalRng {
  /** uniform in [0, 1) */
  next(): number;
  /** uniform in [a, b) */
  uniform(a: number, b: number): number;
  /** N(0, 1) */
  normal(): number;
}

/** Deterministic from the seed; used for the factor inits and the §8.6 random instances. */
export function normalRng(seed: number): NormalRng {
  const rng = createRng(seed);
  let spare: number | null = null;
  return {
    next: rng.next,
    uniform: (a, b) => a + (b - a) * rng.next(),
    normal() {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      // 1 − u keeps the logarithm's argument in (0, 1]
      const r = Math.sqrt(-2 * Math.log(1 - rng.next()));
      const a = 2 * Math.PI * rng.next();
      spare = r * Math.sin(a);
      return r * Math.cos(a);
    },
  };
}
