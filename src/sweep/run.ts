import { join } from 'node:path';
import { NtpError } from '../errors.js';
import { makeDirectories, writeFilesAtomic } from '../io/files.js';
import { DEFAULT_FAMILY, loadFamilies } from './families.js';
import { LOCK_FILE, lockSweepDir, type SweepLock } from './lock.js';
import type { RunOutcome } from './execute.js';
import { acquireRunPool, defaultWorkers, releaseRunPool } from './pool.js';
import { canonicalJSON, checkRunCount, expandSweep, shardOf, type SweepFile, type SweepRun } from './spec.js';
import { dropTornLine, META_FILE, readMeta, readRunsLog, recordedIds, recordsPath, removeRecordTemporaries, rewriteRunsLog, RunsWriter, type RunLine, type SweepMeta } from './store.js';

/** Options of {@link runSweep}. */
export interface SweepRunOptions {
  /** output directory: sweep.json, runs.jsonl, records/ID.json */
  out: string;
  /** worker threads (default `os.availableParallelism()`); 0 runs in this thread */
  workers?: number;
  /** run only shard `index` of `count` (a deterministic split by run id) */
  shard?: { index: number; count: number } | null;
  /** record interval in steps (default 10) */
  every?: number;
  /** accept a sweep above `limit` runs */
  yes?: boolean;
  /** largest sweep accepted without `yes` (default 10,000) */
  limit?: number;
  /** extra family modules (paths or URLs), each exporting a SweepFamily as `family` */
  modules?: string[];
  /** called after each run is recorded, and once at the start */
  onProgress?: (p: SweepProgress) => void;
  /** stops the sweep: queued runs are not started and runs in flight are abandoned */
  signal?: AbortSignal;
  /** called with what the caller should be told but that is no error (a stale lock taken over) */
  onNotice?: (message: string) => void;
  /** called with the line number of a torn last line of runs.jsonl, before it is dropped */
  onTornLine?: (line: number) => void;
}

/** Progress of a sweep. */
export interface SweepProgress {
  /** runs of this shard */
  total: number;
  /** runs recorded, this call and earlier ones */
  done: number;
  /** of which failed */
  failed: number;
  /** runs found recorded when this call started */
  resumed: number;
}

/** What {@link runSweep} did. */
export interface SweepRunSummary extends SweepProgress {
  /** the runs of this shard, in sweep order */
  runs: SweepRun[];
  /** whether a torn last line of runs.jsonl was dropped */
  droppedTornLine: boolean;
  /** whether the sweep was stopped before every run was recorded */
  interrupted: boolean;
  /** wall time of this call in milliseconds */
  wallMs: number;
  /** the pid of a killed sweep whose lock of `out` this call took over (-1: an unwritten lock), or null */
  tookOverLockFrom: number | null;
}

/**
 * Runs a sweep (or one shard of it) on a pool of worker threads, appending one line per finished
 * run to `out/runs.jsonl` and its records to `out/records/ID.json`. Resumes where an earlier call
 * stopped: runs with a line are skipped (failed ones too: a failure of the run is recorded, not
 * retried), except a run that failed to read an input and one whose records file is missing,
 * which are run again; a torn last line is dropped, and temporary files of a killed sweep are
 * removed. Every config is validated before any run starts.
 */
