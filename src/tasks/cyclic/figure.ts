// The figure of one cyclic run: A1, A3, A5 and the loss gap A7 against the step, one panel each.

import type { VegaLiteSpec } from '../../figure/spec-type.js';
import { STEP_AXIS, themed } from '../../figure/theme.js';
import type { CyclicTrainResult } from './train.js';
import { objectArg, iterableArg } from '../../api/arguments.js';

const PANELS = [
  ['cosSvm', 'A1: cos(W, W_svm)'],
  ['finiteGap', 'A3: ‖Π_Sfin W − W_fin‖'],
  ['topSccMean', 'A5: attention on the top SCC'],
  ['lossGap', 'A7: loss − L_red(W_fin)'],
] as const;

/** One panel per metric that is defined somewhere in the run (A1 is not without a W_svm, A3 without a finite W_fin). */
export function runSpec(r: CyclicTrainResult): VegaLiteSpec {
  iterableArg(objectArg(r, 'runSpec(result): result').records, 'runSpec(result): result.records');
  const values: Array<{ step: number; metric: string; value: number }> = [];
  for (const rec of r.records) {
    for (const [key, title] of PANELS) {
      const v = rec[key];
      if (typeof v === 'number' && Number.isFinite(v)) values.push({ step: rec.step, metric: title, value: v });
    }
  }
  return themed({
    data: { values },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: PANELS.map(([, t]) => t) } },
    spec: {
      width: 220,
      height: 170,
      mark: { type: 'line', point: r.records.length <= 30 },
      encoding: { x: { field: 'step', type: 'quantitative', title: STEP_AXIS }, y: { field: 'value', type: 'quantitative', title: null } },
    },
    resolve: { scale: { y: 'independent' } },
  }, `Cyclic orders: one run, ${r.config.head} head`, `${r.config.optimizer}, η = ${r.config.eta}, ${r.status} after ${r.steps} steps`);
}
