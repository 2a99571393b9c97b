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
  if (bytes > MAX_MODEL_BYTES) {
    throw new NtpError('too-large', `this model needs ${formatBytes(bytes)} of WebAssembly memory, more than its 4 GiB limit (|V| = ${V}, d = ${d}, ${z.N} samples, ${z.precision}, ${z.space === 'parameter' && !z.oneHot ? 'parameter' : 'token'} space)`);
  }
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
 * Most memory one run's arrays may take, planned from its options before anything is allocated.
 * A sweep runs one run per core, each in its own thread, and WebAssembly addresses 4 GiB: a run
 * planned past this fails anyway, so it is refused when the sweep is validated rather than with
 * "Invalid typed array length" (or an out-of-memory crash) once runs have started.
 */
export const MAX_RUN_BYTES = 2 ** 32;

/**
 * Refuses a run whose planned arrays (`bytes`, an estimate of the largest ones from the run's
 * sizes) exceed {@link MAX_RUN_BYTES}; `sizes` names the options that made them, e.g.
 * "length = 10000000, d = 3". A non-finite estimate is refused too.
 */
export function checkRunBytes(bytes: number, sizes: string): void {
  if (!(bytes <= MAX_RUN_BYTES)) {
    throw new NtpError('too-large', `a run with ${sizes} needs about ${Number.isFinite(bytes) ? formatBytes(bytes) : 'unbounded memory'} for its arrays, more than the ${formatBytes(MAX_RUN_BYTES)} one run may take`);
  }
}
