/**
 * Figures of the autoregressive family: e(t) on a log axis, one curve per predictor (and depth),
 * and Δ(t). Pure Vega-Lite specs; the caller renders them with renderVegaLiteSvg (dynamically
 * imported, so the CLI loads vega only when it draws).
 */
import { arrayArg, objectArg } from '../../api/arguments.js';
import type { VegaLiteSpec as TopLevelSpec } from '../../figure/spec-type.js';
import { cutDiverged, divergedMarks, logFloor, seriesEncoding, themed } from '../../figure/theme.js';

/** One named curve, index t − 1 for position t; null or non-positive values are left out (log axis). */
export interface Curve {
  name: string;
  values: readonly (number | null)[];
}

/**
 * A line chart of curves against position t (or another index: xTitle) with a logarithmic y
 * axis, in the shared theme: a curve that blows up is cut where it passes 10¹⁰ times its first
 * value and marked "diverged"; values below 10⁻¹⁶ of the largest are drawn at that floor (a
 * least-squares error of 1e-30 would otherwise squash every other curve).
 */
export function curvesSpec(title: string, yTitle: string, curves: readonly Curve[], xTitle = 'position t'): TopLevelSpec {
  arrayArg(curves, 'curvesSpec(title, yTitle, curves): curves');
  curves.forEach((c, i) => arrayArg(objectArg(c, `curvesSpec(title, yTitle, curves): curve ${i}`).values, `curvesSpec(title, yTitle, curves): curve ${i}'s values`));
  const values: { t: number; value: number; curve: string }[] = [];
  const marks: { x: number; y: number; series: string }[] = [];
  for (const c of curves) {
    const { points, cutAt } = cutDiverged(c.values.map((v, i) => ({ x: i + 1, y: v })));
    for (const p of points) if (p.y !== null && p.y > 0) values.push({ t: p.x, value: p.y, curve: c.name });
    const last = points[points.length - 1];
    if (cutAt !== null && last && last.y !== null && last.y > 0) marks.push({ x: last.x, y: last.y, series: c.name });
  }
  const floor = logFloor(values.map((v) => v.value));
  if (floor !== null) for (const v of values) if (v.value < floor) v.value = floor;
  const names = curves.map((c) => c.name).filter((n) => values.some((v) => v.curve === n));
  const yAxis = floor === null ? yTitle : `${yTitle} (floored at ${floor.toExponential(0)})`;
  const line = {
    data: { values },
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: { field: 't', type: 'quantitative' as const, title: xTitle },
      y: { field: 'value', type: 'quantitative' as const, scale: { type: 'log' as const }, axis: { format: '.0e' }, title: yAxis },
      ...seriesEncoding('curve', names, null),
    },
  };
  return themed({ width: 420, height: 260, layer: marks.length ? [line, divergedMarks(marks, xTitle, yAxis)] : [line] }, title, 'reconstruction R-C of Sander & Peyré (2024)');
}

/** Renders a spec to SVG, loading vega only now. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { renderVegaLiteSvg } = await import('../../figure/svg.js');
  return renderVegaLiteSvg(spec);
}
