import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Tinypool } from 'tinypool';
import { initWasm } from '../engine/wasm.js';
import { NtpError } from '../errors.js';
import { executeRun, type RunOutcome, type RunTask } from './execute.js';
import type { WorkerSetup } from './worker.js';

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
  /** Resolves to the run's outcome; rejects only when the pool cannot run anything (no worker starts). */
  run(task: RunTask): Promise<RunOutcome>;
  /** Stops the workers; runs in flight are abandoned. */
  destroy(): Promise<void>;
}

/** Default number of workers: every core the process may use. */
export function defaultWorkers(): number {
  return availableParallelism();
}

/** What the workers should load before their first run. */
export interface PoolPreload {
  /** families the runs use */
  families?: string[];
  /** extra family modules */
  modules?: string[];
}

/**
 * A pool of `workers` threads (tinypool), each with its own WebAssembly instance; `workers` = 0
 * runs in this thread, one run at a time. The threads start at once and load while the caller
 * goes on: the module is compiled once here and handed to every worker (threads of one process
 * share compiled WebAssembly), and each imports the families of `preload`. A worker that dies
 * (an uncaught error, `process.exit`, out of memory) fails its run with the reason and is
 * replaced; the other runs go on.
 */
export function createRunPool(workers: number, preload: PoolPreload = {}): RunPool {
  if (!Number.isInteger(workers) || workers < 0) throw new NtpError('invalid-option', `option workers must be an integer >= 0 (got ${workers})`);
  if (workers === 0) return inThisThread();
  const filename = workerFile();
  let destroying: Promise<void> | null = null;
  /** why no worker can start (an error while a thread boots), failing every run from then on */
  let fatal = null as Error | null;
  let failAll: (e: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => (failAll = reject));
  failed.catch(() => {});
  const watched = new WeakSet<object>();
  const ready = (async () => {
    // where this thread cannot compile it, each worker tries itself and its runs report why
    const wasm = await initWasm().catch(() => null);
    const workerData: WorkerSetup = { wasm, families: preload.families ?? [], modules: preload.modules ?? [] };
    const pool = new Tinypool({ filename, minThreads: workers, maxThreads: workers, workerData });
    // Tinypool notices a thread that fails with an error, not one that ends with process.exit:
    // such an exit is turned into the error that fails its run and replaces the thread
    const watch = () => {
      for (const w of pool.threads) {
        if (watched.has(w)) continue;
        watched.add(w);
        let errored = false;
        w.on('error', () => (errored = true));
        w.on('exit', (code: number) => {
          if (errored || destroying) return;
          errored = true;
          w.emit('error', new Error(`its thread exited with code ${code}`));
          watch();
        });
      }
    };
    watch();
    pool.on('error', (e: Error) => {
      // an error outside any run: a thread that could not start (no replacement follows)
      if (pool.threads.length === 0) {
        fatal = e;
        failAll(e);
      }
      else watch();
    });
    return pool;
  })();
  return {
    async run(task) {
      const pool = await ready;
      if (fatal) throw cannotStart(fatal);
      const start = performance.now();
      try {
        return (await Promise.race([pool.run(task), failed])) as RunOutcome;
      } catch (e) {
        if (fatal) throw cannotStart(fatal);
        return { ok: false, error: `the worker running it died: ${(e as Error)?.message ?? String(e)}`, wallMs: performance.now() - start };
      }
    },
    destroy: () => (destroying ??= ready.then((pool) => pool.destroy())),
  };
}

const cannotStart = (e: Error) => new NtpError('worker-failed', `the sweep's worker threads cannot start: ${e.message}`);

function inThisThread(): RunPool {
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

/**
 * How long a finished sweep's worker threads stay up for the next sweep of this process. A warm
 * worker has its code compiled and optimized: a fresh one spends about as much CPU time on
 * V8's optimizing compiler (and on running unoptimized meanwhile) as on twenty paper-size runs
 * (bench/sweep.ts measures both).
 */
export const KEEP_WARM_MS = 10_000;

const warm = new Map<number, { pool: RunPool; timer: ReturnType<typeof setTimeout> }>();

/**
 * A pool of `workers` threads: the one a sweep of this process left warm, else a new one
 * ({@link createRunPool}). Give it back with {@link releaseRunPool} when no run is in flight.
 */
export function acquireRunPool(workers: number, preload: PoolPreload = {}): RunPool {
  const kept = warm.get(workers);
  if (kept) {
    warm.delete(workers);
    clearTimeout(kept.timer);
    return kept.pool;
  }
  return createRunPool(workers, preload);
}

/** Keeps an idle pool warm for {@link KEEP_WARM_MS} (replacing one of the same size), then stops it. */
export function releaseRunPool(workers: number, pool: RunPool): void {
  const old = warm.get(workers);
  if (old && old.pool !== pool) {
    clearTimeout(old.timer);
    void old.pool.destroy();
  }
  const timer = setTimeout(() => {
    if (warm.get(workers)?.pool === pool) warm.delete(workers);
    void pool.destroy();
  }, KEEP_WARM_MS);
  // idle threads and this timer do not keep the process alive
  timer.unref();
  warm.set(workers, { pool, timer });
}

/** Stops the worker threads finished sweeps left warm (they also stop by themselves when idle). */
export async function closeSweepWorkers(): Promise<void> {
  const pools = [...warm.values()];
  warm.clear();
  for (const p of pools) clearTimeout(p.timer);
  await Promise.all(pools.map((p) => p.pool.destroy()));
}
