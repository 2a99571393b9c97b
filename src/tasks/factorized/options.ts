// The factorized family's options, declared once: the API types, the run-time checks, the CLI
// flags, the sweep validators and the docs tables all come from these schemas.

import { NtpError } from '../../errors.js';
import type { Dataset } from '../../dataset/types.js';
import { datasetSizes, modelBytes } from '../../engine/limits.js';
import { backendOption, etaOption, everyOption, precisionOption, seedOption, stepsOption, threadsOption, workersOption } from '../../family/common-options.js';
import type { Plan } from '../../family/definition.js';
import { numberBytes } from '../../family/limits.js';
import { opt, type NameOf, type OptionsOf, type ResolvedOf } from '../../family/schema.js';

/** Largest n, T and d of a random instance. */
export const MAX_SIZE = 10_000;

/** The largest seed (seedOption's bound). */
export const MAX_SEED = 2 ** 32 - 1;

/** their code's eps and λ: float64's machine epsilon */
const MACHINE_EPS = 2.220446049250313e-16;

/**
 * Options of one factorized run on a user's dataset (`ntp factorized train`): stage 1 trains W_ov
 * as Algorithm 1 does, stage 2 trains the factors of W_kq = K_f·Q_fᵀ with W_ov fixed
 * (docs/theory/factorized.md#training).
 */
export const TRAIN_OPTIONS = {
  t0: opt.int('stage-1 steps on W_ov (W_ov = 0 leaves the loss flat in W_kq, so at least one)', { default: 300, min: 1, max: 1e9, unit: 'steps' }),
  eta0: opt.number('stage-1 step size η0 of W_ov', { default: 0.5, min: 0, exclusiveMin: true, max: 1e12 }),
  steps: stepsOption(3000, 'stage-2 steps on the factors (K_f, Q_f)'),
  eta: etaOption(0.01, 'stage-2 step size η of each factor'),
  every: everyOption(100),
  m: opt.int('inner dimension m of K_f, Q_f ∈ R^{d×m} (default d)', { min: 1, max: 2 ** 16, optional: true }),
  init: opt.choice(['pytorch', 'k-gaussian'] as const, 'initialization of the factors', {
    default: 'pytorch',
    choiceDocs: { pytorch: 'every entry of K_f and Q_f uniform in (−1/√d, 1/√d)', 'k-gaussian': 'K_f = 0.1·N(0, 1), Q_f = 0' },
  }),
  lambda: opt.number('weight λ of the penalty λ(‖K_f‖² + ‖Q_f‖²)', { default: 0, min: 0, max: 1e12 }),
  normalized: opt.bool('per-factor normalized steps (NGD); --no-normalized takes plain gradient steps', { default: true }),
  svmIterations: opt.int('iteration cap of the nuclear-norm SVM solve (its certificate says whether it reached the 1e-9 gap)', { default: 20000, min: 1, max: 1e7 }),
  seed: seedOption(0, 'seed of the factors\' random initialization'),
  precision: precisionOption(),
  backend: backendOption(),
  threads: threadsOption(),
};

export type TrainOptionsSchema = typeof TRAIN_OPTIONS;
/** Options of {@link TRAIN_OPTIONS}, as a caller passes them. */
export type FactorizedTrainOptions = OptionsOf<TrainOptionsSchema>;
export type ResolvedFactorizedTrain = ResolvedOf<TrainOptionsSchema>;

/** The embedding dimension a dataset trains at (its embedding's, else |V|). */
export function datasetDim(ds: Dataset): number {
  return ds.embedding ? (ds.embedding[0]?.length ?? ds.vocab.length) : ds.vocab.length;
}

/** m ≤ d, which only the dataset knows. */
export function checkTrain(o: ResolvedFactorizedTrain, nameOf: NameOf = (k) => k, ds?: Dataset): void {
  if (!ds || o.m === undefined) return;
  const d = datasetDim(ds);
  if (o.m > d) throw new NtpError('invalid-option', `option ${nameOf('m')} (the inner dimension of K_f, Q_f ∈ R^{d×m}) must be <= d = ${d}, got ${o.m}`);
}

/**
 * An upper bound on the stage-2 margin constraints of a dataset: one per (query, optimal token,
 * other token) of the samples of length ≥ 2, the collocation read from the length-1 samples.
 */
export function constraintBound(ds: Dataset): number {
  const V = ds.vocab.length;
  const next = new Int32Array(V).fill(-1);
  for (const s of ds.samples) if (s.context.length === 1) next[s.context[0]] = s.next;
  const seen = new Set<number>();
  for (const s of ds.samples) {
    const L = s.context.length;
    if (L < 2) continue;
    const q = s.context[L - 1];
    let o = -1;
    for (const t of s.context) if (next[t] === s.next) o = t;
    for (const j of s.context) if (j !== o) seen.add((q * V + Math.max(o, 0)) * V + j);
  }
  return seen.size;
}

