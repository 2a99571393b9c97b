import type { RunResult, SweepFamily } from '../family/sweep-family.js';
import { arrayArg, objectArg } from '../api/arguments.js';
import { NtpError } from '../errors.js';

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
