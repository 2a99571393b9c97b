/**
 * Li et al.'s global-convergence experiment (docs/theory/cyclic.md#li-et-als-global-convergence-experiment): 10 random
 * cyclic datasets (n = 6, T = 4, K = 6, d = 8), selection head, NGD lr 0.01 for 4000 steps from
 * PyTorch-default init. Each dataset is one run of {@link cyclicFamily} (made by the given
 * {@link RunMany}: the sweep engine's worker pool unless `workers` is 1); the curves are
 * aggregated as mean ± std over the datasets ({@link bandOf}: the sample std).
 */
import { STEP_AXIS, themed } from '../../figure/theme.js';
import type { VegaLiteSpec as TopLevelSpec } from '../../figure/spec-type.js';
import type { RunResult } from '../../family/sweep-family.js';
import { runInThisThread, type RunMany } from '../run-many.js';
import { bandOf, worstStatus, type Band, type ExperimentResult, type RunStatus, type SummaryRow } from '../../family/result.js';
import { checkPlan } from '../../family/limits.js';
import { resolveOptions } from '../../family/schema.js';
import { GLOBAL_OPTIONS, checkRun, planGlobal, type CyclicRunConfig, type ResolvedGlobal } from './options.js';
import { cyclicFamily } from './sweep.js';
import { objectArg, arrayArg, optionsArg } from '../../api/arguments.js';

/** One dataset's run: its seed, how it ended, its final metrics and its facts (W_svm, W_fin, A10, orbit). */
export interface GlobalRun {
  seed: number;
  status: RunStatus;
  final: RunResult['final'];
  extra: RunResult['extra'];
}

/** The experiment's data: each dataset's run, the mean ± std curves and the mean ± std of the final values. */
export interface GlobalConvergenceData {
  runs: GlobalRun[];
  /** mean ± std (sample std) over the datasets of A1 (cosSvm), A3 (finiteGap), A5 (topSccMean) and the loss, per recorded step */
  bands: Band[];
  /** mean ± std of the final values, by metric */
  final: Record<string, Band>;
}

/** What `cyclic.experiment('global')` returns. */
export type GlobalConvergenceResult = ExperimentResult<GlobalConvergenceData>;

/** The metrics drawn in the figure: A1, A3, A5. */
export const BAND_METRICS = ['cosSvm', 'finiteGap', 'topSccMean'] as const;
/** The final metrics summarized: A1, A2, A4, A3, A5, its minimum, A7, the loss, R and ‖W‖. */
export const SUMMARY_METRICS = ['cosSvm', 'cosDecomposition', 'cosProjected', 'finiteGap', 'topSccMean', 'topSccMin', 'lossGap', 'loss', 'R', 'norm'] as const;

/**
 * Runs the experiment from resolved options: one {@link cyclicFamily} run per dataset (seeds
 * `seed` … `seed + datasets − 1`) made by `runMany`, then mean ± std over the datasets.
 */
export async function globalConvergence(o: ResolvedGlobal, runMany: RunMany = runInThisThread): Promise<GlobalConvergenceResult> {
  const { datasets, every, workers: _w, ...run } = o;
  const configs = Array.from({ length: datasets }, (_, k) => {
    const c: Record<string, unknown> = { ...run, seed: o.seed + k };
    for (const key of Object.keys(c)) if (c[key] === undefined) delete c[key];
    return c;
  });
  const results = await runMany(cyclicFamily, configs, every);
  return aggregate(results.map((r, k) => ({ seed: o.seed + k, ...r })), o);
}

/** The options of the old {@link runGlobalConvergence}. */
export interface LegacyGlobalOptions {
  datasets?: number;
  firstSeed?: number;
  every?: number;
  run?: CyclicRunConfig;
  runMany?: RunMany;
}

/**
 * The experiment with the old options (`firstSeed`, `run` overrides), checked as the new ones are.
 * @deprecated Use `cyclic.experiment('global', { datasets, seed, ...run })`.
 */
export async function runGlobalConvergence(opts: LegacyGlobalOptions = {}): Promise<GlobalConvergenceResult> {
  opts = optionsArg(opts, 'runGlobalConvergence(options): options');
  const { datasets, firstSeed, every, run, runMany } = opts;
  const o = resolveOptions(GLOBAL_OPTIONS, { ...run, datasets, seed: firstSeed, every }, { fn: 'runGlobalConvergence()' });
  checkRun(o);
  checkPlan(planGlobal(o), 'runGlobalConvergence()');
  return globalConvergence(o, runMany);
}

