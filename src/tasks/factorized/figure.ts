import type { VegaLiteSpec as TopLevelSpec } from '../../figure/spec-type.js';
import type { LocalConvergenceExperiment, RankPoint } from './experiments.js';

/** One row of a band chart: a series' mean ± std at a step. */
interface BandRow {
  step: number;
  series: string;
  mean: number;
  lo: number;
  hi: number;
}

function bandRows(e: LocalConvergenceExperiment, series: ReadonlyArray<readonly [string, string]>, upTo: number): BandRow[] {
  const rows: BandRow[] = [];
  for (const [label, key] of series) {
    const bands = e.series[key];
    if (!bands) continue;
    e.steps.forEach((step, i) => {
      const b = bands[i];
      if (step > upTo || b.count === 0) return;
      rows.push({ step, series: label, mean: b.mean, lo: b.mean - b.std, hi: b.mean + b.std });
    });
  }
  return rows;
}

function bandPanel(title: string, yTitle: string, rows: BandRow[], yDomain?: [number, number]) {
  const scale = yDomain ? { domain: yDomain, clamp: true } : { zero: false };
  return {
    title,
    width: 300,
    height: 200,
    data: { values: rows },
    encoding: {
      x: { field: 'step', type: 'quantitative' as const, title: 'iteration' },
      color: { field: 'series', type: 'nominal' as const, title: null },
    },
    layer: [
      { mark: { type: 'area' as const, opacity: 0.18 }, encoding: { y: { field: 'lo', type: 'quantitative' as const, title: yTitle, scale }, y2: { field: 'hi' } } },
      { mark: { type: 'line' as const, strokeWidth: 1.6 }, encoding: { y: { field: 'mean', type: 'quantitative' as const, scale } } },
    ],
  };
}

/**
 * The peer's local-convergence figure (docs/theory/factorized.md#local-convergence), mean ± std bands over the runs: (a) the mean
 * max-softmax probability of W and (K, Q) training, (b) the cosines of each with its local Frobenius
 * and nuclear SVMs. Like theirs it shows the first 1000 iterations by default.
 */
export function localConvergenceFigureSpec(e: LocalConvergenceExperiment, upTo = 1000): TopLevelSpec {
  const soft = bandRows(e, [['W', 'W.maxAttention'], ['(K,Q)', 'KQ.maxAttention']], upTo);
  const cos = bandRows(e, [
    ['W vs W_F', 'W.cosF'],
    ['W vs W_*', 'W.cosStar'],
    ['KQᵀ vs W_*', 'KQ.cosStar'],
    ['KQᵀ vs W_F', 'KQ.cosF'],
  ], upTo);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    background: 'white',
    title: `Local convergence, ${e.runs} runs (n = ${e.config.n}, T = ${e.config.T}, d = ${e.config.d}, lr = ${e.config.lr})`,
    hconcat: [
      bandPanel('max softmax probability', 'mean max φ', soft, [0, 1]),
      bandPanel('correlation with the local SVMs', 'cosine', cos, [0, 1]),
    ],
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}

/** The rank study (docs/theory/factorized.md#the-rank-study `svm_rank`): mean rank vs d, Frobenius solid and nuclear dashed. */
export function rankStudyFigureSpec(points: readonly RankPoint[]): TopLevelSpec {
  const rows = points.flatMap((p) => [
    { series: p.series, group: p.series === 'n' ? `n = ${p.n}` : `T = ${p.T}`, d: p.d, solver: 'Frobenius', rank: p.rankF.count ? p.rankF.mean : null },
    { series: p.series, group: p.series === 'n' ? `n = ${p.n}` : `T = ${p.T}`, d: p.d, solver: 'nuclear', rank: p.rankStar.count ? p.rankStar.mean : null },
  ]).filter((r) => r.rank !== null);
  const panel = (series: 'n' | 'T', title: string) => ({
    title,
    width: 280,
    height: 200,
    transform: [{ filter: `datum.series === '${series}'` }],
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: { field: 'd', type: 'quantitative' as const, title: 'd' },
      y: { field: 'rank', type: 'quantitative' as const, title: 'mean rank (σ > 1e-6σ₁)' },
      color: { field: 'group', type: 'nominal' as const, title: null },
      strokeDash: { field: 'solver', type: 'nominal' as const, title: 'SVM' },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    background: 'white',
    data: { values: rows },
    hconcat: [panel('n', 'n varies, T = 5'), panel('T', 'T varies, n = 5')],
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}
