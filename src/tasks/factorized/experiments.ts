import { NtpError } from '../../errors.js';
import { planLocalConvergence, planRankStudy } from './limits.js';
import type { RunResult } from '../family.js';
import { inThisThread, type RunMany } from '../run-many.js';
import { validateLocalConvergence, type LocalConvergenceConfig } from './local-convergence.js';
import { factorizedFamily } from './sweep.js';
import { factorizedRankFamily } from './rank-sweep.js';

/** mean ± std over the runs where a metric is defined (std with ddof = 0, as numpy's default). */
export interface Band {
  mean: number;
  std: number;
  /** runs in which the metric was defined (a null ratio, or an infeasible local SVM, drops a run) */
  count: number;
}

/** Options of {@link localConvergenceExperiment}: a base config (seed excluded) and the runs. */
export interface LocalConvergenceExperimentOptions extends Partial<Omit<LocalConvergenceConfig, 'seed'>> {
  /** number of random instances, seeds 0 … runs−1 (default 100, their RUN) */
  runs?: number;
  /** record interval (default 10) */
  every?: number;
  /** called after each run with the number done */
  onProgress?: (done: number, runs: number) => void;
  /** how the runs are made (default: one after another in this thread; `ntp factorized` passes the sweep engine's worker pool) */
  runMany?: RunMany;
}

/** The aggregated experiment: a band per recorded step and metric, and per final metric. */
export interface LocalConvergenceExperiment {
  config: Omit<LocalConvergenceConfig, 'seed'>;
  runs: number;
  steps: number[];
  /** metric name → one band per entry of `steps` */
  series: Record<string, Band[]>;
  /** final metrics (ambiguous counts, ν*, SVM gaps, ranks) aggregated */
  final: Record<string, Band>;
  /** how the runs ended, counted */
  statuses: Record<string, number>;
  /** runs without a local SVM (infeasible, or no token separated yet), per parameterization */
  infeasible: { W: number; KQ: number };
  /** wall time of the runs in ms */
  elapsedMs: number;
}

/** Mean ± std (ddof 0) of the finite values. */
export function band(values: ReadonlyArray<number | null | undefined>): Band {
  const xs = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (xs.length === 0) return { mean: NaN, std: NaN, count: 0 };
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const v = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  return { mean, std: Math.sqrt(v), count: xs.length };
}

/**
 * SPEC §8.6 `local_converge`: the family's single run for seeds 0 … runs−1, aggregated into mean ±
 * std bands per recorded step. Everything is deterministic from the options.
 */
export async function localConvergenceExperiment(opts: LocalConvergenceExperimentOptions = {}): Promise<LocalConvergenceExperiment> {
  const { runs = 100, every = 10, onProgress, runMany, ...rest } = opts;
  if (!Number.isInteger(runs) || runs < 1) throw new NtpError('invalid-option', `option runs must be a positive integer, got ${runs}`);
  if (!Number.isInteger(every) || every < 1) throw new NtpError('invalid-option', `option every must be a positive integer, got ${every}`);
  const base = validateLocalConvergence({ ...rest, seed: 0 });
  planLocalConvergence({ ...base, runs, every });
  const { seed: _seed, ...config } = base;
  const t0 = performance.now();
  const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const configs = Array.from({ length: runs }, (_, r) => ({ ...given, seed: r }));
  const results = await (runMany ?? inThisThread(onProgress))(factorizedFamily, configs, every);
  const elapsedMs = performance.now() - t0;
  const steps = results[0].records.map((x) => x.step);
  const keys = new Set<string>();
  for (const res of results) for (const rec of res.records) for (const k of Object.keys(rec)) if (k !== 'step') keys.add(k);
  const series: Record<string, Band[]> = {};
  for (const k of keys) series[k] = steps.map((_, i) => band(results.map((res) => res.records[i]?.[k])));
  const finalKeys = new Set<string>();
  for (const res of results) for (const k of Object.keys(res.final)) finalKeys.add(k);
  const final: Record<string, Band> = {};
  for (const k of finalKeys) final[k] = band(results.map((res) => res.final[k]));
  const statuses: Record<string, number> = {};
  for (const res of results) statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  const infeasible = {
    W: results.filter((res) => res.extra?.['W.svm'] !== undefined).length,
    KQ: results.filter((res) => res.extra?.['KQ.svm'] !== undefined).length,
  };
  return { config, runs, steps, series, final, statuses, infeasible, elapsedMs };
}

/** The columns of the SPEC §8.6 table, in its order. */
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
export function localConvergenceTable(e: LocalConvergenceExperiment, at: readonly number[] = [10, 100, 300, 500, 1000, 2000]): string {
  const head = `| t | ${TABLE_COLUMNS.map((c) => c[0]).join(' | ')} |`;
  const rule = `|---|${TABLE_COLUMNS.map(() => '---').join('|')}|`;
  const rows: string[] = [];
  for (const t of at) {
    const i = e.steps.indexOf(t);
    if (i < 0) continue;
    const cells = TABLE_COLUMNS.map(([, k]) => {
      const b = e.series[k]?.[i];
      if (!b || b.count === 0) return 'n/a';
      const digits = k.endsWith('rank') ? 2 : 4;
      return `${b.mean.toFixed(digits)}±${b.std.toFixed(digits)}${b.count < e.runs ? ` (${b.count})` : ''}`;
    });
    rows.push(`| ${t} | ${cells.join(' | ')} |`);
  }
  return [head, rule, ...rows].join('\n') + '\n';
}

