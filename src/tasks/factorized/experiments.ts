// The paper's experiments as their code runs them (Tarzanagh et al. 2023;
// docs/theory/factorized.md#worked-examples): `local` (their local_converge, mean ± std bands over
// random instances) and `rank` (their svm_rank). Each takes resolved options and returns the common
// ExperimentResult; the runs go through a RunMany (this thread, or the sweep engine's worker pool).

import { NtpError } from '../../errors.js';
import type { RunResult } from '../../family/sweep-family.js';
import { bandOf, worstStatus, type Band, type ExperimentResult, type RunStatus, type SummaryRow } from '../../family/result.js';
import { resolveOptions } from '../../family/schema.js';
import { checkPlan } from '../../family/limits.js';
import { inThisThread, type RunMany } from '../run-many.js';
import { LOCAL_OPTIONS, MAX_SEED, RANK_OPTIONS, checkLocalRun, planLocal, planRank, rankSizes, type LocalExperimentOptions, type RankExperimentOptions, type ResolvedLocalExperiment, type ResolvedLocalRun, type ResolvedRankExperiment } from './options.js';
import { factorizedFamily } from './sweep.js';
import { factorizedRankFamily } from './rank-sweep.js';
import { objectArg, arrayArg } from '../../api/arguments.js';

export type { Band };

/** How an experiment's runs are made: the progress callback and the runner. */
export interface ExperimentHooks {
  /** called after each run with the number done and the total (in this thread) */
  onProgress?: (done: number, total: number) => void;
  /** how the runs are made (default: one after another in this thread; the CLI passes the sweep engine's worker pool) */
  runMany?: RunMany;
}

/** The aggregated `local` experiment: a band per recorded step and metric, and per final metric. */
export interface LocalConvergenceData {
  /** the run options shared by every run (run r has seed `seed + r`; every option is in the result's config) */
  config: Omit<ResolvedLocalRun, 'seed'>;
  runs: number;
  steps: number[];
  /** metric name → one band per entry of `steps` (null where no run defines the metric) */
  series: Record<string, Array<Band | null>>;
  /** final metrics (ambiguous counts, ν*, SVM gaps, ranks) aggregated */
  final: Record<string, Band | null>;
  /** how the runs ended, counted */
  statuses: Partial<Record<RunStatus, number>>;
  /** runs without a local SVM (infeasible, or no token separated yet), per parameterization */
  infeasible: { W: number; KQ: number };
  /** wall time of the runs in ms */
  elapsedMs: number;
}

/** What `experiment('local')` returns. */
export type LocalConvergenceExperiment = ExperimentResult<LocalConvergenceData>;

/** Checks the options of `local` against each other (m ≤ d, band ≤ threshold, the last seed in range). */
export function checkLocalExperiment(o: ResolvedLocalExperiment, nameOf = (k: string) => k): void {
  checkLocalRun(o, nameOf);
  checkSeeds(o, nameOf);
}

/** The last run's seed, seed + runs − 1, must be a seed too. */
export function checkSeeds(o: { seed: number; runs: number }, nameOf = (k: string) => k): void {
  if (o.seed + o.runs - 1 > MAX_SEED) throw new NtpError('invalid-option', `options ${nameOf('seed')} (${o.seed}) + ${nameOf('runs')} (${o.runs}) − 1 must be <= ${MAX_SEED}, the largest seed`);
}

/**
 * Their `local_converge`: the family's single run for seeds seed … seed+runs−1, aggregated into mean ±
 * std bands per recorded step. Everything is deterministic from the options.
 */
