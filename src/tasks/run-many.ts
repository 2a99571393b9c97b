import { NtpError } from '../errors.js';
import type { RunMany, RunResult } from '../family/sweep-family.js';
import { arrayArg, objectArg } from '../api/arguments.js';

// The one-run contract's runner type, for the families that take a runner from here
export type { RunMany } from '../family/sweep-family.js';

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