export async function runSweep(sweep: SweepFile, opts: SweepRunOptions): Promise<SweepRunSummary> {
  const start = performance.now();
  const every = opts.every ?? 10;
  if (!Number.isInteger(every) || every < 1) throw new NtpError('invalid-option', `option every must be an integer >= 1 (got ${every})`);
  const shard = opts.shard ?? null;
  if (shard && !(Number.isInteger(shard.index) && Number.isInteger(shard.count) && shard.index >= 0 && shard.index < shard.count)) {
    throw new NtpError('invalid-option', `option shard must be I/N with 0 <= I < N (got ${shard.index}/${shard.count})`);
  }
  const modules = opts.modules ?? [];
  // The worker threads start first and load while this thread validates the sweep and reads
  // what an earlier call recorded (a sweep that turns out invalid or done stops them again).
  if (typeof opts.out !== 'string' || opts.out.trim() === '') throw new NtpError('invalid-option', `option out must name a directory (got ${JSON.stringify(opts.out)})`);
  // refused here, before a worker starts or a run is made: too many runs
  const count = checkRunCount(sweep, opts);
  const workers = opts.workers ?? Math.min(defaultWorkers(), count);
  const pool = acquireRunPool(workers, { families: familiesNamed(sweep), modules });
  // a pool with no run in flight stays warm for the next sweep of this process
  let idle = false;
  let lock: SweepLock | null = null;
  try {
    const families = await loadFamilies(modules);
    const all = expandSweep(sweep, { families, defaultFamily: DEFAULT_FAMILY, limit: opts.limit, yes: opts.yes });
    const runs = shard ? all.filter((r) => shardOf(r.id, shard.count) === shard.index) : all;
    const byId = new Map(runs.map((r) => [r.id, r]));

    const meta: SweepMeta = { sweep, every, shard, modules };
    await createOutDir(opts.out);
    // one sweep at a time appends to a directory's runs.jsonl
    lock = await lockSweepDir(opts.out);
    if (lock.tookOverFrom !== null) {
      const who = lock.tookOverFrom > 0 ? `process ${lock.tookOverFrom}, which is no longer running` : 'a sweep killed while taking it';
      opts.onNotice?.(`took over the lock of ${opts.out} (${LOCK_FILE}) left by ${who}`);
    }
    const previous = await readMeta(opts.out);
    if (previous) {
      if (canonicalJSON(previous.sweep) !== canonicalJSON(sweep)) throw new NtpError('sweep-mismatch', `${opts.out} holds the runs of another sweep (its ${META_FILE} differs): use a new --out directory`);
      if (previous.every !== every) throw new NtpError('sweep-mismatch', `${opts.out} was run with --every ${previous.every}, not ${every}: resume with the same --every`);
      if (canonicalJSON(previous.shard) !== canonicalJSON(shard)) {
        const name = (s: SweepMeta['shard']) => (s ? `${s.index}/${s.count}` : 'all runs');
        throw new NtpError('sweep-mismatch', `${opts.out} holds shard ${name(previous.shard)}, not ${name(shard)}`);
      }
    } else {
      await writeFilesAtomic([{ path: join(opts.out, META_FILE), content: JSON.stringify(meta, null, 1) + '\n' }]);
    }

    // what a sweep killed mid-write left: temporary records files, a torn last line
    await removeRecordTemporaries(opts.out);
    const log = await readRunsLog(opts.out);
    if (log.tornLine !== null) opts.onTornLine?.(log.tornLine);
    await dropTornLine(opts.out, log);
    // Runs recorded for good are skipped. Run again: a run that failed to read an input (its data
    // file may be there now) and a finished run whose records file is gone (a report needs it);
    // their lines are dropped first, so runs.jsonl keeps one line per run.
    const recorded = await recordedIds(opts.out);
    const done = new Set<string>();
    const kept: RunLine[] = [];
    let retried = 0;
    let failed = 0;
    for (const line of log.lines) {
      if (!byId.has(line.id)) throw new NtpError('bad-runs', `${opts.out}/runs.jsonl holds run ${line.id}, which is not a run of this sweep${shard ? ' shard' : ''}`);
      if (done.has(line.id)) continue;
      if (line.status === 'failed' && line.retry) {
        retried++;
        continue;
      }
      if (line.status !== 'failed' && !recorded.has(line.id)) {
        opts.onNotice?.(`the records file of run ${line.id} is missing (${recordsPath(opts.out, line.id)}): running it again`);
        continue;
      }
      done.add(line.id);
      kept.push(line);
      if (line.status === 'failed') failed++;
    }
    if (retried > 0) opts.onNotice?.(`${retried} ${retried === 1 ? 'run' : 'runs'} failed for a missing or unreadable input earlier: running them again`);
    if (kept.length < log.lines.length) await rewriteRunsLog(opts.out, kept);
    const resumed = done.size;
    const todo = runs.filter((r) => !done.has(r.id));
    const progress = (): SweepProgress => ({ total: runs.length, done: done.size, failed, resumed });
    opts.onProgress?.(progress());

    let interrupted = false;
    if (todo.length > 0 && !opts.signal?.aborted && pool) {
      const writer = await RunsWriter.open(opts.out);
      let stopping = false;
      const onAbort = () => {
        stopping = true;
        void pool.destroy();
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      // One lane per worker, each taking the next run as its last one comes back: little waits in
      // a queue, so a stop abandons only the runs in flight. On worker threads the next run is
      // handed over before the last one is written, so a worker never waits for the disk; in this
      // thread (workers = 0) a run starts only once the last is written, so the event loop turns
      // between runs (writes finish, signals are seen).
      let next = 0;
      const start = (): { run: SweepRun; outcome: Promise<RunOutcome> } | null => {
        if (stopping || next >= todo.length) return null;
        const run = todo[next++];
        const outcome = pool.run({ config: run.config, every, modules });
        outcome.catch(() => {}); // awaited below, unless a failed write ends the lane first
        return { run, outcome };
      };
      const lane = async (): Promise<void> => {
        let current = start();
        while (current) {
          const { run } = current;
          const outcome = await current.outcome;
          if (stopping) return;
          const following = workers > 0 ? start() : null;
          const line: RunLine = outcome.ok
            ? { id: run.id, index: run.index, config: run.config, status: outcome.result.status, final: outcome.result.final, rates: outcome.result.extra?.rates ?? null, extra: withoutRates(outcome.result.extra), wallMs: outcome.wallMs }
            : { id: run.id, index: run.index, config: run.config, status: 'failed', final: {}, rates: null, error: outcome.error, ...(outcome.retry ? { retry: true } : {}), wallMs: outcome.wallMs };
          await writer.append(opts.out, line, outcome.ok ? outcome.result.records : null);
          done.add(run.id);
          if (!outcome.ok) failed++;
          opts.onProgress?.(progress());
          current = workers > 0 ? following : start();
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.max(1, workers) }, lane));
        interrupted = stopping;
      } catch (e) {
        // a failed write (disk full) ends the sweep: the other lanes stop at their next run
        stopping = true;
        throw e;
      } finally {
        opts.signal?.removeEventListener('abort', onAbort);
        await writer.close();
      }
    } else if (todo.length > 0) {
      interrupted = true;
    }
    idle = !interrupted;
    return { ...progress(), runs, droppedTornLine: log.torn !== null, interrupted, wallMs: performance.now() - start, tookOverLockFrom: lock.tookOverFrom };
  } finally {
    if (pool && idle) releaseRunPool(workers, pool);
    else await pool?.destroy();
    await lock?.release();
  }
}