export async function localConvergenceExperiment(opts: LocalExperimentOptions = {}, hooks: ExperimentHooks = {}): Promise<LocalConvergenceExperiment> {
  const o = resolveOptions(LOCAL_OPTIONS, opts, { fn: 'factorized.experiment("local")' });
  checkLocalExperiment(o);
  checkPlan(planLocal(o), 'factorized.experiment("local")');
  const { runs, every, seed, workers: _workers, ...config } = o;
  const t0 = performance.now();
  const given = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
  const configs = Array.from({ length: runs }, (_, r) => ({ ...given, seed: seed + r }));
  const results = await (hooks.runMany ?? inThisThread(hooks.onProgress))(factorizedFamily, configs, every);
  const elapsedMs = performance.now() - t0;
  const steps = results[0].records.map((x) => x.step);
  const keys = new Set<string>();
  for (const res of results) for (const rec of res.records) for (const k of Object.keys(rec)) if (k !== 'step') keys.add(k);
  const series: Record<string, Array<Band | null>> = {};
  for (const k of keys) series[k] = steps.map((step, i) => bandOf(step, k, results.map((res) => res.records[i]?.[k])));
  const finalKeys = new Set<string>();
  for (const res of results) for (const k of Object.keys(res.final)) finalKeys.add(k);
  const last = steps[steps.length - 1];
  const final: Record<string, Band | null> = {};
  for (const k of finalKeys) final[k] = bandOf(last, k, results.map((res) => res.final[k]));
  const statuses: Partial<Record<RunStatus, number>> = {};
  for (const res of results) statuses[res.status as RunStatus] = (statuses[res.status as RunStatus] ?? 0) + 1;
  const infeasible = {
    W: results.filter((res) => res.extra?.['W.svm'] !== undefined).length,
    KQ: results.filter((res) => res.extra?.['KQ.svm'] !== undefined).length,
  };
  const data: LocalConvergenceData = { config, runs, steps, series, final, statuses, infeasible, elapsedMs };
  const warnings = infeasible.W + infeasible.KQ > 0 ? [`runs without a local SVM (infeasible, or no token separated yet): W ${infeasible.W}, KQ ${infeasible.KQ}; their metrics are left out of the bands`] : [];
  return { family: 'factorized', name: 'local', status: worstStatus(results.map((r) => r.status as RunStatus)), config: { ...o }, data, summary: localSummary(data), figures: [], warnings };
}

/** The columns of their local_converge table, in its order. */
export const TABLE_COLUMNS = [
  ['cos(W-param, W_F)', 'W.cosF'],
  ['cos(W-param, W_*)', 'W.cosStar'],
  ['cos(KQ, W_*)', 'KQ.cosStar'],
  ['cos(KQ, W_F)', 'KQ.cosF'],
  ['max-softmax W', 'W.maxAttention'],
  ['max-softmax KQ', 'KQ.maxAttention'],
  ['rank(W)', 'W.rank'],
  ['rank(KQ)', 'KQ.rank'],
  ['nuc-ratio KQ', 'KQ.nucRatio'],
  ['Fro-ratio W', 'W.froRatio'],
] as const;

/** A markdown table of the experiment at the given steps (those recorded), mean ± std. */
export function localConvergenceTable(e: LocalConvergenceData, at: readonly number[] = [10, 100, 300, 500, 1000, 2000]): string {
  objectArg(objectArg(e, 'localConvergenceTable(data, at): data').series, 'localConvergenceTable(data, at): data.series');
  arrayArg(e.steps, 'localConvergenceTable(data, at): data.steps');
  arrayArg(at, 'localConvergenceTable(data, at): at');
  const head = `| t | ${TABLE_COLUMNS.map((c) => c[0]).join(' | ')} |`;
  const rule = `|---|${TABLE_COLUMNS.map(() => '---').join('|')}|`;
  const rows: string[] = [];
  for (const t of at) {
    const i = e.steps.indexOf(t);
    if (i < 0) continue;
    const cells = TABLE_COLUMNS.map(([, k]) => {
      const b = e.series[k]?.[i];
      if (!b) return 'n/a';
      const digits = k.endsWith('rank') ? 2 : 4;
      return `${b.mean.toFixed(digits)}±${b.std.toFixed(digits)}${b.n < e.runs ? ` (${b.n})` : ''}`;
    });
    rows.push(`| ${t} | ${cells.join(' | ')} |`);
  }
  return [head, rule, ...rows].join('\n') + '\n';
}

/** Steps of the summary table (those recorded), as their table. */
export const TABLE_STEPS = [10, 100, 300, 500, 1000, 2000];

/** One row per table step: the mean of each table column (null where no run defines it). */
function localSummary(e: LocalConvergenceData): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const at = TABLE_STEPS.includes(e.steps[e.steps.length - 1]) ? TABLE_STEPS : [...TABLE_STEPS, e.steps[e.steps.length - 1]];
  for (const t of at) {
    const i = e.steps.indexOf(t);
    if (i < 0) continue;
    const row: SummaryRow = { step: t };
    for (const [, k] of TABLE_COLUMNS) row[k] = e.series[k]?.[i]?.mean ?? null;
    rows.push(row);
  }
  return rows;
}

/** One point of the rank study. */
export interface RankPoint {
  series: 'n' | 'T';
  n: number;
  T: number;
  d: number;
  /** numerical rank (σ > 1e-6σ₁) of W_F and of the certified W_* over the feasible instances (null when none is) */
  rankF: Band | null;
  rankStar: Band | null;
  /** instances skipped because the global SVM is infeasible (docs/theory/factorized.md#the-rank-study) */
  infeasible: number;
  /** instances whose nuclear solve stopped before the 1e-9 gap (its gap is in maxGap) */
  uncertified: number;
  maxGap: number;
}

