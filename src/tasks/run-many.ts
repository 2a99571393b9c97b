import { NtpError } from '../errors.js';
import type { RunResult, SweepFamily } from '../family/sweep-family.js';
import { arrayArg, objectArg } from '../api/arguments.js';

/**
 * Runs configs of one family and resolves to their results in the order given. An experiment that
 * aggregates many runs (mean ± std over seeds) takes one: by default {@link runInThisThread}; the
 * CLI passes the sweep engine's, which runs them on a worker pool (`sweepRunner`), so a family
 * never imports the engine that runs it.
 */
export type RunMany = (family: SweepFamily, configs: ReadonlyArray<Record<string, unknown>>, every: number) => Promise<RunResult[]>;

/** Runs the configs one after another in this thread, calling `onProgress` after each. */
export function inThisThread(onProgress?: (done: number, total: number) => void): RunMany {
  return async (family, configs, every) => {
    if (typeof objectArg(family, 'runMany(family, configs, every): family').run !== 'function') throw new NtpError('invalid-argument', 'runMany(family, configs, every): family must be a SweepFamily with a run function');
    arrayArg(configs, 'runMany(family, configs, every): configs');
    const results: RunResult[] = [];
    for (const c of configs) {
      results.push(await family.run(c, every));
      onProgress?.(results.length, configs.length);
    }
    return results;
  };
}

/** Runs the configs one after another in this thread (works everywhere, browsers included). */
export const runInThisThread: RunMany = inThisThread();

/** Whether this runtime has Node's worker threads (not a browser). */
function hasWorkerThreads(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === 'string';
}

/**
 * The runner of an experiment's runs: this thread for `workers` 1 or outside Node (a browser;
 * asking for more workers there is an error), else the sweep engine's worker pool.
 */
export async function experimentRunner(workers: number | undefined, onProgress: (done: number, total: number) => void): Promise<RunMany> {
  if (workers === 1) return inThisThread(onProgress);
  if (!hasWorkerThreads()) {
    if (workers !== undefined) throw new NtpError('invalid-option', `option workers (${workers}) needs Node's worker threads; here the runs are made in this thread (workers 1)`);
    return inThisThread(onProgress);
  }
  // loaded only here, by a specifier in a variable: browser bundles of the main entry must not reach
  // the sweep engine (Node built-ins), which a literal import() would pull in (test/bundle.test.ts)
  const specifier = '../sweep/results.js';
  const { sweepRunner } = (await import(/* @vite-ignore */ specifier)) as typeof import('../sweep/results.js');
  return sweepRunner({ workers, onProgress });
}