/** Options of {@link rankStudy} (SPEC §8.6 `svm_rank`). */
export interface RankStudyOptions {
  /** sample counts with T = 5 (default [5, 10, 15]) */
  ns?: number[];
  /** context lengths with n = 5 (default [5, 10, 15]; 5 is already in the n series) */
  Ts?: number[];
  /** dimensions (default [1, 2, 3, 4, 5, 10, 15, 20]) */
  ds?: number[];
  /** instances per point, seeds 0 … runs−1 (default 100) */
  runs?: number;
  /** called after each instance with the number done and the total (in this thread) */
  onProgress?: (done: number, total: number) => void;
  /** how the instances are solved (default: one after another in this thread; `ntp factorized` passes the sweep engine's worker pool) */
  runMany?: RunMany;
}

/** One point of the rank study. */
export interface RankPoint {
  series: 'n' | 'T';
  n: number;
  T: number;
  d: number;
  /** mean numerical rank (σ > 1e-6σ₁) of W_F and of the certified W_* over the feasible instances */
  rankF: Band;
  rankStar: Band;
  /** instances skipped because the global SVM is infeasible (SPEC §8.8 item 3) */
  infeasible: number;
  /** instances whose nuclear solve stopped before the 1e-9 gap (its gap is in maxGap) */
  uncertified: number;
  maxGap: number;
}

/**
 * The rank study: global SVMs (α = argmax γ) of random instances, their Frobenius and nuclear ranks
 * with relative thresholds on certified solutions, and the infeasible instances counted. Each
 * instance is one run of the `factorized-rank` family (`rankInstance`).
 */
export async function rankStudy(opts: RankStudyOptions = {}): Promise<RankPoint[]> {
  const grid = rankGrid(opts);
  const ds = opts.ds ?? [1, 2, 3, 4, 5, 10, 15, 20];
  const runs = opts.runs ?? 100;
  if (!Number.isInteger(runs) || runs < 1) throw new NtpError('invalid-option', `option runs must be a positive integer, got ${runs}`);
  const ns = opts.ns ?? [5, 10, 15];
  const Ts = opts.Ts ?? [5, 10, 15];
  // lists with other values are left to the instance's checks, which name them
  if ([ns, Ts, ds].every((l) => Array.isArray(l) && l.every((x) => Number.isInteger(x) && x >= 1))) planRankStudy({ ns, Ts, ds, runs });
  // the point n = T = 5 is in both series: one run per instance
  const sizes = [...new Map(grid.map((g) => [`${g.n},${g.T}`, { n: g.n, T: g.T }])).values()];
  const configs = sizes.flatMap(({ n, T }) => ds.flatMap((d) => Array.from({ length: runs }, (_, seed) => ({ n, T, d, seed }))));
  const results = await (opts.runMany ?? inThisThread(opts.onProgress))(factorizedRankFamily, configs, 1);
  return aggregateRankStudy(results.map((r, k) => ({ ...r, config: configs[k] })), opts);
}

function rankGrid(opts: RankStudyOptions): Array<{ series: 'n' | 'T'; n: number; T: number }> {
  return [...(opts.ns ?? [5, 10, 15]).map((n) => ({ series: 'n' as const, n, T: 5 })), ...(opts.Ts ?? [5, 10, 15]).map((T) => ({ series: 'T' as const, n: 5, T }))];
}

/** The points of the study from its instances' results (each with its config: n, T, d, seed). */
function aggregateRankStudy(results: ReadonlyArray<RunResult & { config: Readonly<Record<string, unknown>> }>, opts: RankStudyOptions = {}): RankPoint[] {
  const ds = opts.ds ?? [1, 2, 3, 4, 5, 10, 15, 20];
  const runs = opts.runs ?? 100;
  const byInstance = new Map(results.map((r) => [`${r.config.n},${r.config.T},${r.config.d},${r.config.seed}`, r]));
  const out: RankPoint[] = [];
  for (const g of rankGrid(opts)) {
    for (const d of ds) {
      const rf: number[] = [];
      const rs: number[] = [];
      let infeasible = 0;
      let uncertified = 0;
      let maxGap = 0;
      for (let r = 0; r < runs; r++) {
        const res = byInstance.get(`${g.n},${g.T},${d},${r}`);
        if (!res) throw new NtpError('run-failed', `the rank study has no result for n = ${g.n}, T = ${g.T}, d = ${d}, seed ${r}`);
        if (res.status === 'infeasible') {
          infeasible++;
          continue;
        }
        rf.push(res.final.rankF as number);
        rs.push(res.final.rankStar as number);
        if (res.final.certified !== 1) uncertified++;
        maxGap = Math.max(maxGap, res.final.relativeGap as number);
      }
      out.push({ ...g, d, rankF: band(rf), rankStar: band(rs), infeasible, uncertified, maxGap });
    }
  }
  return out;
}
