// The autoregressive family defined once: one training run (`ntp autoregressive train`,
// `autoregressive.train`), the reference predictors (`reference`), and E-C1 … E-C4
// (`experiment c1…c4`), with their options and outputs.

import { defineCommand, defineFamily, type Presentation } from '../../family/definition.js';
import { experimentC1, experimentC2, experimentC3, experimentC4, type ExperimentResult } from './experiments.js';
import { curvesSpec } from './figures.js';
import { errorCurve } from './metrics.js';
import { C1_OPTIONS, C4_OPTIONS, MONTE_CARLO_OPTIONS, REFERENCE_OPTIONS, TRAIN_OPTIONS_SCHEMA, checkReference, checkTrain, planC4, planReference, planTrain } from './options.js';
import { referenceCurve, type ReferenceResult } from './reference-curve.js';
import { ckdPredictions, leastSquaresPredictions, type KernelName } from './references.js';
import { trainAutoregressive, type AutoregressiveTrainResult } from './train.js';

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toPrecision(6));

/** One training run, with the test error curve beside the Kaczmarz limit and least squares. */
export const autoregressiveTrain = defineCommand({
  summary: 'train the n-layer causal transformer on generated sequences and compare its test error curve e(t) with the Kaczmarz limit and least squares',
  description: 'Writes DIR/trajectory.json (records {step, loss, testLoss}, the error curves, the weights), DIR/trajectory.csv and the figure errors, all or none.',
  options: TRAIN_OPTIONS_SCHEMA,
  jsonName: 'trajectory',
  check: (o, nameOf) => checkTrain(o, nameOf),
  plan: (o) => planTrain(o),
  run: (o, ctx) => trainAutoregressive(o, undefined, (r) => ctx.progress(r.step, o.steps, r.loss ?? undefined)),
  present(r: AutoregressiveTrainResult): Presentation {
    const T = r.config.length;
    const kernel: KernelName = r.config.attention === 'linear' ? 'linear' : 'exp';
    const kac = errorCurve((x, d, TT) => ckdPredictions(x, d, TT, { kernel, depth: Infinity }), r.test);
    const ls = errorCurve(leastSquaresPredictions, r.test);
    const last = r.records[r.records.length - 1];
    const c = r.config;
    return {
      status: r.status,
      json: {
        reconstruction: 'R-C', steps: r.steps, config: r.config, threads: r.threads, final: last, records: r.records,
        errors: r.curve.squared, curveStatus: r.curve.status, kaczmarz: { kernel, errors: kac.squared }, leastSquares: ls.squared,
        params: Array.from(r.model.getParams()),
      },
      lines: [
        `reconstruction R-C · ${c.layers} layers × ${c.heads} heads, ${c.attention} attention, ${c.tied ? 'tied' : 'untied'}, ${c.optimizer} η = ${c.eta}, ${c.backend} ${c.precision}`,
        `${r.status} after ${r.steps} steps; batch loss ${fmt(last.loss)}, test loss ${fmt(last.testLoss)}`,
        `test e(t) at t = 1, ${Math.ceil(T / 2)}, ${T}: trained ${fmt(r.curve.squared[0])}, ${fmt(r.curve.squared[Math.ceil(T / 2) - 1])}, ${fmt(r.curve.squared[T - 1])}; Kaczmarz e(T) ${fmt(kac.squared[T - 1])}; least squares e(T) ${fmt(ls.squared[T - 1])}`,
      ],
      warnings: r.warnings,
      files: [{ name: 'trajectory.csv', content: ['step,loss,testLoss', ...r.records.map((x) => `${x.step},${x.loss ?? ''},${x.testLoss ?? ''}`)].join('\n') + '\n' }],
      figures: [{
        name: 'errors',
        spec: curvesSpec(`trained ${c.layers}-layer ${c.attention} attention (${c.tied ? 'tied' : 'untied'}), ${c.process}`, 'e(t) = mean ‖uₜ − xₜ₊₁‖² (test set)', [
          { name: 'trained', values: r.curve.squared }, { name: `Kaczmarz (${kernel} kernel)`, values: kac.squared }, { name: 'least squares', values: ls.squared },
        ]),
      }],
    };
  },
  sweep: {
    every: 'every',
    status: (r) => r.status,
    records: (r) => r.records.map((x) => ({ step: x.step, loss: x.loss, testLoss: x.testLoss })),
    final: (r) => {
      const last = r.records[r.records.length - 1];
      const e = r.curve.squared;
      const T = r.config.length;
      // e(t) at the last position and at the middle one (docs/theory/autoregressive.md#metrics)
      return { steps: r.steps, loss: last?.loss ?? null, testLoss: last?.testLoss ?? null, errorLast: e[T - 1], errorMid: e[Math.floor((T - 1) / 2)] };
    },
    extra: (r) => ({ reconstruction: 'R-C', errors: r.curve.squared, curveStatus: r.curve.status }),
  },
});

