import type { Dataset } from '../../src/dataset/types.js';
import { createRng } from '../../src/dataset/random.js';
import { packDataset, type PackedData } from '../../src/engine/packed.js';

/**
 * An arbitrary (not necessarily realizable) dataset for gradient checks: a random
 * collocation permutation, then random contexts with random labels and counts.
 */
export function randomPacked(V: number, N: number, maxL: number, seed: number): PackedData {
  const rng = createRng(seed);
  const next = rng.shuffle([...Array(V).keys()]);
  const vocab = [...Array(V).keys()].map((i) => `t${i}`);
  const samples: Dataset['samples'] = next.map((y, x) => ({ context: [x], next: y }));
  for (let n = 0; n < N; n++) {
    const L = 2 + rng.int(maxL - 1);
    const context = Array.from({ length: L }, () => rng.int(V));
    samples.push({ context, next: rng.int(V) });
  }
  const counts = samples.map(() => 1 + rng.int(3));
  return packDataset({ vocab, samples, counts }, next);
}

/** Fills an array with uniform values in [−scale, scale). */
export function randomArray(n: number, scale: number, seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => scale * (2 * rng.next() - 1));
}

/** ‖a − b‖ / max(‖b‖, tiny) */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-300);
}