/**
 * The memory of a train run from its dataset's sizes: the model, the factors and their gradients,
 * the two SVM solves (constraint Gram matrices and their factorizations, count² each; the SVDs of
 * d×d matrices) and the records.
 */
export function planTrain(o: ResolvedFactorizedTrain, ds?: Dataset): Plan {
  if (!ds) return { bytes: 0, sizes: {} };
  const V = ds.vocab.length;
  const d = datasetDim(ds);
  const m = o.m ?? d;
  const z = datasetSizes(ds, d, o.precision, !ds.embedding);
  const constraints = constraintBound(ds);
  const records = Math.floor(o.steps / o.every) + 2;
  const bytes = modelBytes(z) + numberBytes(4 * d * m, o.precision) + 8 * (4 * constraints * constraints + 2 * constraints * d + 16 * d * d) + records * 256;
  return { bytes, sizes: { vocab: V, d, m, samples: ds.samples.length, tokens: z.totalTokens, constraints }, work: (o.t0 + o.steps) * z.totalTokens * d };
}

/**
 * Options of one local-convergence run (their `local_converge`, one random instance): W and
 * (K, Q) trained side by side, compared with the local Frobenius and nuclear SVMs
 * (docs/theory/factorized.md#local-convergence). Every default is theirs.
 */
export const LOCAL_RUN_OPTIONS = {
  n: opt.int('samples of the random instance', { default: 6, min: 1, max: MAX_SIZE }),
  T: opt.int('tokens per sample', { default: 8, min: 2, max: MAX_SIZE, flag: 'T' }),
  d: opt.int('dimension of the tokens, the query and W', { default: 10, min: 1, max: MAX_SIZE }),
  m: opt.int('inner dimension of K, Q ∈ R^{d×m} (default d)', { min: 1, max: MAX_SIZE, optional: true }),
  steps: { ...stepsOption(2000, 'iterations (their ITN)'), min: 1 },
  eta: opt.number('step size η (their lr)', { default: 0.1, min: 0, exclusiveMin: true, max: 1e12, aliases: ['lr'] }),
  init: opt.choice(['pytorch', 'k-gaussian'] as const, 'initialization of W and of (K, Q)', { default: 'pytorch' }),
  normalized: opt.bool('per-parameter normalized steps (NGD, their code); --no-normalized takes plain gradient steps', { default: true }),
  lambdaKQ: opt.number('penalty λ(‖K‖² + ‖Q‖²) of the (K, Q) run (their code\'s value; it is not inert: once the data gradient falls below ~1e-14 it leads the normalized steps)', { default: MACHINE_EPS, min: 0, max: 1e12, flag: 'lambda-kq' }),
  lambdaW: opt.number('penalty λ‖W‖² of the W run', { default: 0, min: 0, max: 1e12, flag: 'lambda-w' }),
  eps: opt.number('guard of the normalized step η·g/(‖g‖ + eps) (their code\'s)', { default: MACHINE_EPS, min: 0, max: 1 }),
  threshold: opt.number('a token whose attention is above this is selected', { default: 1e-2, min: 0, max: 1, exclusiveMin: true, exclusiveMax: true }),
  band: opt.number('attention in (band, threshold] is ambiguous and left out of the local SVM', { default: 9e-3, min: 0, max: 1, exclusiveMin: true }),
  seed: seedOption(0, 'seed of the instance (the inits use streams derived from it)'),
};

export type LocalRunSchema = typeof LOCAL_RUN_OPTIONS;
/** Options of one local-convergence run, as a caller (or a sweep file) passes them. */
export type LocalRunOptions = OptionsOf<LocalRunSchema>;
export type ResolvedLocalRun = ResolvedOf<LocalRunSchema>;

/** m ≤ d and band ≤ threshold. */
export function checkLocalRun(o: Omit<ResolvedLocalRun, 'seed'>, nameOf: NameOf = (k) => k): void {
  if (o.m !== undefined && o.m > o.d) throw new NtpError('invalid-option', `option ${nameOf('m')} (the inner dimension of K, Q ∈ R^{d×m}) must be an integer in [1, d = ${o.d}], got ${o.m}`);
  if (o.band > o.threshold) throw new NtpError('invalid-option', `option ${nameOf('band')} must be in (0, ${nameOf('threshold')} = ${o.threshold}], got ${o.band}`);
}

/** Bytes of one local run: the instance, W(t) of both runs at every record, the local SVMs. */
export function localRunBytes(o: Omit<ResolvedLocalRun, 'seed'>, every: number): number {
  const records = Math.floor(o.steps / every) + 2;
  const constraints = o.n * (o.T - 1);
  return 8 * ((o.n * o.T + o.n + 1) * o.d + 2 * records * o.d * o.d + 4 * constraints * constraints + 2 * constraints * o.d + 16 * o.d * o.d) + records * 1024;
}