/** The error curve of a reference predictor. */
export const autoregressiveReference = defineCommand({
  summary: 'the error curve e(t) of a reference predictor: causal kernel descent at a depth or its Kaczmarz limit, least squares, or CKD by its transformer realisation',
  description: 'Writes DIR/reference.json (errors, squaredErrors, curveStatus) and the figure reference, all or none.',
  options: REFERENCE_OPTIONS,
  jsonName: 'reference',
  check: (o, nameOf) => checkReference(o, nameOf),
  plan: (o) => planReference(o),
  run: (o) => referenceCurve(o),
  present(r: ReferenceResult): Presentation {
    const c = r.config;
    const depth = c.depth === undefined ? '∞' : String(c.depth);
    const name = c.method === 'ls' ? 'least squares' : `CKD n = ${depth}, η = ${c.eta}, ${c.kernel} kernel${c.method === 'transformer' ? ' (transformer)' : ''}`;
    const lines = [
      `reconstruction R-C · ${name} · ${c.process}, d = ${c.d}, T = ${c.length}, ${c.sequences} sequences`,
      't\tmean ‖uₜ − xₜ₊₁‖\te(t) = mean ‖uₜ − xₜ₊₁‖²',
      ...r.errors.map((v, i) => `${i + 1}\t${v ?? 'overflow'}\t${r.squaredErrors[i] ?? 'overflow'}`),
      `curve: ${r.curveStatus}${r.firstUnstable ? ` (from t = ${r.firstUnstable}; finite depth with η = ${c.eta} grows transiently)` : ''}`,
    ];
    return {
      status: r.status,
      json: r,
      lines,
      figures: [{ name: 'reference', spec: curvesSpec(`${name}, ${c.process}`, c.sequences === 1 ? 'e(t) = ‖uₜ − xₜ₊₁‖²' : 'e(t) = mean ‖uₜ − xₜ₊₁‖²', [{ name, values: r.squaredErrors }]) }],
      warnings: r.curveStatus === 'unstable' ? [`the error grows past ${'100'}× the zero predictor's from t = ${r.firstUnstable} (finite-depth CKD with this η is unstable there)`] : [],
    };
  },
});

function presentExperiment(r: ExperimentResult): Presentation {
  return { status: r.status, json: { name: r.name, config: r.config, ...r.data }, lines: r.lines ?? [], figures: r.figures, warnings: r.warnings };
}

const c1 = defineCommand({
  summary: 'E-C1: a rotation by θ = π/3 from x₁ = (1, 0); CKD at depths 1, 2, 3, ∞ against the closed form',
  options: C1_OPTIONS,
  jsonName: 'e-c1',
  run: async (o) => experimentC1(o.length),
  present: presentExperiment,
});
const c2 = defineCommand({
  summary: 'E-C2: Haar O(5) sequences, T = 50; CKD at finite depths (the transient blow-up) and least squares',
  options: MONTE_CARLO_OPTIONS,
  jsonName: 'e-c2',
  plan: (o) => planReference({ ...REFERENCE_DEFAULTS, sequences: o.sequences, length: 50, d: 5 }),
  run: async (o) => experimentC2(o),
  present: presentExperiment,
});
const c3 = defineCommand({
  summary: 'E-C3: periodic sequences, exponential against linear kernel, in the Kaczmarz limit',
  options: MONTE_CARLO_OPTIONS,
  jsonName: 'e-c3',
  plan: (o) => planReference({ ...REFERENCE_DEFAULTS, sequences: o.sequences, length: 50, d: 5 }),
  run: async (o) => experimentC3(o),
  present: presentExperiment,
});
const c4 = defineCommand({
  summary: 'E-C4: the trained n-layer transformer (tied and untied) against CKD(n) on Haar and periodic data',
  options: C4_OPTIONS,
  jsonName: 'e-c4',
  plan: (o) => planC4(o),
  run: (o, ctx) => {
    let done = 0;
    return experimentC4(o, (line) => {
      ctx.progress(++done, 4 * o.layers.length);
      void line;
    });
  },
  present: presentExperiment,
});

/** the reference's defaults, for the experiments' plans */
const REFERENCE_DEFAULTS = { process: 'haar', d: 5, length: 50, period: 3, theta: undefined, sequences: 256, start: 'sphere', method: 'ckd', kernel: 'linear', depth: undefined, eta: 1, seed: 0 } as const;

/** The autoregressive family (reconstruction R-C of Sander & Peyré 2024). */
export const autoregressiveDefinition = defineFamily({
  name: 'autoregressive',
  title: 'In-context autoregressive learning by causal kernel descent (a reconstruction)',
  paper: 'Sander & Peyré 2024',
  theory: 'docs/theory/autoregressive.md',
  train: autoregressiveTrain,
  verbs: { reference: autoregressiveReference },
  experiments: { c1, c2, c3, c4 },
  legacy(argv) {
    // before 0.2: --lr (now --eta), --family (now --process), --untied (now --no-tied), --depth inf, c4's --sequences
    const map: Record<string, string> = { '--lr': '--eta', '--untied': '--no-tied' };
    let changed = false;
    const out: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      const [flag, value] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      if (flag === '--depth' && (value ?? argv[i + 1]) === 'inf') {
        changed = true;
        if (value === undefined) i++;
        continue;
      }
      if (Object.hasOwn(map, flag)) {
        changed = true;
        out.push(value === undefined ? map[flag] : `${map[flag]}=${value}`);
        continue;
      }
      out.push(a);
    }
    if (argv[0] === 'experiment' && argv[1] !== undefined && /^C[1-4]$/.test(argv[1])) {
      out[1] = argv[1].toLowerCase();
      changed = true;
    }
    return changed ? { argv: out, note: 'old spellings read for one release: --lr is now --eta, --untied is now --no-tied, --depth inf is the default (omit it)' } : null;
  },
});
