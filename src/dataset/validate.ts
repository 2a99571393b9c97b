import { NtpError } from '../errors.js';
import { validateDataset } from './format.js';
import type { Dataset } from './types.js';

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/**
 * Checks a Dataset handed to the API (createModel, train, Trainer.create) before anything reads
 * it: shapes first, so that a missing field or a null sample is an NtpError naming it rather
 * than a TypeError, then the content (ids in range and integral, counts positive integers whose
 * sum stays exact, distinct samples, distinct non-empty vocab entries, finite embedding rows).
 * The kernels trust what passes: an id out of range would read another buffer's memory.
 */
export function checkDatasetArgument(ds: unknown): asserts ds is Dataset {
  const fail = (m: string): never => {
    throw new NtpError('invalid-dataset', m);
  };
  if (typeof ds !== 'object' || ds === null || Array.isArray(ds)) fail(`the dataset must be an object {vocab, samples, counts} (got ${describe(ds)})`);
  const o = ds as Record<string, unknown>;
  if (!Array.isArray(o.vocab)) fail(`dataset.vocab must be an array of token strings (got ${describe(o.vocab)})`);
  if (!Array.isArray(o.samples)) fail(`dataset.samples must be an array (got ${describe(o.samples)})`);
  if (!Array.isArray(o.counts)) fail(`dataset.counts must be an array of positive integers, one per sample (got ${describe(o.counts)})`);
  const samples = o.samples as unknown[];
  for (let n = 0; n < samples.length; n++) {
    const s = samples[n];
    if (typeof s !== 'object' || s === null || Array.isArray(s)) fail(`sample ${n} must be an object {context, next} (got ${describe(s)})`);
    const ctx = (s as Record<string, unknown>).context;
    if (!Array.isArray(ctx)) fail(`sample ${n}: context must be an array of token ids (got ${describe(ctx)})`);
  }
  if (o.embedding !== undefined && !Array.isArray(o.embedding)) fail(`dataset.embedding must be an array of rows, one per token (got ${describe(o.embedding)})`);
  validateDataset(ds as Dataset);
  const counts = o.counts as number[];
  let total = 0;
  for (const c of counts) total += c;
  if (!Number.isSafeInteger(total)) fail(`the counts add up to ${total}, more than 2^53 - 1, where sums of counts stop being exact`);
}
