// The `threads` option: its check, the default rule, and whether this runtime can run threads.
import { NtpError } from '../errors.js';
import type { BackendName } from './backend.js';
import type { PackedData } from './packed.js';
import { objectArg, arrayArg, numberArg } from '../api/arguments.js';

/** Most threads a model accepts (each holds its own scratch and, in joint training, a |V|×|V| partial). */
export const MAX_THREADS = 256;

/**
 * Work a thread needs per stage-2 step before splitting pays: the unit is one multiply-add over
 * |V| per context token (the pass costs about |V|·Σ_n (2·L_n + 4) of them, ~5 per ns here). 2^22
 * units is ~1 ms, against tens of µs of rendezvous per step.
 */
export const MIN_WORK_PER_THREAD = 2 ** 22;

/** Checks an explicit `threads` option: an integer from 1 to MAX_THREADS. */
export function checkThreads(threads: unknown): number {
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new NtpError('invalid-option', `option threads must be an integer from 1 to ${MAX_THREADS}, got ${typeof threads === 'number' ? threads : JSON.stringify(threads)}`);
  }
  return threads;
}

/** The stage-2 pass's work in the unit of MIN_WORK_PER_THREAD. */
export function stepWork(data: Pick<PackedData, 'V' | 'N' | 'tokens'>): number {
  return data.V * (2 * data.tokens.length + 4 * data.N);
}

/**
 * The default thread count of a run: every core, but no more threads than the step has work
 * for (MIN_WORK_PER_THREAD each), so small problems such as the paper's (|V| = 20) keep one.
 */
export function defaultThreads(data: Pick<PackedData, 'V' | 'N' | 'tokens'>, cores: number): number {
  arrayArg(objectArg(data, 'defaultThreads(data, cores): data').tokens, 'defaultThreads(data, cores): data.tokens');
  numberArg(cores, 'defaultThreads(data, cores): cores');
  return Math.max(1, Math.min(cores, MAX_THREADS, Math.floor(stepWork(data) / MIN_WORK_PER_THREAD)));
}

/** Logical cores of this machine (Node) or as the browser reports them; 1 if unknown. */
export async function availableCores(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  if (isNode()) {
    // a specifier in a variable, so that bundlers for the browser leave it alone
    const specifier = 'node:os';
    const os = (await import(/* @vite-ignore */ specifier)) as typeof import('node:os');
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return 1;
}

export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/**
 * The threads a model on `backend` gets for its `threads` option (checked here; absent: one), and
 * why fewer, if fewer: the js backend has none, and where this runtime cannot run threads
 * (threadsUnavailable) a model trains on one. Every family's models follow this rule, and their
 * runs put the note among their warnings.
 */
export function grantThreads(backend: BackendName, threads: unknown): { threads: number; note: string | null } {
  const requested = threads === undefined ? 1 : checkThreads(threads);
  const why = requested === 1 ? null : backend === 'js' ? 'the js backend has no threads' : threadsUnavailable();
  return why === null ? { threads: requested, note: null } : { threads: 1, note: `training on one thread instead of ${requested}: ${why}` };
}

/**
 * Why this runtime cannot train on several threads, or null if it can: threads share a
 * SharedArrayBuffer (browsers give one only to cross-origin isolated pages, served with
 * COOP/COEP headers), and the coordinating thread blocks in Atomics.wait, which a browser's
 * main thread may not (train in a Web Worker there).
 */
export function threadsUnavailable(): string | null {
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean; document?: unknown; Worker?: unknown };
  if (isNode()) return null;
  if (typeof g.SharedArrayBuffer === 'undefined' || g.crossOriginIsolated === false) {
    return 'SharedArrayBuffer is unavailable (the page is not cross-origin isolated: serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  if (typeof g.document !== 'undefined') return "a browser's main thread cannot wait for other threads (Atomics.wait); train in a Web Worker";
  if (typeof g.Worker === 'undefined') return 'this worker cannot start Web Workers of its own';
  return null;
}
