import type { Sample } from './types.js';

/**
 * Finds a sample by content in O(context length). Keys are 32-bit hashes (small integers, no
 * string per sample), with collisions chained and resolved by comparing ids: string keys
 * cost about twice the time and most of the garbage on 10^6-sample files.
 */
export class SampleIndex {
  private readonly heads = new Map<number, number>();
  private readonly chain: number[] = [];

  constructor(private readonly samples: readonly Sample[]) {}

  /** Index of the sample equal to (context, next) among those added, or -1. */
  find(context: readonly number[], next: number): number {
    let i = this.heads.get(hashSample(context, next)) ?? -1;
    while (i >= 0) {
      const s = this.samples[i];
      if (s.next === next && sameIds(s.context, context)) return i;
      i = this.chain[i];
    }
    return -1;
  }

  /** Registers samples[index] (which the caller has just appended); indices must be added in order. */
  add(index: number): void {
    const s = this.samples[index];
    const h = hashSample(s.context, s.next);
    this.chain[index] = this.heads.get(h) ?? -1;
    this.heads.set(h, index);
  }
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** FNV-1a over the ids with a final avalanche; `| 0` keeps it a small integer for the Map. */
function hashSample(context: readonly number[], next: number): number {
  let h = 0x811c9dc5 ^ context.length;
  for (let i = 0; i < context.length; i++) h = Math.imul(h ^ context[i], 0x01000193);
  h = Math.imul(h ^ (next + 0x9e3779b9), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}
