/**
 * Experiments E-C1 … E-C4 of docs/theory/autoregressive.md#experiments (reconstruction R-C: the paper's own settings are
 * unknown). Each returns plain JSON (our numbers beside an independent numpy implementation's where it gives
 * some) and Vega-Lite figures. Its Monte Carlo numbers come from numpy's default_rng(0); ours from the
 * package's seeded generator, so their digits differ and their shape should not.
 */
import type { VegaLiteSpec as TopLevelSpec } from '../../figure/spec-type.js';
import { worstStatus, type ExperimentResult as CommonExperimentResult, type RunStatus } from '../../family/result.js';
import type { AttentionKind } from './kernels/kernels.js';
import { generateSequences, iterateLinear, periodicSequence, rotation, type Sequences } from './data.js';
import { curvesSpec, type Curve } from './figures.js';
import { errorCurve, geometricRate, predictorDistance, curveFromPredictions, type ErrorCurve } from './metrics.js';
import { ckdPredictions, leastSquaresPredictions, type KernelName } from './references.js';
import { ckdPredictionsSet } from './ckd-set.js';
import { trainAutoregressive } from './train.js';
import { constructionAlignment } from './construction.js';
import { checkPlan } from '../../family/limits.js';
import { resolveOptions, type OptionsOf } from '../../family/schema.js';
import { C1_OPTIONS, C4_OPTIONS, MONTE_CARLO_OPTIONS, planC4, type C4Schema } from './options.js';
import { optionsArg } from '../../api/arguments.js';

/** What every experiment returns: the common experiment result, `reconstruction: 'R-C'` in its data. */
export type ExperimentResult = CommonExperimentResult<Record<string, unknown>>;

/** The common result of an experiment (figures as a record of stem → spec, as the experiments build them). */
function experimentResult(name: string, config: object, data: Record<string, unknown>, figures: Record<string, TopLevelSpec>, lines: string[], statuses: RunStatus[] = []): ExperimentResult {
  return {
    family: 'autoregressive', name, status: worstStatus(statuses), config: { ...config }, data: { reconstruction: 'R-C', ...data }, summary: [],
    figures: Object.entries(figures).map(([stem, spec]) => ({ name: stem, spec })), warnings: [], lines,
  };
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? 'null' : Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(4));

function ckdCurve(data: Sequences, kernel: KernelName, depth: number, eta = 1): ErrorCurve {
  return errorCurve((x, d, T) => ckdPredictions(x, d, T, { kernel, depth, eta }), data);
}

/** E-C1: the rotation θ = π/3 from x₁ = (1, 0), linear kernel, η = 1; u^n_t for n = 1, 2, 3, ∞. */
export function experimentC1(T = 12): ExperimentResult {
  T = resolveOptions(C1_OPTIONS, { length: T }, { fn: 'experimentC1(T)', nameOf: () => 'T' }).length;
  const x = new Float64Array(2 * (T + 1));
  x[0] = 1;
  iterateLinear(rotation(Math.PI / 3), 2, T + 1, x);
  const data: Sequences = { d: 2, L: T + 1, S: 1, x };
  const rows: { depth: number | 'inf'; t: number; u: [number, number]; err: number }[] = [];
  const curves: Curve[] = [];
  const lines = ['E-C1 (reconstruction R-C): rotation θ = π/3, x₁ = (1, 0), linear kernel, η = 1', 'n    t=1       t=2       t=3       t=4       t=5      (err = ‖uⁿₜ − xₜ₊₁‖)'];
  for (const depth of [1, 2, 3, Infinity]) {
    const u = ckdPredictions(x, 2, T, { depth });
    const c = curveFromPredictions([u], data);
    curves.push({ name: depth === Infinity ? 'Kaczmarz (n = ∞)' : `CKD n = ${depth}`, values: c.squared });
    const errs: string[] = [];
    for (let t = 1; t <= 5; t++) {
      rows.push({ depth: depth === Infinity ? 'inf' : depth, t, u: [u[2 * (t - 1)], u[2 * t - 1]], err: c.norm[t - 1]! });
      errs.push(c.norm[t - 1]!.toFixed(6).padStart(9));
    }
    lines.push(`${(depth === Infinity ? '∞' : String(depth)).padEnd(4)}${errs.join(' ')}`);
  }
  const ls = curveFromPredictions([leastSquaresPredictions(x, 2, T)], data);
  curves.push({ name: 'least squares', values: ls.squared });
  lines.push(`docs/theory/autoregressive.md#worked-examples (n = ∞): 1, √3/2 = 0.866025, √3/4 = 0.433013, √3/8 = 0.216506, √3/16 = 0.108253`);
  // the Kaczmarz error is |sin θ||cos θ|^{t−2}: e(t) decays by cos²θ = 1/4 per position
  const rate = geometricRate(curves[3].values);
  lines.push(`Kaczmarz e(t), t = 2 … ${T}: fitted rate ρ = ${rate?.rate.toPrecision(15)} per position (R² = ${rate?.fit.r2.toFixed(15)}); cos²θ = 0.25`);
  return experimentResult('c1', { length: T }, { table: rows, leastSquares: ls.norm, kaczmarzRate: rate?.rate ?? null, kaczmarzRateR2: rate?.fit.r2 ?? null },
    { 'e-c1': curvesSpec('E-C1: rotation θ = π/3, linear kernel, η = 1', 'e(t) = ‖uₜ − xₜ₊₁‖²', curves) }, lines);
}