const { seed: _localSeed, ...LOCAL_BASE } = LOCAL_RUN_OPTIONS;

/** Options of `experiment local`: the run's (seeds seed … seed+runs−1), the runs, the record interval, the workers. */
export const LOCAL_OPTIONS = {
  ...LOCAL_BASE,
  runs: opt.int('random instances, seeds seed … seed+runs−1 (their RUN)', { default: 100, min: 1, max: 1e6 }),
  seed: seedOption(0, 'the first run\'s seed (theirs: 0)'),
  every: everyOption(10),
  workers: workersOption(),
};

export type LocalOptionsSchema = typeof LOCAL_OPTIONS;
export type LocalExperimentOptions = OptionsOf<LocalOptionsSchema>;
export type ResolvedLocalExperiment = ResolvedOf<LocalOptionsSchema>;

/** Runs held at once: one per worker (by default one per core), at most the runs. */
const parallel = (workers: number | undefined, runs: number) => Math.min(runs, workers ?? (globalThis.navigator?.hardwareConcurrency || 4));

/** One run's memory times the runs held at once, plus every run's records kept for the bands. */
export function planLocal(o: ResolvedLocalExperiment): Plan {
  const run = localRunBytes(o, o.every);
  const records = Math.floor(o.steps / o.every) + 2;
  const bytes = run * parallel(o.workers, o.runs) + o.runs * records * 1024;
  return { bytes, sizes: { runs: o.runs, n: o.n, T: o.T, d: o.d, steps: o.steps, every: o.every, records }, work: o.runs * o.steps * o.n * o.T * o.d * 4 };
}

/** Options of one instance of the rank study. */
export const RANK_INSTANCE_OPTIONS = {
  n: opt.int('samples', { default: 5, min: 1, max: MAX_SIZE }),
  T: opt.int('tokens per sample', { default: 5, min: 2, max: MAX_SIZE, flag: 'T' }),
  d: opt.int('dimension', { default: 5, min: 1, max: MAX_SIZE }),
  seed: seedOption(0, 'seed of the instance'),
};
export type RankInstanceOptions = OptionsOf<typeof RANK_INSTANCE_OPTIONS>;

/** Options of `experiment rank` (their `svm_rank`). */
export const RANK_OPTIONS = {
  ns: opt.intList('sample counts n of the n series (T = 5)', { default: [5, 10, 15], min: 1, max: MAX_SIZE, maxLength: 1000 }),
  Ts: opt.intList('context lengths T of the T series (n = 5)', { default: [5, 10, 15], min: 2, max: MAX_SIZE, maxLength: 1000, flag: 'Ts' }),
  ds: opt.intList('dimensions d', { default: [1, 2, 3, 4, 5, 10, 15, 20], min: 1, max: MAX_SIZE, maxLength: 1000 }),
  runs: opt.int('instances per point, seeds seed … seed+runs−1', { default: 100, min: 1, max: 1e9 }),
  seed: seedOption(0, 'the first instance\'s seed'),
  workers: workersOption(),
};

export type RankOptionsSchema = typeof RANK_OPTIONS;
export type RankExperimentOptions = OptionsOf<RankOptionsSchema>;
export type ResolvedRankExperiment = ResolvedOf<RankOptionsSchema>;

/** The (n, T) sizes of the study, each once (n = T = 5 is in both series). */
export function rankSizes(o: Pick<ResolvedRankExperiment, 'ns' | 'Ts'>): Array<{ n: number; T: number }> {
  const grid = [...o.ns.map((n) => ({ n, T: 5 })), ...o.Ts.map((T) => ({ n: 5, T }))];
  return [...new Map(grid.map((g) => [`${g.n},${g.T}`, g])).values()];
}

/**
 * The instances' configs and results held at once (about 1 KiB each), and the largest instance's
 * SVM solve (its Gram matrix is (n·(T−1))² numbers) on every worker.
 */
export function planRank(o: ResolvedRankExperiment): Plan {
  const sizes = rankSizes(o);
  const instances = sizes.length * o.ds.length * o.runs;
  const dmax = Math.max(...o.ds);
  let largest = 0;
  for (const { n, T } of sizes) {
    const c = n * (T - 1);
    largest = Math.max(largest, 8 * (n * T * dmax + 4 * c * c + 2 * c * dmax + 16 * dmax * dmax));
  }
  const bytes = instances * 1024 + largest * parallel(o.workers, instances);
  return { bytes, sizes: { instances, runs: o.runs, sizes: sizes.length, ds: o.ds.length, dmax }, work: instances * largest };
}
