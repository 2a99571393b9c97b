/**
 * Figures of the autoregressive family: e(t) on a log axis, one curve per predictor (and depth),
 * and Δ(t). Pure Vega-Lite specs; the caller renders them with renderVegaLiteSvg (dynamically
 * imported, so the CLI loads vega only when it draws).
 */
import { arrayArg, objectArg } from '../../api/arguments.js';
import type { VegaLiteSpec as TopLevelSpec } from '../../figure/spec-type.js';

/** One named curve, index t − 1 for position t; null or non-positive values are left out (log axis). */
export interface Curve {
  name: string;
  values: readonly (number | null)[];
}

/** A line chart of curves against position t (or another index: xTitle) with a logarithmic y axis. */
export function curvesSpec(title: string, yTitle: string, curves: readonly Curve[], xTitle = 'position t'): TopLevelSpec {
  arrayArg(curves, 'curvesSpec(title, yTitle, curves): curves');
  curves.forEach((c, i) => arrayArg(objectArg(c, `curvesSpec(title, yTitle, curves): curve ${i}`).values, `curvesSpec(title, yTitle, curves): curve ${i}'s values`));
  const values: { t: number; value: number; curve: string }[] = [];
  for (const c of curves) {
    c.values.forEach((v, i) => {
      if (v !== null && Number.isFinite(v) && v > 0) values.push({ t: i + 1, value: v, curve: c.name });
    });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle: 'reconstruction R-C of Sander & Peyré (2024)' },
    width: 420,
    height: 260,
    background: 'white',
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 't', type: 'quantitative', title: xTitle },
      y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, axis: { format: '.0e' }, title: yTitle },
      color: { field: 'curve', type: 'nominal', title: null, sort: curves.map((c) => c.name), scale: { scheme: 'tableau20' }, legend: { labelLimit: 280 } },
    },
  };
}

/** Renders a spec to SVG, loading vega only now. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { renderVegaLiteSvg } = await import('../../figure/svg.js');
  return renderVegaLiteSvg(spec);
}