/** E-C2 numbers of an independent numpy implementation (default_rng(0)), at t = 2, 5, 10, 20, 30, 50. */
export const NUMPY_C2: Record<string, (number | null)[]> = {
  'CKD n = 49, η = 1': [0.8074, 0.3461, 0.0858, 0.0242, 0.0115, 0.0043],
  'CKD n = 8, η = 1': [0.8074, 0.3461, 0.0916, 6.0e6, 2.2e10, 2.4e14],
  'CKD n = 16, η = 0.5': [0.8074, 0.3461, 0.0858, 0.0247, 0.1826, 5.2e4],
  'CKD n = 16, η = 0.1': [0.814, 0.3636, 0.1057, 0.0471, 0.0329, 0.0407],
  'least squares': [0.807, 0.21, 0, 0, 0, 0],
};
const C2_T = [2, 5, 10, 20, 30, 50];

/** E-C2: Haar(O(5)), x_1 on S⁴, T = 50, linear kernel, 256 sequences. */
export function experimentC2(opts: { sequences?: number; seed?: number } = {}): ExperimentResult {
  opts = resolveOptions(MONTE_CARLO_OPTIONS, opts, { fn: 'autoregressive.experiment("c2")' });
  const data = generateSequences({ family: 'haar', d: 5, length: 50, sequences: opts.sequences ?? 256, seed: opts.seed ?? 0 });
  const runs: [string, ErrorCurve][] = [
    ['CKD n = 49, η = 1', ckdCurve(data, 'linear', 49, 1)],
    ['CKD n = 8, η = 1', ckdCurve(data, 'linear', 8, 1)],
    ['CKD n = 16, η = 0.5', ckdCurve(data, 'linear', 16, 0.5)],
    ['CKD n = 16, η = 0.1', ckdCurve(data, 'linear', 16, 0.1)],
    ['least squares', errorCurve(leastSquaresPredictions, data)],
  ];
  const lines = [`E-C2 (reconstruction R-C): Haar O(5), T = 50, ${data.S} sequences; mean ‖uₜ − xₜ₊₁‖² ours [numpy]`, `${'method'.padEnd(22)}${C2_T.map((t) => `t=${t}`.padEnd(22)).join('')}status`];
  const table: Record<string, unknown> = {};
  for (const [name, c] of runs) {
    const ours = C2_T.map((t) => c.squared[t - 1]);
    table[name] = { ours, spec: NUMPY_C2[name], status: c.status, firstUnstable: c.firstUnstable, curve: c.squared };
    lines.push(`${name.padEnd(22)}${ours.map((v, i) => `${fmt(v)} [${fmt(NUMPY_C2[name][i])}]`.padEnd(22)).join('')}${c.status}${c.firstUnstable ? ` from t = ${c.firstUnstable}` : ''}`);
  }
  const rate = geometricRate(runs[0][1].squared);
  lines.push(`Kaczmarz (n = 49) e(t), t = 2 … 50: fitted geometric rate ρ = ${rate?.rate.toFixed(4)} per position (R² = ${rate?.fit.r2.toFixed(3)})`);
  return experimentResult('c2', { sequences: data.S, seed: opts.seed ?? 0 }, { positions: C2_T, table, kaczmarzRate: rate?.rate ?? null, kaczmarzRateR2: rate?.fit.r2 ?? null },
    { 'e-c2': curvesSpec('E-C2: Haar O(5), linear kernel (depth n, step η per curve)', 'e(t) = mean ‖uₜ − xₜ₊₁‖²', runs.map(([name, c]) => ({ name, values: c.squared }))) }, lines);
}

