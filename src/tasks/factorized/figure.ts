import { PALETTE, STEP_AXIS, naturalOrder, seriesEncoding, themed } from '../../figure/theme.js';
import type { VegaLiteSpec as TopLevelSpec } from '../../figure/spec-type.js';
import type { LocalConvergenceData, RankPoint } from './experiments.js';
import type { FactorizedTrainResult } from './train.js';
import { objectArg, arrayArg } from '../../api/arguments.js';

/** One row of a band chart: a series' mean ± std at a step. */
interface BandRow {
  step: number;
  series: string;
  mean: number;
  lo: number;
  hi: number;
}

function bandRows(e: LocalConvergenceData, series: ReadonlyArray<readonly [string, string]>, upTo: number): BandRow[] {
  const rows: BandRow[] = [];
  for (const [label, key] of series) {
    const bands = e.series[key];
    if (!bands) continue;
    e.steps.forEach((step, i) => {
      const b = bands[i];
      if (step > upTo || !b) return;
      rows.push({ step, series: label, mean: b.mean, lo: b.mean - b.std, hi: b.mean + b.std });
    });
  }
  return rows;
}

function bandPanel(title: string, yTitle: string, rows: BandRow[], yDomain?: [number, number]) {
  const scale = yDomain ? { domain: yDomain, clamp: true } : { zero: false };
  // an area has no dash: the band takes the series' colour, the mean line its colour and dash
  const { color, strokeDash } = seriesEncoding('series', rows.map((r) => r.series), null, { natural: false });
  return {
    title,
    width: 300,
    height: 200,
    data: { values: rows },
    encoding: { x: { field: 'step', type: 'quantitative' as const, title: STEP_AXIS }, color },
    layer: [
      { mark: { type: 'area' as const, opacity: 0.18 }, encoding: { y: { field: 'lo', type: 'quantitative' as const, title: yTitle, scale }, y2: { field: 'hi' } } },
      { mark: { type: 'line' as const, strokeWidth: 1.6 }, encoding: { y: { field: 'mean', type: 'quantitative' as const, scale }, strokeDash } },
    ],
  };
}

/**
 * Their local-convergence figure (docs/theory/factorized.md#local-convergence), mean ± std bands over the runs: (a) the mean
 * max-softmax probability of W and (K, Q) training, (b) the cosines of each with its local Frobenius
 * and nuclear SVMs. Like theirs it shows the first 1000 iterations by default.
 */
export function localConvergenceFigureSpec(e: LocalConvergenceData, upTo = 1000): TopLevelSpec {
  objectArg(objectArg(e, 'localConvergenceFigureSpec(data, upTo): data').series, 'localConvergenceFigureSpec(data, upTo): data.series');
  arrayArg(e.steps, 'localConvergenceFigureSpec(data, upTo): data.steps');
  const soft = bandRows(e, [['W', 'W.maxAttention'], ['(K,Q)', 'KQ.maxAttention']], upTo);
  const cos = bandRows(e, [
    ['W vs W_F', 'W.cosF'],
    ['W vs W_*', 'W.cosStar'],
    ['KQᵀ vs W_*', 'KQ.cosStar'],
    ['KQᵀ vs W_F', 'KQ.cosF'],
  ], upTo);
  return themed({
    hconcat: [
      bandPanel('max softmax probability', 'mean max φ', soft, [0, 1]),
      bandPanel('correlation with the local SVMs', 'cosine', cos, [0, 1]),
    ],
    resolve: { scale: { color: 'independent', strokeDash: 'independent' } },
  }, `Local convergence, ${e.runs} runs`, `n = ${e.config.n}, T = ${e.config.T}, d = ${e.config.d}, η = ${e.config.eta}; mean ± std`);
}

/** The rank study (their `svm_rank`): mean rank vs d, Frobenius solid and nuclear dashed. */
export function rankStudyFigureSpec(points: readonly RankPoint[]): TopLevelSpec {
  arrayArg(points, 'rankStudyFigureSpec(points): points');
  points.forEach((p, i) => objectArg(p, `rankStudyFigureSpec(points): points[${i}]`));
  const rows = points.flatMap((p) => [
    { series: p.series, group: p.series === 'n' ? `n = ${p.n}` : `T = ${p.T}`, d: p.d, solver: 'Frobenius', rank: p.rankF ? p.rankF.mean : null },
    { series: p.series, group: p.series === 'n' ? `n = ${p.n}` : `T = ${p.T}`, d: p.d, solver: 'nuclear', rank: p.rankStar ? p.rankStar.mean : null },
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
      color: { field: 'group', type: 'nominal' as const, title: null, sort: naturalOrder(rows.filter((r) => r.series === series).map((r) => r.group)), scale: { domain: naturalOrder(rows.filter((r) => r.series === series).map((r) => r.group)), range: PALETTE } },
      // the solver by dash and by point shape, so the legend tells Frobenius from nuclear
      strokeDash: { field: 'solver', type: 'nominal' as const, title: 'SVM', sort: ['Frobenius', 'nuclear'], scale: { domain: ['Frobenius', 'nuclear'], range: [[1, 0], [6, 3]] } },
      shape: { field: 'solver', type: 'nominal' as const, title: 'SVM', sort: ['Frobenius', 'nuclear'], scale: { domain: ['Frobenius', 'nuclear'], range: ['circle', 'triangle-up'] } },
    },
  });
  return themed({
    data: { values: rows },
    hconcat: [panel('n', 'n varies, T = 5'), panel('T', 'T varies, n = 5')],
    resolve: { scale: { color: 'independent' } },
  }, 'Ranks of the global max-margin SVMs against d', 'Frobenius solid, nuclear dashed; mean over the instances');
}

/**
 * The figure of a train run: the loss (log scale) and the cosines of K_f·Q_fᵀ with the Frobenius
 * and the nuclear-norm max-margin directions, against the stage-2 step.
 */
export function trainFigureSpec(t: FactorizedTrainResult): TopLevelSpec {
  arrayArg(objectArg(t, 'trainFigureSpec(result): result').records, 'trainFigureSpec(result): result.records');
  const loss = t.records.filter((r) => r.loss > 0).map((r) => ({ step: r.step, loss: r.loss }));
  const cos = t.records.flatMap((r) => [
    { step: r.step, series: 'cos(KQᵀ, W_F)', value: r.cosF },
    { step: r.step, series: 'cos(KQᵀ, W_*)', value: r.cosStar },
  ]);
  const x = { field: 'step', type: 'quantitative' as const, title: STEP_AXIS };
  return themed({
    hconcat: [
      { title: 'loss', width: 300, height: 200, data: { values: loss }, mark: { type: 'line' as const }, encoding: { x, y: { field: 'loss', type: 'quantitative' as const, scale: { type: 'log' as const }, title: 'L' } } },
      {
        title: 'correlation with the max-margin directions', width: 300, height: 200, data: { values: cos }, mark: { type: 'line' as const },
        encoding: { x, y: { field: 'value', type: 'quantitative' as const, title: 'cosine', scale: { domain: [-1, 1] } }, ...seriesEncoding('series', ['cos(KQᵀ, W_F)', 'cos(KQᵀ, W_*)'], null, { natural: false }) },
      },
    ],
  }, `Factorized W_kq = K_f·Q_fᵀ: ${t.status}`, `|V| = ${t.vocab}, d = ${t.d}, m = ${t.m}, η = ${t.config.eta}; stage 2`);
}
