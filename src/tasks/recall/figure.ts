// Vega-Lite specs of the recall family's figures: metric panels against steps or epochs, one
// line per run, with reference lines (the Bayes risk h(α), the expected Pr). Pure: no Node
// imports; rendering goes through src/figure/svg.ts, loaded only when a figure is drawn.

import type { VegaLiteSpec as TopLevelSpec } from '../../figure/spec-type.js';
import { STEP_AXIS, logFloor, seriesEncoding, themed } from '../../figure/theme.js';
import type { RecallRecord, RecallTrajectory } from './run.js';
import { objectArg, arrayArg } from '../../api/arguments.js';

/** One panel: a metric of the records, its title, and horizontal reference lines. */
export interface Panel {
  field: keyof RecallRecord;
  title: string;
  /** y = value lines, drawn dashed with their label */
  rules?: Array<{ value: number; label: string }>;
  /** log-scale y (non-positive values are dropped) */
  log?: boolean;
  /** more fields drawn in the same panel, each suffixed to the run's name (e.g. ξ_A[y] and max ξ_A) */
  also?: Array<{ field: keyof RecallRecord; name: string }>;
  /** the suffix of `field` when `also` is given */
  name?: string;
  /** only runs with these labels (default all) */
  only?: readonly string[];
}

const WIDTH = 260;
const HEIGHT = 180;

/** Panels of metrics for several runs (one colour per run label), side by side. */
export function panelsSpec(title: string, runs: readonly RecallTrajectory[], panels: readonly Panel[], x: 'step' | 'epoch' = 'step'): TopLevelSpec {
  arrayArg(runs, 'panelsSpec(title, runs, panels, x): runs');
  arrayArg(panels, 'panelsSpec(title, runs, panels, x): panels');
  // one colour-and-dash per series across every panel, in the runs' order
  const seriesNames: string[] = [];
  for (const p of panels) {
    const fields = [{ name: p.name ?? '' }, ...(p.also ?? [])];
    for (const t of runs) {
      if (p.only && !p.only.includes(t.label)) continue;
      for (const f of fields) seriesNames.push(f.name ? `${t.label} ${f.name}` : t.label);
    }
  }
  const series = seriesEncoding('run', [...new Set(seriesNames)], 'run');
  const charts = panels.map((p) => {
    const values: Array<{ x: number; value: number; run: string }> = [];
    const fields = [{ field: p.field, name: p.name ?? '' }, ...(p.also ?? [])];
    for (const t of runs) {
      if (p.only && !p.only.includes(t.label)) continue;
      for (const f of fields) {
        const run = f.name ? `${t.label} ${f.name}` : t.label;
        for (const r of t.records) {
          const v = r[f.field];
          const xv = x === 'epoch' ? r.epoch : r.step;
          if (typeof v !== 'number' || !Number.isFinite(v) || xv === null) continue;
          if (p.log && v <= 0) continue;
          values.push({ x: xv, value: v, run });
        }
      }
    }
    const floor = p.log ? logFloor(values.map((v) => v.value)) : null;
    if (floor !== null) for (const v of values) if (v.value < floor) v.value = floor;
    const rules = (p.rules ?? []).map((r) => ({ value: r.value, label: r.label }));
    return {
      title: p.title,
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          data: { values },
          mark: { type: 'line' as const, strokeWidth: 1.5 },
          encoding: {
            x: { field: 'x', type: 'quantitative' as const, title: x === 'step' ? STEP_AXIS : 'epoch' },
            y: { field: 'value', type: 'quantitative' as const, title: floor === null ? p.title : `${p.title} (floored at ${floor.toExponential(0)})`, scale: p.log ? { type: 'log' as const } : { zero: false } },
            ...series,
          },
        },
        ...(rules.length
          ? [
              {
                data: { values: rules },
                mark: { type: 'rule' as const, strokeDash: [5, 4], color: '#444' },
                encoding: { y: { field: 'value', type: 'quantitative' as const } },
              },
              {
                data: { values: rules },
                mark: { type: 'text' as const, align: 'left' as const, dx: 4, dy: -6, color: '#444' },
                encoding: { y: { field: 'value', type: 'quantitative' as const }, x: { value: 0 }, text: { field: 'label', type: 'nominal' as const } },
              },
            ]
          : []),
      ],
    };
  });
  return themed({ hconcat: charts, resolve: { scale: { color: 'shared', strokeDash: 'shared' } } }, title);
}

/** h(α) as a labelled line */
export const bayesRule = (h: number, alpha: number) => ({ value: h, label: `Bayes risk h(${alpha}) = ${h.toFixed(4)}` });

/** The figure of a single run: losses with the Bayes risk, and Pr(output) or Pr(noise) with its expected value. */
export function runSpec(t: RecallTrajectory): TopLevelSpec {
  objectArg(objectArg(t, 'runSpec(trajectory): trajectory').config, 'runSpec(trajectory): trajectory.config');
  const a = t.config.alpha;
  const x = t.config.samples > 0 ? 'epoch' : 'step';
  const pr: Panel = a > 0
    ? { field: 'prNoise', title: 'Pr(noise token), unseen outputs', rules: [{ value: a, label: `α = ${a}` }] }
    : { field: 'prOutput', title: 'Pr(output token), unseen outputs', rules: [{ value: 1, label: '1' }] };
  return panelsSpec(`${t.label}, α = ${a}, N = ${t.config.vocab}, H = ${t.config.context}, η = ${t.config.eta}`, [t], [
    { field: t.config.samples > 0 ? 'populationLoss' : 'loss', title: 'population loss', rules: [bayesRule(t.bayesRisk, a)] },
    { field: 'testLoss', title: 'unseen-output test loss', rules: [bayesRule(t.bayesRisk, a)] },
    { field: 'excessRisk', title: 'excess risk L̂ − h(α)', log: true },
    pr,
  ], x);
}