export const NUMPY_C3_DET: Record<KernelName, number[]> = {
  exp: [1, 1.065521, 1.367879, 0.227411, 0.572616, 0.185122, 0.185708, 0.136254, 0.025054, 0.046739, 0.026403, 0.003391, 0.009254, 0.004651, 0.000459],
  linear: [1, 1, Math.SQRT2, Math.SQRT2, 0, Math.SQRT2, Math.SQRT2, 0, Math.SQRT2, Math.SQRT2, 0, Math.SQRT2, Math.SQRT2, 0, Math.SQRT2],
};
export const NUMPY_C3_MC: Record<string, number[]> = {
  'p = 3, exp': [1, 0.379, 0.051, 0.0146, 0.0047, 0.0013, 0.002],
  'p = 3, linear': [1, 0.494, 0.178, 0.076, 0.031, 0.024, 0.017],
  'p = 5, exp': [1, 1.366, 0.464, 0.111, 0.042, 0.021, 0.013],
  'p = 5, linear': [1, 1.626, 0.881, 0.615, 0.512, 0.451, 0.409],
};
export const NUMPY_C3_DEPTH = [1.343, 4.321, 9.767, 10.616, 6.614, 2.517, 0.607, 0.0935, 0.00987, 0.000783, 0.000462, 0.000459, 0.000459, 0.000459];
const C3_T = [1, 5, 10, 20, 30, 40, 50];

/** E-C3: periodic sequences, exponential vs linear kernel, n = T − 1 (= Kaczmarz), η = 1. */
export function experimentC3(opts: { sequences?: number; seed?: number } = {}): ExperimentResult {
  opts = resolveOptions(MONTE_CARLO_OPTIONS, opts, { fn: 'autoregressive.experiment("c3")' });
  const lines = ['E-C3 (reconstruction R-C): periodic sequences, n = T − 1 (Kaczmarz), η = 1'];
  const det = periodicSequence(Float64Array.of(1, 0, 0, 1, -1, 0), 2, 16);
  const detData: Sequences = { d: 2, L: 16, S: 1, x: det };
  const deterministic: Record<string, unknown> = {};
  for (const kernel of ['exp', 'linear'] as const) {
    const c = ckdCurve(detData, kernel, Infinity);
    deterministic[kernel] = { ours: c.norm, spec: NUMPY_C3_DET[kernel] };
    lines.push(`p = 3, d = 2 (angles 0, π/2, π), ${kernel}: ‖uₜ − xₜ₊₁‖ t = 1…15: ${c.norm.map((v) => v!.toFixed(6)).join(', ')}`);
  }
  const depth: number[] = [];
  for (let n = 1; n <= 14; n++) depth.push(ckdCurve(detData, 'exp', n).norm[14]!);
  lines.push(`depth n = 1…14 at t = 15 (exp): ${depth.map((v) => v.toPrecision(3)).join(', ')}`);
  lines.push(`numpy:                             ${NUMPY_C3_DEPTH.join(', ')}`);
  const mc: Record<string, unknown> = {};
  const curves: Curve[] = [];
  lines.push(`Monte Carlo d = 5, ${opts.sequences ?? 256} sequences, mean ‖uₜ − xₜ₊₁‖² ours [numpy] at t = ${C3_T.join(', ')}`);
  for (const p of [3, 5]) {
    const data = generateSequences({ family: 'periodic', d: 5, period: p, length: 50, sequences: opts.sequences ?? 256, seed: opts.seed ?? 0 });
    for (const kernel of ['exp', 'linear'] as const) {
      const name = `p = ${p}, ${kernel}`;
      const c = ckdCurve(data, kernel, Infinity);
      const ours = C3_T.map((t) => c.squared[t - 1]);
      mc[name] = { ours, spec: NUMPY_C3_MC[name], status: c.status, curve: c.squared };
      curves.push({ name, values: c.squared });
      lines.push(`${name.padEnd(16)}${ours.map((v, i) => `${fmt(v)} [${NUMPY_C3_MC[name][i]}]`).join('  ')}`);
    }
  }
  return experimentResult('c3', { sequences: opts.sequences ?? 256, seed: opts.seed ?? 0 }, { deterministic, depth: { ours: depth, spec: NUMPY_C3_DEPTH }, monteCarlo: mc, positions: C3_T }, {
    'e-c3': curvesSpec('E-C3: periodic, d = 5, Kaczmarz limit, exp vs linear kernel', 'e(t) = mean ‖uₜ − xₜ₊₁‖²', curves),
    'e-c3-depth': curvesSpec('E-C3: p = 3, d = 2, exp kernel, error at t = 15 against depth n', '‖uⁿ₁₅ − x₁₆‖', [{ name: 'CKD, exp kernel, η = 1', values: depth }], 'depth n'),
  }, lines);
}

/** Options of E-C4 (see `C4_OPTIONS` in options.ts). */
export type C4Options = OptionsOf<C4Schema> & { lr?: number };

