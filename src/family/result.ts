/**
 * One result vocabulary for every family: how a run ended, a mean ± std band, and what an
 * experiment returns. The API, the CLI's tables, `--json`, the files written and the docs use
 * these names.
 * @module
 */
import type { VegaLiteSpec } from '../figure/spec-type.js';
import { iterableArg } from '../api/arguments.js';

/**
 * How a run ended:
 * - `completed`: every requested step was taken (no convergence criterion was met);
 * - `converged`: the run met its convergence criterion (a zero gradient, a tolerance) and stopped;
 * - `diverged`: the loss or a gradient stopped being finite; the last finite state is kept;
 * - `overflow`: the next step would leave the precision's range; the run stopped before it;
 * - `stopped`: the caller stopped it (a callback returned false, an abort signal).
 */
export type RunStatus = 'completed' | 'converged' | 'diverged' | 'overflow' | 'stopped';

/** Every {@link RunStatus}, in a fixed order. */
export const RUN_STATUSES: readonly RunStatus[] = ['completed', 'converged', 'diverged', 'overflow', 'stopped'];

/** Whether a status means numerical trouble (the CLI exits 1). */
export function isTrouble(s: RunStatus): boolean {
  return s === 'diverged' || s === 'overflow';
}

/** The worst of several statuses (trouble first), for an experiment made of runs. */
export function worstStatus(statuses: Iterable<RunStatus>): RunStatus {
  iterableArg(statuses, 'worstStatus(statuses): statuses');
  let worst: RunStatus = 'completed';
  const rank: Record<RunStatus, number> = { overflow: 4, diverged: 3, stopped: 2, converged: 1, completed: 0 };
  let any = false;
  for (const s of statuses) {
    if (!any || rank[s] > rank[worst]) worst = s;
    any = true;
  }
  return worst;
}

/** A metric's mean ± std over runs at one step (runs where the metric is undefined are left out). */
export interface Band {
  step: number;
  metric: string;
  mean: number;
  std: number;
  min: number;
  max: number;
  /** runs in which the metric was defined */
  n: number;
}

/** Mean, sample standard deviation (0 for one value), min and max of the finite values; null when there are none. */
export function bandOf(step: number, metric: string, values: Iterable<number | null | undefined>): Band | null {
  iterableArg(values, 'bandOf(step, metric, values): values');
  const xs: number[] = [];
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) xs.push(v);
  if (xs.length === 0) return null;
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= xs.length;
  let ss = 0;
  for (const x of xs) ss += (x - mean) ** 2;
  return { step, metric, mean, std: xs.length > 1 ? Math.sqrt(ss / (xs.length - 1)) : 0, min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** A figure of a result: its file stem and its Vega-Lite spec. */
export interface Figure {
  name: string;
  spec: VegaLiteSpec;
}

/** One row of an experiment's table: labels and final metrics. */
export type SummaryRow = Record<string, string | number | null>;

/** What every family's `experiment(name, options)` returns. */
export interface ExperimentResult<D extends object = Record<string, unknown>> {
  family: string;
  /** the experiment's name, e.g. `figure2`, `c1`, `local` */
  name: string;
  /** the worst status of its runs */
  status: RunStatus;
  /** the resolved options */
  config: Record<string, unknown>;
  /** the experiment's results (JSON-serializable) */
  data: D;
  /** one row per run or per point, the table the CLI prints */
  summary: SummaryRow[];
  figures: Figure[];
  warnings: string[];
  /** what the CLI prints for a person above the table (optional) */
  lines?: string[];
}
