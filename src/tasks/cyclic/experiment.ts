/**
 * Li et al.'s global-convergence experiment (SPEC §7.9): 10 random cyclic datasets (n = 6, T = 4,
 * K = 6, d = 8), selection head, NGD lr 0.01 for 4000 steps from PyTorch-default init. Each dataset
 * is one run of {@link cyclicFamily} (run by the given {@link RunMany}: `ntp cyclic` passes the
 * sweep engine's worker pool); the curves are aggregated as mean ± std (population, as numpy's
 * default) over the datasets.
 */
import type { VegaLiteSpec as TopLevelSpec } from '../../figure/spec-type.js';
import type { RunResult } from '../family.js';
import { runInThisThread, type RunMany } from '../run-many.js';
import { NtpError } from '../../errors.js';
import { cyclicFamily, GLOBAL_CONVERGENCE, type CyclicRunConfig } from './sweep.js';
import { planExperiment } from './limits.js';

/** Options of {@link runGlobalConvergence}. */
export interface GlobalConvergenceOptions {
  /** number of datasets (default 10); dataset k uses seed firstSeed + k */
  datasets?: number;
  /** first seed (default 1) */
  firstSeed?: number;
  /** record interval (default 50) */
  every?: number;
  /** overrides of §7.9's run settings (steps, eta, head, optimizer, init, backend, …) */
  run?: CyclicRunConfig;
  /** how the datasets' runs are made (default: one after another in this thread) */
  runMany?: RunMany;
}

/** Mean and std over the datasets of one metric at one step. */
export interface Band {
  step: number;
  metric: string;
  mean: number;
  std: number;
  /** datasets where the metric was defined (non-null) */
  n: number;
}

/** What the experiment reports. */
export interface GlobalConvergenceResult {
  config: CyclicRunConfig & { datasets: number; firstSeed: number; every: number };
  /** per dataset: seed, status and final metrics */
  runs: Array<{ seed: number; status: string; final: RunResult['final']; extra: RunResult['extra'] }>;
  /** mean ± std curves of A1 (cosSvm), A3 (finiteGap), A5 (topSccMean) and the loss */
  bands: Band[];
  /** mean ± std of the final values */
  summary: Record<string, { mean: number; std: number; n: number }>;
}

/** The metrics drawn in the figure and summarized: A1, A2, A4, A3, A5, the loss and R. */
export const BAND_METRICS = ['cosSvm', 'finiteGap', 'topSccMean'] as const;
const SUMMARY_METRICS = ['cosSvm', 'cosDecomposition', 'cosProjected', 'finiteGap', 'topSccMean', 'topSccMin', 'lossGap', 'loss', 'R', 'norm'] as const;

function meanStd(xs: number[]): { mean: number; std: number; n: number } {
  const n = xs.length;
  if (n === 0) return { mean: NaN, std: NaN, n: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  return { mean, std: Math.sqrt(v), n };
}

/** Runs the experiment: one {@link cyclicFamily} run per dataset, then mean ± std. */
export async function runGlobalConvergence(opts: GlobalConvergenceOptions = {}): Promise<GlobalConvergenceResult> {
  const datasets = opts.datasets ?? 10;
  const firstSeed = opts.firstSeed ?? 1;
  const every = opts.every ?? 50;
  if (!Number.isInteger(datasets) || datasets < 1) throw new NtpError('invalid-option', `option datasets must be an integer >= 1 (got ${datasets})`);
  if (!Number.isInteger(firstSeed)) throw new NtpError('invalid-option', `option firstSeed must be an integer (got ${firstSeed})`);
  if (!Number.isInteger(every) || every < 1) throw new NtpError('invalid-option', `option every must be an integer >= 1 (got ${every})`);
  const run = { ...GLOBAL_CONVERGENCE, ...(opts.run ?? {}) };
  cyclicFamily.validate(run);
  planExperiment({ datasets, steps: run.steps ?? 4000, every });
  const seeds = Array.from({ length: datasets }, (_, k) => firstSeed + k);
  const runs = await (opts.runMany ?? runInThisThread)(cyclicFamily, seeds.map((seed) => ({ ...run, seed })), every);
  return aggregate(runs.map((r, k) => ({ seed: seeds[k], ...r })), { ...run, datasets, firstSeed, every });
}

/** Mean ± std over the datasets' runs (in seed order) of the curves and final values. */
function aggregate(runs: ReadonlyArray<RunResult & { seed: number }>, config: GlobalConvergenceResult['config']): GlobalConvergenceResult {
  const results: GlobalConvergenceResult['runs'] = [];
  const byStep = new Map<number, Map<string, number[]>>();
  for (const r of runs) {
    results.push({ seed: r.seed, status: r.status, final: r.final, extra: r.extra });
    for (const rec of r.records) {
      let m = byStep.get(rec.step);
      if (!m) byStep.set(rec.step, (m = new Map()));
      for (const key of [...BAND_METRICS, 'loss']) {
        const v = rec[key];
        if (typeof v === 'number' && Number.isFinite(v)) {
          if (!m.has(key)) m.set(key, []);
          m.get(key)!.push(v);
        }
      }
    }
  }
  const bands: Band[] = [];
  for (const step of [...byStep.keys()].sort((a, b) => a - b)) {
    for (const [metric, xs] of byStep.get(step)!) bands.push({ step, metric, ...meanStd(xs) });
  }
  const summary: GlobalConvergenceResult['summary'] = {};
  for (const key of SUMMARY_METRICS) {
    summary[key] = meanStd(results.map((r) => r.final[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)));
  }
  return { config, runs: results, bands, summary };
}

const TITLES: Record<string, string> = {
  cosSvm: 'A1: cos(W, W_svm)',
  finiteGap: 'A3: ‖Π_Sfin W − W_fin‖',
  topSccMean: 'A5: attention on the top SCC',
};

/** The figure: one panel per metric, mean line and ±1 std band over the datasets. */
export function globalConvergenceSpec(result: GlobalConvergenceResult): TopLevelSpec {
  const values = result.bands
    .filter((b) => (BAND_METRICS as readonly string[]).includes(b.metric))
    .map((b) => ({ step: b.step, metric: TITLES[b.metric], mean: b.mean, lo: b.mean - b.std, hi: b.mean + b.std }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    description: `Cyclic orders, global convergence (SPEC §7.9): mean ± std over ${result.config.datasets} datasets`,
    background: 'white',
    data: { values },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: Object.values(TITLES) } },
    spec: {
      width: 240,
      height: 170,
      layer: [
        { mark: { type: 'area', opacity: 0.25 }, encoding: { x: { field: 'step', type: 'quantitative', title: 'iteration' }, y: { field: 'lo', type: 'quantitative', title: null }, y2: { field: 'hi' } } },
        { mark: { type: 'line' }, encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'mean', type: 'quantitative' } } },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/** Renders the figure to SVG (loads the charting libraries only now). */
export async function renderGlobalConvergenceSvg(result: GlobalConvergenceResult): Promise<string> {
  const { renderVegaLiteSvg } = await import('../../figure/svg.js');
  return renderVegaLiteSvg(globalConvergenceSpec(result));
}