/**
 * E-C4: train the §10.4 model for each depth n (tied and untied) on Haar data (linear attention,
 * linear kernel) and on periodic p = 3 data (exp attention, exp kernel); e(t) of trained, CKD(n),
 * Kaczmarz and LS on the test set, and Δ(t) between trained and CKD(n).
 */
export async function experimentC4(opts: C4Options = {}, progress?: (line: string) => void): Promise<ExperimentResult> {
  const { lr, ...rest } = optionsArg(opts, 'autoregressive.experiment("c4")');
  const o = resolveOptions(C4_OPTIONS, lr !== undefined && rest.eta === undefined ? { ...rest, eta: lr } : rest, { fn: 'autoregressive.experiment("c4")' });
  checkPlan(planC4(o), 'autoregressive.experiment("c4")');
  const layers = o.layers;
  const statuses: RunStatus[] = [];
  const lines = [`E-C4 (reconstruction R-C): trained vs constructed; d = ${o.d}, T = ${o.length}, ${o.steps} Adam steps (learning rate ${o.eta}), batch ${o.batch}`];
  const figures: Record<string, TopLevelSpec> = {};
  const out: Record<string, unknown> = {};
  const settings: [string, 'haar' | 'periodic', AttentionKind, KernelName][] = [['haar', 'haar', 'linear', 'linear'], ['periodic', 'periodic', 'exp', 'exp']];
  for (const [label, family, attention, kernel] of settings) {
    const curves: Curve[] = [];
    const deltas: Curve[] = [];
    const runs: Record<string, unknown>[] = [];
    let test: Sequences | null = null;
    for (const n of layers) {
      for (const tied of [true, false]) {
        const r = await trainAutoregressive({ process: family, attention, tied, layers: n, d: o.d, length: o.length, period: 3, steps: o.steps, batch: o.batch, trainSequences: o.trainSequences, testSequences: o.testSequences, seed: o.seed, backend: o.backend, eta: o.eta });
        statuses.push(r.status);
        test = r.test;
        const T = r.config.length;
        const ckd = await ckdPredictionsSet(r.test, T, { kernel, depth: n, backend: opts.backend ?? 'wasm' });
        const ckdC = curveFromPredictions(ckd, r.test);
        const delta = predictorDistance(r.predictions, ckd, r.test.d, T);
        const name = `trained n = ${n}, ${tied ? 'tied' : 'untied'}`;
        curves.push({ name, values: r.curve.squared });
        if (tied) curves.push({ name: `CKD n = ${n}`, values: ckdC.squared });
        deltas.push({ name: `Δ(t), n = ${n}, ${tied ? 'tied' : 'untied'}`, values: delta });
        const last = r.records[r.records.length - 1];
        const align = constructionAlignment(r.model);
        runs.push({ layers: n, tied, status: r.status, testLoss: last.testLoss, trained: r.curve.squared, ckd: ckdC.squared, ckdStatus: ckdC.status, delta, alignment: align });
        const cos = (xs: number[][]) => xs.map((pair) => pair.map((c) => c.toFixed(2)).join('/')).join(' ');
        const line = `${label.padEnd(9)} n = ${n} ${tied ? 'tied  ' : 'untied'}  status ${r.status}, test loss ${fmt(last.testLoss)}; e(T): trained ${fmt(r.curve.squared[T - 1])}, CKD(n) ${fmt(ckdC.squared[T - 1])}${ckdC.status === 'ok' ? '' : ` (${ckdC.status})`}; Δ(T) ${fmt(delta[T - 1])}; cos to construction QᵀK ${cos(align.qk)}, V ${cos(align.v)}`;
        lines.push(line);
        progress?.(line);
      }
    }
    const kac = errorCurve((x, d, T) => ckdPredictions(x, d, T, { kernel, depth: Infinity }), test!);
    const ls = errorCurve(leastSquaresPredictions, test!);
    curves.push({ name: 'Kaczmarz', values: kac.squared }, { name: 'least squares', values: ls.squared });
    lines.push(`${label.padEnd(9)} e(T): Kaczmarz ${fmt(kac.squared[test!.L - 2])}, least squares ${fmt(ls.squared[test!.L - 2])}`);
    out[label] = { runs, kaczmarz: kac.squared, leastSquares: ls.squared };
    figures[`e-c4-${label}`] = curvesSpec(`E-C4: ${label} data, ${attention} attention vs CKD (${kernel} kernel)`, 'e(t) = mean ‖uₜ − xₜ₊₁‖²', curves);
    figures[`e-c4-${label}-delta`] = curvesSpec(`E-C4: ${label} data, Δ(t) = mean ‖uₜ(trained) − uₜ(CKD n)‖²`, 'Δ(t)', deltas);
  }
  return experimentResult('c4', o, out, figures, lines, statuses);
}