/** Creates the output directory, or says in one line why it cannot. */
async function createOutDir(out: string): Promise<void> {
  try {
    await makeDirectories(out);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOTDIR' || code === 'EEXIST' ? 'a part of the path is a file, not a directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code === 'ENOENT' ? 'a parent directory refuses it (no such file or directory)' : code === 'ENOSPC' ? 'no space left on the device' : (e as Error).message;
    throw new NtpError('io', `cannot create the output directory ${JSON.stringify(out)}: ${why}`);
  }
}

/**
 * The families a sweep file names, read before it is validated so the workers can start
 * importing them (the default family where a config may name none); only a hint.
 */
function familiesNamed(sweep: SweepFile): string[] {
  const names = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string') names.add(v);
  };
  const base = sweep.base as Record<string, unknown> | undefined;
  const grid = sweep.grid as Record<string, unknown> | undefined;
  add(base?.family);
  if (Array.isArray(grid?.family)) grid.family.forEach(add);
  const list = Array.isArray(sweep.list) ? (sweep.list as Record<string, unknown>[]) : [];
  for (const entry of list) add(entry?.family);
  if (base?.family === undefined && grid?.family === undefined && (list.length === 0 || list.some((e) => e?.family === undefined))) names.add(DEFAULT_FAMILY);
  return [...names];
}

function withoutRates(extra: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!extra) return undefined;
  const { rates: _rates, ...rest } = extra;
  return rest;
}