/** Mean ± std over the datasets' runs (in seed order) of the curves and final values. */
function aggregate(runs: ReadonlyArray<RunResult & { seed: number }>, o: ResolvedGlobal): GlobalConvergenceResult {
  const results: GlobalRun[] = [];
  const byStep = new Map<number, Map<string, number[]>>();
  for (const r of runs) {
    // a run that went through a worker's files has its status as written, already in the vocabulary
    results.push({ seed: r.seed, status: r.status as RunStatus, final: r.final, extra: r.extra });
    for (const rec of r.records) {
      let m = byStep.get(rec.step);
      if (!m) byStep.set(rec.step, (m = new Map()));
      for (const key of [...BAND_METRICS, 'loss']) {
        const v = rec[key];
        if (!m.has(key)) m.set(key, []);
        if (typeof v === 'number') m.get(key)!.push(v);
      }
    }
  }
  const bands: Band[] = [];
  for (const step of [...byStep.keys()].sort((a, b) => a - b)) {
    for (const [metric, xs] of byStep.get(step)!) {
      const b = bandOf(step, metric, xs);
      if (b) bands.push(b);
    }
  }
  const final: Record<string, Band> = {};
  for (const key of SUMMARY_METRICS) {
    const b = bandOf(o.steps, key, results.map((r) => r.final[key]));
    if (b) final[key] = b;
  }
  const summary: SummaryRow[] = results.map((r) => ({
    seed: r.seed,
    status: r.status,
    orbit: (r.extra?.orbit as string | null | undefined) ?? null,
    ...Object.fromEntries(SUMMARY_METRICS.map((k) => [k, r.final[k] ?? null])),
  }));
  const warnings = results.flatMap((r) => ((r.extra?.warnings as string[] | undefined) ?? []).map((w) => `dataset seed ${r.seed}: ${w}`));
  const result: GlobalConvergenceResult = {
    family: 'cyclic',
    name: 'global',
    status: worstStatus(results.map((r) => r.status)),
    config: { ...o },
    data: { runs: results, bands, final },
    summary,
    figures: [],
    warnings,
  };
  result.figures.push({ name: 'global', spec: globalConvergenceSpec(result) });
  return result;
}

const TITLES: Record<string, string> = {
  cosSvm: 'A1: cos(W, W_svm)',
  finiteGap: 'A3: ‖Π_Sfin W − W_fin‖',
  topSccMean: 'A5: attention on the top SCC',
};

/** The figure: one panel per metric, mean line and ±1 std band over the datasets. */
export function globalConvergenceSpec(result: GlobalConvergenceResult): TopLevelSpec {
  arrayArg(objectArg(objectArg(result, 'globalConvergenceSpec(result): result').data, 'globalConvergenceSpec(result): result.data').bands, 'globalConvergenceSpec(result): result.data.bands');
  const values = result.data.bands
    .filter((b) => (BAND_METRICS as readonly string[]).includes(b.metric))
    .map((b) => ({ step: b.step, metric: TITLES[b.metric], mean: b.mean, lo: b.mean - b.std, hi: b.mean + b.std }));
  return themed({
    data: { values },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: Object.values(TITLES) } },
    spec: {
      width: 240,
      height: 170,
      layer: [
        { mark: { type: 'area', opacity: 0.25 }, encoding: { x: { field: 'step', type: 'quantitative', title: STEP_AXIS }, y: { field: 'lo', type: 'quantitative', title: null }, y2: { field: 'hi' } } },
        { mark: { type: 'line' }, encoding: { x: { field: 'step', type: 'quantitative', title: STEP_AXIS }, y: { field: 'mean', type: 'quantitative' } } },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  }, 'Cyclic orders, global convergence (Li et al. 2024)', `mean ± std over ${result.config.datasets} datasets`);
}

/** Renders the figure to SVG (loads the charting libraries only now). */
export async function renderGlobalConvergenceSvg(result: GlobalConvergenceResult): Promise<string> {
  objectArg(result, 'renderGlobalConvergenceSvg(result): result');
  const { renderVegaLiteSvg } = await import('../../figure/svg.js');
  return renderVegaLiteSvg(globalConvergenceSpec(result));
}