/** The rank study's points. */
export interface RankStudyData {
  points: RankPoint[];
}

/** What `experiment('rank')` returns. */
export type RankStudy = ExperimentResult<RankStudyData>;

/**
 * The rank study (their svm_rank): global SVMs (α = argmax γ) of random instances, their Frobenius
 * and nuclear ranks with relative thresholds on certified solutions, and the infeasible instances
 * counted. Each instance is one run of the `factorized-rank` family (`rankInstance`).
 */
export async function rankStudy(opts: RankExperimentOptions = {}, hooks: ExperimentHooks = {}): Promise<RankStudy> {
  const o = resolveOptions(RANK_OPTIONS, opts, { fn: 'factorized.experiment("rank")' });
  checkSeeds(o);
  checkPlan(planRank(o), 'factorized.experiment("rank")');
  // the point n = T = 5 is in both series: one run per instance
  const configs = rankSizes(o).flatMap(({ n, T }) => o.ds.flatMap((d) => Array.from({ length: o.runs }, (_, r) => ({ n, T, d, seed: o.seed + r }))));
  const results = await (hooks.runMany ?? inThisThread(hooks.onProgress))(factorizedRankFamily, configs, 1);
  const points = aggregateRankStudy(results.map((r, k) => ({ ...r, config: configs[k] })), o);
  const summary: SummaryRow[] = points.map((p) => ({
    series: p.series, n: p.n, T: p.T, d: p.d, rankF: p.rankF?.mean ?? null, rankStar: p.rankStar?.mean ?? null, infeasible: p.infeasible, uncertified: p.uncertified, maxGap: p.maxGap,
  }));
  const uncertified = points.reduce((a, p) => a + p.uncertified, 0);
  const warnings = uncertified > 0 ? [`${uncertified} nuclear-norm solves stopped before the 1e-9 gap (their largest gap is in maxGap); their ranks are counted`] : [];
  return { family: 'factorized', name: 'rank', status: worstStatus(results.map((r) => r.status as RunStatus)), config: { ...o }, data: { points }, summary, figures: [], warnings };
}

function rankGrid(o: Pick<ResolvedRankExperiment, 'ns' | 'Ts'>): Array<{ series: 'n' | 'T'; n: number; T: number }> {
  return [...o.ns.map((n) => ({ series: 'n' as const, n, T: 5 })), ...o.Ts.map((T) => ({ series: 'T' as const, n: 5, T }))];
}

/** The points of the study from its instances' results (each with its config: n, T, d, seed). */
function aggregateRankStudy(results: ReadonlyArray<RunResult & { config: Readonly<Record<string, unknown>> }>, o: ResolvedRankExperiment): RankPoint[] {
  const byInstance = new Map(results.map((r) => [`${r.config.n},${r.config.T},${r.config.d},${r.config.seed}`, r]));
  const out: RankPoint[] = [];
  for (const g of rankGrid(o)) {
    for (const d of o.ds) {
      const rf: number[] = [];
      const rs: number[] = [];
      let infeasible = 0;
      let uncertified = 0;
      let maxGap = 0;
      for (let r = o.seed; r < o.seed + o.runs; r++) {
        const res = byInstance.get(`${g.n},${g.T},${d},${r}`);
        if (!res) throw new NtpError('run-failed', `the rank study has no result for n = ${g.n}, T = ${g.T}, d = ${d}, seed ${r}`);
        if (res.final.infeasible === 1) {
          infeasible++;
          continue;
        }
        rf.push(res.final.rankF as number);
        rs.push(res.final.rankStar as number);
        if (res.final.certified !== 1) uncertified++;
        maxGap = Math.max(maxGap, res.final.relativeGap as number);
      }
      out.push({ ...g, d, rankF: bandOf(0, 'rankF', rf), rankStar: bandOf(0, 'rankStar', rs), infeasible, uncertified, maxGap });
    }
  }
  return out;
}

/** Markdown table of the rank study. */
export function rankTable(points: readonly RankPoint[]): string {
  arrayArg(points, 'rankTable(points): points');
  points.forEach((p, i) => objectArg(p, `rankTable(points): points[${i}]`));
  const lines = ['| series | n | T | d | rank W_F | rank W_* | infeasible | uncertified (max gap) |', '|---|---|---|---|---|---|---|---|'];
  for (const p of points) {
    const f = (b: Band | null) => (b ? b.mean.toFixed(2) : 'n/a');
    lines.push(`| ${p.series} | ${p.n} | ${p.T} | ${p.d} | ${f(p.rankF)} | ${f(p.rankStar)} | ${p.infeasible} | ${p.uncertified} (${p.maxGap.toExponential(1)}) |`);
  }
  return lines.join('\n') + '\n';
}
