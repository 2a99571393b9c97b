import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { NtpError } from '../errors.js';
import { executeRun, type RunOutcome, type RunTask } from './execute.js';

/**
 * The compiled worker file. Worker threads run plain JavaScript, so when this module runs from
 * its TypeScript source (vitest, tsx) the worker comes from the build in dist/, which `npm run
 * build` (tsc) writes; in the installed package it sits next to this file.
 */
export function workerFile(): string {
  const here = new URL(import.meta.url);
  const fromSource = here.pathname.endsWith('.ts');
  const path = fileURLToPath(fromSource ? new URL('../../dist/src/sweep/worker.js', here) : new URL('./worker.js', here));
  if (!existsSync(path)) throw new NtpError('not-built', `the sweep worker ${path} is missing: run "npm run build" first`);
  if (fromSource) {
    // the workers would run yesterday's code while this thread runs today's: refuse
    const built = statSync(path).mtimeMs;
    const src = fileURLToPath(new URL('..', here));
    const newer = readdirSync(src, { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith('.ts') && statSync(join(src, f)).mtimeMs > built);
    if (newer) throw new NtpError('not-built', `src/${newer} is newer than the build the sweep workers run (${path}): run "npm run build" first`);
  }
  return path;
}

/** Runs sweep runs somewhere: on worker threads, or in this thread. */
export interface RunPool {
  run(task: RunTask): Promise<RunOutcome>;
  /** Stops the workers; runs in flight are abandoned. */
  destroy(): Promise<void>;
}

/** Default number of workers: every core the process may use. */
export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * A pool of `workers` threads, each with its own WebAssembly instance (piscina); `workers` = 0
 * runs in this thread, one run at a time. A worker that dies (an uncaught error, `process.exit`,
 * out of memory) fails its run with the reason and is replaced; the other runs go on.
 */
export function createRunPool(workers: number): RunPool {
  if (!Number.isInteger(workers) || workers < 0) throw new NtpError('invalid-option', `option workers must be an integer >= 0 (got ${workers})`);
  if (workers === 0) {
    let queue: Promise<unknown> = Promise.resolve();
    let destroyed = false;
    return {
      run(task) {
        // runs queued behind the current one are not started once the pool is destroyed
        const p = queue.then((): Promise<RunOutcome> | RunOutcome => (destroyed ? { ok: false, error: 'the sweep was stopped', wallMs: 0 } : executeRun(task)));
        queue = p.catch(() => {});
        return p;
      },
      async destroy() {
        destroyed = true;
      },
    };
  }
  let destroying: Promise<void> | null = null;
  const pool = new Piscina({ filename: workerFile(), minThreads: workers, maxThreads: workers, idleTimeout: 1000 });
  return {
    async run(task) {
      const start = performance.now();
      try {
        return (await pool.run(task)) as RunOutcome;
      } catch (e) {
        return { ok: false, error: `the worker running it died: ${(e as Error)?.message ?? String(e)}`, wallMs: performance.now() - start };
      }
    },
    destroy: () => (destroying ??= pool.destroy()),
  };
}
