/**
 * The contract between the sweep engine and a task family: one run of a family, from a plain
 * JSON config, to its outcome and its records. Every family (the core paper's Algorithm 1,
 * cyclic orders, factorized attention, recall, autoregressive) exports one of these, so a sweep
 * can run, resume, shard and summarize any of them the same way.
 */
import type { RunStatus } from './result.js';

/** A JSON value in a run's record or final metrics; `null` where a metric is undefined. */
export type MetricValue = number | null;

/** One record of a run, taken every `every` steps: the step and the metrics at it. */
export interface RunRecord {
  step: number;
  [metric: string]: MetricValue;
}

// How a run ended is the one vocabulary of every family (src/family/result.ts): `completed` (all
// steps taken without meeting the convergence criterion), `converged`, `diverged`, `overflow`,
// `stopped` (ended early for another reason, named in the result's `extra`).
export type { RunStatus } from './result.js';
export { RUN_STATUSES } from './result.js';

/**
 * A training loop's status once it has ended as a {@link RunStatus}: a loop that is still
 * `running` after its last step took all its steps, so it `completed`.
 */
export function endedStatus(status: 'running' | RunStatus): RunStatus {
  return status === 'running' ? 'completed' : status;
}

/** What one run reports. Must be a deterministic function of the config (seed included). */
export interface RunResult {
  /** How the run ended (see {@link RunStatus}). */
  status: RunStatus;
  /** The last record's metrics (for the core family: the last stage-2 record). */
  final: Record<string, MetricValue>;
  /** Records at the requested interval, in step order. */
  records: RunRecord[];
  /** Anything else worth keeping per run (fitted rates, warnings); JSON-serializable. */
  extra?: Record<string, unknown>;
}

/** A task family as the sweep engine sees it. */
export interface SweepFamily {
  /** the family's name in a sweep file's `family` option */
  readonly name: string;
  /** the options a config may hold, for the sweep validator's "unknown option" errors */
  readonly options: readonly string[];
  /** Throws an NtpError naming the option when a config is invalid; called before any run starts. */
  validate(config: Readonly<Record<string, unknown>>): void;
  /** Runs one config; `every` is the record interval in steps. */
  run(config: Readonly<Record<string, unknown>>, every: number): Promise<RunResult>;
}

/**
 * Runs configs of one family and resolves to their results in the order given. An experiment that
 * aggregates many runs (mean ± std over seeds) takes one: by default the tasks' `runInThisThread`;
 * the CLI passes the sweep engine's, which runs them on a worker pool (`sweepRunner`), so a family
 * never imports the engine that runs it.
 */
export type RunMany = (family: SweepFamily, configs: ReadonlyArray<Record<string, unknown>>, every: number) => Promise<RunResult[]>;
