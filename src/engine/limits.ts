import type { Dataset } from '../dataset/types.js';
import { NtpError } from '../errors.js';
import type { Precision } from './backend.js';
import type { Space } from './space.js';

/** WebAssembly's 32-bit address space, less a page for the module's own data; the js backend keeps the same budget. */
export const MAX_MODEL_BYTES = 2 ** 32 - 2 ** 16;

/** The sizes a model's memory depends on. */
export interface ModelSizes {
  V: number;
  d: number;
  /** distinct samples */
  N: number;
  /** context tokens over all samples */
  totalTokens: number;
  /** collocation pairs (at most V) */
  C: number;
  maxLength: number;
  precision: Precision;
  oneHot: boolean;
  /** where the model computes (default token) */
  space?: Space;
}

/** Samples per block of the parameter-space products (assembly/state.ts BLOCK). */
export const PARAM_BLOCK = 64;

/** Bytes the layout of assembly/state.ts takes for these sizes (with alignment slack); the js backend holds the same buffers. */
export function modelBytes(z: ModelSizes): number {
  const s = z.precision === 'f32' ? 4 : 8;
  const { V, d, N } = z;
  let bytes = 4 * (N + 1) + 4 * z.totalTokens + 4 * N + s * N + 8 * N + 8 * z.C;
  bytes += s * (2 * d * V + 2 * d * d);
  if (!z.oneHot && z.space === 'parameter') {
    // E and Eᵀ, the queries' W_kq x_q and its gradient; a block's rows (h, dh, Σ ds x; logits and
    // their gradient; attention) and its lane sums; the block's indices, losses and metrics
    const B = PARAM_BLOCK;
    bytes += s * (4 * d * V) + s * (3 * B * d + 2 * B * V + 2 * B * z.maxLength) + 16 * B * d + 24 * B + 16 * 16;
  } else if (!z.oneHot) bytes += s * (d * V + 4 * V * V + d * V);
  bytes += s * (2 * V + 2 * z.maxLength) + 64 + 16 * 20;
  return bytes;
}

export function formatBytes(n: number): string {
  return n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * Refuses a model from its sizes alone, before anything is allocated or solved: a d×d, |V|×d or
 * |V|×|V| matrix past a 32-bit index, or more memory than the 4 GiB a WebAssembly instance can
 * address. Costs nothing, so callers run it first (a |V| = 20,000 dataset is refused in
 * milliseconds, not after the max-margin solve has allocated gigabytes).
 */
export function checkModelSize(z: ModelSizes): void {
  const { V, d } = z;
  const sizes = [['|V|·d', V * d], ['d·d', d * d]] as Array<[string, number]>;
  if (z.space !== 'parameter' || z.oneHot) sizes.push(['|V|·|V|', V * V]);
  for (const [name, n] of sizes) {
    if (n > 2 ** 31 - 1) throw new NtpError('too-large', `${name} = ${n} entries overflows a 32-bit index (|V| = ${V}, d = ${d})`);
  }
  const bytes = modelBytes(z);
  refuseTooLarge('this model', bytes, `|V| = ${V}, d = ${d}, ${z.N} samples, ${z.precision}, ${z.space === 'parameter' && !z.oneHot ? 'parameter' : 'token'} space`, MAX_MODEL_BYTES);
}

/** The sizes of a validated dataset's model for embedding dimension d (the collocation bounded by |V|). */
export function datasetSizes(ds: Dataset, d: number, precision: Precision, oneHot: boolean, space: Space = 'token'): ModelSizes {
  let totalTokens = 0;
  let maxLength = 0;
  for (const s of ds.samples) {
    totalTokens += s.context.length;
    if (s.context.length > maxLength) maxLength = s.context.length;
  }
  const V = ds.vocab.length;
  return { V, d, N: ds.samples.length, totalTokens, C: V, maxLength, precision, oneHot, space };
}

/**
 * The most one run may plan to hold: 4 GiB, what one WebAssembly instance can address (the js
 * backend keeps the same budget, so a run never depends on the backend to fit). Past it a run
 * would fail anyway, so it is refused from its options, before anything is allocated or a sweep
 * starts, rather than with "Invalid typed array length" or an out-of-memory crash.
 */
export const MAX_RUN_BYTES = 2 ** 32;

/**
 * The one size check every run passes before its first allocation: refuses `bytes` (planned from
 * the options, products included) past `budget`, or not finite (a product that overflowed), with
 * NtpError('too-large') naming `what` and the `sizes` ("length = 10000000, d = 3"); returns the bytes.
 */
export function refuseTooLarge(what: string, bytes: number, sizes: string, budget = MAX_RUN_BYTES): number {
  if (!(bytes <= budget)) {
    const need = Number.isFinite(bytes) ? formatBytes(bytes) : 'more memory than can be counted';
    throw new NtpError('too-large', `${what} would need ${need}, more than the ${formatBytes(budget)} a run may hold (${sizes}); use smaller sizes`);
  }
  return bytes;
}
