// Pure spec builder: no Node imports, so a browser page can embed the same spec with vega's View.
// Only types come from vega-lite here: building a spec needs no charting library at run time.
import type { TopLevelSpec } from 'vega-lite';
import type { Spec as VegaSpec } from 'vega';
import { loadVegaLite } from './peers.js';
import type { FigureInput, Stage1Point } from './types.js';
import { STEP_AXIS } from './theme.js';

export type { FigureInput, Stage1Point, Stage2Point } from './types.js';

/**
 * Smallest plotted value of 1 − cos. In f64, 1 − cos is either 0 or ≥ 2^-53 ≈ 1.1e-16 (rounding can
 * also push cos slightly above 1), so values below this floor mean "converged to machine precision";
 * clamping them keeps those points on the log axis instead of silently dropping them.
 */
export const ONE_MINUS_COS_FLOOR = 1e-16;

/** Per-panel size in px. */
export const PANEL_WIDTH = 260;
export const PANEL_HEIGHT = 180;

type Pt = { step: number; value: number };
type Kind = 'loss' | 'cos' | 'norm';

const W = { 1: 'W_ov', 2: 'W_kq' } as const;

function series(points: readonly Stage1Point[], kind: Kind): Pt[] {
  const out: Pt[] = [];
  for (const p of points) {
    let v: number | null = kind === 'loss' ? p.loss : kind === 'norm' ? p.norm : p.cosine;
    if (v === null || !Number.isFinite(v) || !Number.isFinite(p.step)) continue;
    if (kind === 'cos') v = Math.max(1 - v, ONE_MINUS_COS_FLOOR);
    else if (kind === 'loss' && v <= 0) continue; // log scale cannot show it
    out.push({ step: p.step, value: v });
  }
  return out;
}

function panel(stage: 1 | 2, kind: Kind, points: readonly Stage1Point[], reference: string) {
  const w = W[stage];
  const title =
    kind === 'loss'
      ? `Stage ${stage}: loss ${stage === 1 ? 'L0' : 'L'}`
      : kind === 'cos'
        ? `Stage ${stage}: direction of ${w}`
        : `Stage ${stage}: norm of ${w}`;
  const yTitle =
    kind === 'loss'
      ? stage === 1
        ? 'L0(W_ov)'
        : 'L(W_kq)'
      : kind === 'cos'
        ? `1 − cos(${w}, ${reference})`
        : `‖${w}‖_F`;
  const values = series(points, kind);
  const base = { title, width: PANEL_WIDTH, height: PANEL_HEIGHT };
  if (values.length === 0) {
    // Placeholder keeps the 2×3 grid (e.g. joint training has no stage 1) and avoids empty log domains.
    return {
      ...base,
      data: { values: [{ note: `no stage ${stage} data` }] },
      mark: { type: 'text' as const, fontSize: 13, color: '#888' },
      encoding: { text: { field: 'note', type: 'nominal' as const } },
    };
  }
  const log = kind !== 'norm';
  return {
    ...base,
    data: { values },
    mark: { type: 'line' as const, strokeWidth: 1.5, color: stage === 1 ? '#1f77b4' : '#d62728' },
    encoding: {
      x: { field: 'step', type: 'quantitative' as const, title: STEP_AXIS, scale: { nice: false } },
      y: {
        field: 'value',
        type: 'quantitative' as const,
        title: yTitle,
        // Log domain comes from the data (no zero), so a loss of 1e-22 stays visible.
        scale: log ? { type: 'log' as const } : { zero: true },
        axis: log ? { format: '~e', tickCount: 6 } : {},
      },
    },
  };
}

function row(stage: 1 | 2, points: readonly Stage1Point[], reference: string) {
  return { hconcat: (['loss', 'cos', 'norm'] as const).map((k) => panel(stage, k, points, reference)) };
}

/**
 * Vega-Lite spec of Figure 2 of Huang, Liang & Yang (NeurIPS 2024): a 2×3 grid, row 1 stage 1
 * (loss L0, 1 − cos(W_ov, W*_ov), ‖W_ov‖_F) and row 2 stage 2 (loss L, 1 − cos(W_kq, W*_kq), ‖W_kq‖_F)
 * against the iteration. Data are inlined; non-finite values are dropped, non-positive losses are
 * dropped, null cosines are dropped and 1 − cos is floored at {@link ONE_MINUS_COS_FLOOR}.
 * On cyclic data (`reference: 'W_svm'`) stage 2's direction panel shows 1 − cos(W_kq, W_svm).
 * An empty stage renders as placeholder panels. Pure: usable in Node and in the browser.
 */
export function figure2Spec(input: FigureInput): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Figure 2: Training dynamics of single-layer transformer for NTP',
      ...(input.title ? { subtitle: input.title } : {}),
      anchor: 'middle',
    },
    background: 'white',
    padding: 10,
    vconcat: [row(1, input.stage1, 'W*_ov'), row(2, input.stage2, input.reference ?? 'W*_kq')],
    config: { view: { stroke: '#ddd' }, axis: { labelFontSize: 10, titleFontSize: 11 } },
  };
}

/**
 * {@link figure2Spec} compiled to a Vega spec (`vega-lite` `compile(...).spec`), ready for `vega.parse`.
 * Async because vega-lite, an optional peer dependency, is imported on first use; rejects with
 * NtpError `missing-peer` when it is not installed.
 */
export async function compileFigure2(input: FigureInput): Promise<VegaSpec> {
  const { compile } = await loadVegaLite();
  return compile(figure2Spec(input)).spec;
}
