import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NtpError } from '../errors.js';
import type { RunMany, RunResult, RunStatus, SweepFamily } from '../family/sweep-family.js';
import { runSweep } from './run.js';
import { canonicalJSON, type RunConfig, type SweepFile } from './spec.js';
import { readRecords, readRunsLog } from './store.js';

/** A run's result as its family gave it, with the run's config (its `family` included). */
export type SweptResult = RunResult & { config: RunConfig };

/** Options of {@link sweepResults}. */
export interface SweepResultsOptions {
  /** record interval in steps */
  every: number;
  /** worker threads (default: every core) */
  workers?: number;
  /** keep the sweep's directory here (resumable); by default a temporary one, removed after */
  out?: string;
  /** called after each run is recorded */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Runs a sweep on the worker pool and gives its runs back as the families' results, in sweep
 * order: what an experiment that aggregates many runs (mean ± std over seeds) needs. The results
 * are what the runs wrote (runs.jsonl and the records files), so they equal the families' own
 * results with every non-finite number as null (JSON), which aggregations that skip undefined
 * values treat alike. A failed run fails the call with its error.
 */
export async function sweepResults(sweep: SweepFile, opts: SweepResultsOptions): Promise<SweptResult[]> {
  const dir = opts.out ?? (await mkdtemp(join(tmpdir(), 'ntp-sweep-')));
  try {
    const s = await runSweep(sweep, { out: dir, workers: opts.workers, every: opts.every, onProgress: opts.onProgress && ((p) => opts.onProgress?.(p.done, p.total)) });
    if (s.interrupted) throw new NtpError('interrupted', `the sweep in ${dir} was stopped before every run was recorded`);
    const seen = new Set<string>();
    const lines = (await readRunsLog(dir)).lines.filter((l) => !seen.has(l.id) && seen.add(l.id)).sort((a, b) => a.index - b.index);
    const failed = lines.find((l) => l.status === 'failed');
    if (failed) throw new NtpError('run-failed', `run ${failed.index} of the sweep (${JSON.stringify(failed.config)}) failed: ${failed.error}`);
    return await Promise.all(
      lines.map(async (l): Promise<SweptResult> => {
        // runs.jsonl keeps a family's extra.rates apart, as `rates`
        const extra = l.rates === null || l.rates === undefined ? l.extra : { ...l.extra, rates: l.rates };
        return { config: l.config, status: l.status as RunStatus, final: l.final, records: await readRecords(dir, l.id), ...(extra === undefined ? {} : { extra }) };
      }),
    );
  } finally {
    if (opts.out === undefined) await rm(dir, { recursive: true, force: true });
  }
}

/** Options of {@link sweepRunner}. */
export interface SweepRunnerOptions {
  /** worker threads (default: every core); 0 runs in this thread, through the sweep's files all the same */
  workers?: number;
  /** keep the sweep's directory here (resumable); by default a temporary one, removed after */
  out?: string;
  /** called after each run is recorded */
  onProgress?: (done: number, total: number) => void;
}

/**
 * A {@link RunMany} on the worker pool: the configs become one sweep (a list, each with the
 * family's name), and the results come back in the order given, as {@link sweepResults} reads
 * them (non-finite numbers as null). Equal configs run once.
 */
export function sweepRunner(opts: SweepRunnerOptions = {}): RunMany {
  return async (family: SweepFamily, configs: ReadonlyArray<Record<string, unknown>>, every: number) => {
    const key = (c: Readonly<Record<string, unknown>>) => canonicalJSON({ ...c, family: family.name });
    const distinct = [...new Map(configs.map((c) => [key(c), { ...c, family: family.name } as RunConfig])).values()];
    const results = await sweepResults({ list: distinct }, { every, workers: opts.workers, out: opts.out, onProgress: opts.onProgress && ((done, total) => done > 0 && opts.onProgress?.(done, total)) });
    const byKey = new Map(results.map(({ config, ...r }) => [key(config), r as RunResult]));
    return configs.map((c) => byKey.get(key(c)) as RunResult);
  };
}
