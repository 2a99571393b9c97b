/**
 * ntp-dynamics for Node: everything of the main entry, plus the sweep engine, which runs on
 * Node's worker threads and file system (`ntp sweep`). Browser bundles never reach this module:
 * the package's main entry resolves here only under the `node` export condition, and
 * `ntp-dynamics/node` names it explicitly.
 * @module ntp-dynamics/node
 */
import { DEFAULT_FAMILY, loadFamilies } from './sweep/families.js';
import { summarizeResults as summarize } from './sweep/report.js';
import type { MetricValue, RunRecord } from './family/sweep-family.js';
import { sweepRunner as runner, type SweepRunnerOptions } from './sweep/results.js';
import { expandSweep as expand, type SweepFile, type SweepRun } from './sweep/spec.js';
import type { RunMany } from './family/sweep-family.js';

export * from './index.js';

export type { SweepFile, SweepRun, RunConfig, AxisRange } from './sweep/spec.js';
export type { SweepRunOptions, SweepRunSummary, SweepProgress } from './sweep/run.js';
export type { MergeOptions, MergeSummary } from './sweep/merge.js';
export type { SweepReport, GroupSummary, SeriesPoint, Stats } from './sweep/report.js';
export type { RunLine } from './sweep/store.js';
export type { SweepRunnerOptions } from './sweep/results.js';

/**
 * Runs a sweep (`{ base, grid, list }`) on a pool of worker threads (one per core by default),
 * appending one line per run to `out/runs.jsonl`; resumable. See `ntp sweep run`.
 */
import { runSweep as runSweepIn } from './sweep/run.js';
import { describeValue, iterableArg, objectArg, optionsArg } from './api/arguments.js';
import { NtpError } from './errors.js';

/**
 * Runs a sweep (`{ base, grid, list }`) on a pool of worker threads (one per core by default),
 * appending one line per run to `out/runs.jsonl`; resumable. See `ntp sweep run`.
 */
export async function runSweep(sweep: import('./sweep/spec.js').SweepFile, opts: import('./sweep/run.js').SweepRunOptions): Promise<import('./sweep/run.js').SweepRunSummary> {
  objectArg(sweep, 'runSweep(sweep, options): sweep');
  objectArg(opts, 'runSweep(sweep, options): options');
  if (typeof opts.out !== 'string' || opts.out.trim() === '') throw new NtpError('invalid-argument', `runSweep(sweep, options): options.out must name the output directory (got ${describeValue(opts.out)})`);
  return runSweepIn(sweep, opts);
}

/** Joins the directories of a sweep's shards into `out`, reporting missing and duplicate runs. See `ntp sweep merge`. */
export { mergeSweeps } from './sweep/merge.js';

/**
 * Makes the runs of an experiment (`runGlobalConvergence`, `localConvergenceExperiment`,
 * `rankStudy`: their `runMany` option) on the sweep engine's worker pool, every core by default
 * (the experiments run in this thread without it).
 */
export function sweepRunner(opts?: SweepRunnerOptions): RunMany {
  return runner(opts);
}

/**
 * Stops the worker threads that finished sweeps keep warm for the next sweep of this process
 * (they stop by themselves after 10 s idle and never keep the process alive).
 */
export { closeSweepWorkers } from './sweep/pool.js';

/** Mean ± std, min and max per axis value of every metric of a sweep directory, final and over steps. See `ntp sweep report`. */
export { summarizeSweep } from './sweep/report.js';

/** The runs of a sweep, in order, with their stable ids and resolved configs (validated). */
export async function expandSweep(sweep: SweepFile, opts: { yes?: boolean; limit?: number; modules?: string[] } = {}): Promise<SweepRun[]> {
  opts = optionsArg(opts, 'expandSweep(sweep, options): options');
  return expand(sweep, { families: await loadFamilies(opts.modules), defaultFamily: DEFAULT_FAMILY, yes: opts.yes, limit: opts.limit });
}

/** Mean ± std, min and max over runs (results of a family's `run`, one per seed) of the final metrics and of every metric per step. */
export async function summarizeResults(results: ReadonlyArray<{ final: Record<string, MetricValue>; records: readonly RunRecord[] }>): Promise<ReturnType<typeof summarize>> {
  iterableArg(results, 'summarizeResults(results): results');
  for (const r of results) iterableArg(objectArg(r, 'summarizeResults(results): each result').records, 'summarizeResults(results): result.records');
  return summarize(results);
}
