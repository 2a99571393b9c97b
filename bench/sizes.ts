import { generateRealizable, type GenerateOptions } from '../src/dataset/random.js';
import type { Dataset } from '../src/dataset/types.js';

/** The benchmark's three datasets, each from the generator with a fixed seed. */
export const SIZES: Record<'S' | 'M' | 'L', GenerateOptions> = {
  // the paper's setup: |V| = 20, d = 20
  S: { vocab: 20, seed: 1 },
  // |V| = 256, 4,096 samples, contexts up to 24 tokens
  M: { vocab: 256, seed: 1, samplesPerQuery: 15, maxContextLength: 24, optimalPerQuery: 3, nonOptimalPerQuery: 12 },
  // |V| = 1024, 16,384 samples, contexts up to 32 tokens
  L: { vocab: 1024, seed: 1, samplesPerQuery: 15, maxContextLength: 32, optimalPerQuery: 3, nonOptimalPerQuery: 16 },
};

export function sizeDataset(size: keyof typeof SIZES): Dataset {
  return generateRealizable(SIZES[size]);
}
