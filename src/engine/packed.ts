import type { Dataset } from '../dataset/types.js';
import { arrayArg } from '../api/arguments.js';
import { checkDatasetArgument } from '../dataset/validate.js';
import { NtpError } from '../errors.js';

/**
 * A dataset in the flat layout the kernels read (CSR): sample n's context is
 * tokens[offsets[n] … offsets[n+1]), its label labels[n], its frequency weights[n] = π_n.
 */
export interface PackedData {
  V: number;
  N: number;
  offsets: Int32Array;
  tokens: Int32Array;
  labels: Int32Array;
  weights: Float64Array;
  /** optimal token of each sample (the o in the context with n(o) = label), −1 if none */
  optimal: Int32Array;
  /**
   * 1 where the context is one token repeated: attention is uniform over copies of it, so the
   * logits do not depend on W_kq (the collocation samples are such)
   */
  fixed: Int32Array;
  /** collocation pairs (x, n(x)), the stage-1 samples */
  colX: Int32Array;
  colY: Int32Array;
  maxLength: number;
}

/**
 * Packs a dataset once for training. `next[x]` is the collocation n(x) (−1 where undefined),
 * as produced by the dataset analysis.
 */
export function packDataset(ds: Dataset, next: ArrayLike<number>): PackedData {
  checkDatasetArgument(ds);
  arrayArg(next, 'packDataset(dataset, collocation): the collocation (analyze(dataset).collocation)');
  if (next.length !== ds.vocab.length) throw new NtpError('invalid-argument', `packDataset(dataset, collocation): the collocation has ${next.length} entries; the vocabulary has ${ds.vocab.length} tokens`);
  const V = ds.vocab.length;
  const N = ds.samples.length;
  if (N === 0) throw new NtpError('empty-dataset', 'the dataset has no samples');
  let total = 0;
  let maxLength = 0;
  for (const s of ds.samples) {
    total += s.context.length;
    maxLength = Math.max(maxLength, s.context.length);
  }
  if (total > 0x7fffffff) throw new NtpError('too-large', `the dataset has ${total} context tokens, more than 2^31 - 1`);
  const offsets = new Int32Array(N + 1);
  const tokens = new Int32Array(total);
  const labels = new Int32Array(N);
  const weights = new Float64Array(N);
  const optimal = new Int32Array(N).fill(-1);
  const fixed = new Int32Array(N);
  let count = 0;
  for (const c of ds.counts) count += c;
  let at = 0;
  ds.samples.forEach((s, n) => {
    offsets[n] = at;
    for (const t of s.context) {
      if (next[t] === s.next) optimal[n] = t;
      tokens[at++] = t;
    }
    labels[n] = s.next;
    fixed[n] = s.context.every((t) => t === s.context[0]) ? 1 : 0;
    weights[n] = ds.counts[n] / count;
  });
  offsets[N] = at;
  const colX: number[] = [];
  const colY: number[] = [];
  for (let x = 0; x < V; x++) {
    if (next[x] >= 0) {
      colX.push(x);
      colY.push(next[x]);
    }
  }
  if (colX.length === 0) throw new NtpError('no-collocation', 'the dataset has no collocation (no sample of length 1)');
  return { V, N, offsets, tokens, labels, weights, optimal, fixed, colX: Int32Array.from(colX), colY: Int32Array.from(colY), maxLength };
}
