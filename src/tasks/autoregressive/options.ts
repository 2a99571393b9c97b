// The autoregressive family's options, declared once for the API, the CLI, the sweep validator
// and the docs: one training run, the reference predictors, and the experiments E-C1 … E-C4.

import { NtpError } from '../../errors.js';
import { backendOption, etaOption, everyOption, precisionOption, seedOption, stepsOption, threadsOption } from '../../family/common-options.js';
import type { Plan } from '../../family/definition.js';
import { opt, type NameOf, type OptionsOf, type ResolvedOf } from '../../family/schema.js';

/** Largest token dimension, positions, sequences and layer sizes a run may ask for (the plan refuses products past 4 GiB). */
const MAX_DIM = 4096;
const MAX_LENGTH = 1e6;
const MAX_SEQUENCES = 1e8;

const processOption = () =>
  opt.choice(['haar', 'rotation', 'periodic'] as const, 'the sequences: xₜ₊₁ = A xₜ with A Haar-orthogonal or a plane rotation, or a periodic sequence', {
    default: 'haar',
    aliases: ['family'],
    choiceDocs: { haar: 'A uniform on O(d)', rotation: 'A = rotation by θ in the plane (d = 2)', periodic: 'xₜ cycles through p points of the sphere' },
  });

/** Options of one training run (the n-layer causal transformer, docs/theory/autoregressive.md#model-and-loss). */
export const TRAIN_OPTIONS_SCHEMA = {
  process: processOption(),
  d: opt.int('token dimension (2 for rotation)', { default: { compute: (o) => (o.process === 'rotation' ? 2 : 3), text: '3 (2 for rotation)' }, min: 1, max: MAX_DIM }),
  length: opt.int('positions T (each sequence holds T + 1 tokens)', { default: 20, min: 1, max: MAX_LENGTH, placeholder: 'T' }),
  period: opt.int('period p of periodic sequences', { default: 3, min: 1, max: MAX_LENGTH, placeholder: 'P', only: { process: ['periodic'] } }),
  theta: opt.number('rotation angle θ (absent: uniform per sequence)', { optional: true, only: { process: ['rotation'] } }),
  layers: opt.int('layers n', { default: 2, min: 1, max: 64 }),
  heads: opt.int('heads per layer', { default: 2, min: 1, max: 64 }),
  attention: opt.choice(['linear', 'exp', 'softmax'] as const, 'attention nonlinearity', { default: 'linear' }),
  tied: opt.bool('one weight set shared by every layer (--no-tied: a set per layer)', { default: true }),
  optimizer: opt.choice(['adam', 'gd'] as const, 'optimizer', { default: 'adam' }),
  eta: etaOption(0.01, 'learning rate'),
  batch: opt.int('sequences per step', { default: 64, min: 1, max: MAX_SEQUENCES, placeholder: 'B' }),
  steps: stepsOption(300),
  every: everyOption(10),
  trainSequences: opt.int('training sequences', { default: 2048, min: 1, max: MAX_SEQUENCES }),
  testSequences: opt.int('test sequences (the error curve e(t))', { default: 256, min: 1, max: MAX_SEQUENCES }),
  initScale: opt.number('scale of the random initial weights', { default: 0.02, min: 0 }),
  seed: seedOption(0),
  backend: backendOption(),
  precision: precisionOption(),
  threads: threadsOption(),
};
export type AutoregressiveTrainSchema = typeof TRAIN_OPTIONS_SCHEMA;
/** A training run's options as a caller passes them. */
export type AutoregressiveTrainOptions = OptionsOf<AutoregressiveTrainSchema>;
/** A training run's options after defaults. */
export type ResolvedTrainOptions = ResolvedOf<AutoregressiveTrainSchema>;

function bad(msg: string): never {
  throw new NtpError('invalid-option', msg);
}

/** Checks between the options of a training run. */
export function checkTrain(o: ResolvedTrainOptions, nameOf: NameOf = (k) => k): void {
  if (o.batch > o.trainSequences) bad(`option ${nameOf('batch')} (${o.batch}) must be <= ${nameOf('trainSequences')} (${o.trainSequences})`);
  if (o.process === 'rotation' && o.d !== 2) bad(`option ${nameOf('d')} must be 2 for ${nameOf('process')} rotation (got ${o.d})`);
}

/**
 * The memory of a training run: the train and test sequences, the weights and Adam's moments, and
 * per layer and head the T×T attention of a batch with its backward (the kernels keep them all).
 */
export function planTrain(o: ResolvedTrainOptions): Plan {
  const L = o.length + 1;
  const data = (o.trainSequences + o.testSequences) * L * o.d;
  const params = (o.tied ? 1 : o.layers) * o.heads * 3 * o.d * o.d * 3;
  const attention = o.batch * o.layers * o.heads * (2 * o.length * o.length + 6 * L * o.d);
  const predictions = o.testSequences * o.length * o.d;
  const bytes = 8 * (data + params + attention + predictions + 2 * o.batch * L * o.d * o.layers);
  return { bytes, sizes: { length: o.length, d: o.d, batch: o.batch, layers: o.layers, heads: o.heads, trainSequences: o.trainSequences, testSequences: o.testSequences }, work: o.steps * attention * o.d * 3 };
}

/** Options of `reference`: the error curve e(t) of a reference predictor (CKD, its Kaczmarz limit, least squares). */
export const REFERENCE_OPTIONS = {
  process: processOption(),
  d: opt.int('token dimension (2 for rotation)', { default: { compute: (o) => (o.process === 'rotation' ? 2 : 5), text: '5 (2 for rotation)' }, min: 1, max: MAX_DIM }),
  length: opt.int('positions T', { default: 50, min: 1, max: MAX_LENGTH, placeholder: 'T' }),
  period: opt.int('period p of periodic sequences', { default: 3, min: 1, max: MAX_LENGTH, placeholder: 'P', only: { process: ['periodic'] } }),
  theta: opt.number('rotation angle θ (absent: uniform per sequence)', { optional: true, only: { process: ['rotation'] } }),
  sequences: opt.int('sequences', { default: { compute: (o) => (o.process === 'rotation' && o.theta !== undefined ? 1 : 256), text: '256 (1 for a rotation with --theta)' }, min: 1, max: MAX_SEQUENCES, placeholder: 'S' }),
  start: opt.choice(['sphere', 'ones', 'e1'] as const, 'the first token x_1', { default: { compute: (o) => (o.process === 'rotation' ? 'e1' : 'sphere'), text: 'sphere (e1 for rotation)' } }),
  method: opt.choice(['ckd', 'ls', 'transformer'] as const, 'the predictor', {
    default: 'ckd',
    choiceDocs: { ckd: 'causal kernel descent', ls: 'in-context least squares', transformer: 'CKD computed by its transformer realisation (2 heads, tied weights; needs --depth)' },
  }),
  kernel: opt.choice(['linear', 'exp'] as const, 'the kernel of CKD', { default: 'linear', only: { method: ['ckd', 'transformer'] } }),
  depth: opt.int('CKD depth n (absent: the Kaczmarz limit n = ∞)', { min: 1, max: MAX_LENGTH, optional: true, only: { method: ['ckd', 'transformer'] } }),
  eta: { ...etaOption(1, 'CKD step η'), only: { method: ['ckd', 'transformer'] } },
  seed: seedOption(0),
};
export type ReferenceSchema = typeof REFERENCE_OPTIONS;
export type ReferenceOptions = OptionsOf<ReferenceSchema>;
export type ResolvedReferenceOptions = ResolvedOf<ReferenceSchema>;

/** Checks between the options of `reference`. */
export function checkReference(o: ResolvedReferenceOptions, nameOf: NameOf = (k) => k): void {
  if (o.process === 'rotation' && o.d !== 2) bad(`option ${nameOf('d')} must be 2 for ${nameOf('process')} rotation (got ${o.d})`);
  if (o.method === 'transformer' && o.depth === undefined) bad(`option ${nameOf('method')} transformer needs a finite ${nameOf('depth')}`);
}

/** The memory of `reference`: the sequences, the predictions, and CKD's T×T kernel per sequence. */
export function planReference(o: ResolvedReferenceOptions): Plan {
  const L = o.length + 1;
  const bytes = 8 * (2 * o.sequences * L * o.d + 3 * o.length * o.length + 4 * o.length * o.d + 2 * o.length);
  return { bytes, sizes: { sequences: o.sequences, length: o.length, d: o.d }, work: o.sequences * o.length * o.length * o.d * (o.depth ?? o.length) };
}

/** E-C1's options. */
export const C1_OPTIONS = { length: opt.int('positions T', { default: 12, min: 2, max: 10000, placeholder: 'T' }) };
/** E-C2's and E-C3's options. */
export const MONTE_CARLO_OPTIONS = {
  sequences: opt.int('Monte Carlo sequences', { default: 256, min: 1, max: 1e6, placeholder: 'S' }),
  seed: seedOption(0),
};
/** E-C4's options: the trained runs' sizes. */
export const C4_OPTIONS = {
  layers: opt.intList('depths n to train', { default: [1, 2, 4], min: 1, max: 64, maxLength: 16 }),
  steps: stepsOption(300),
  d: opt.int('token dimension', { default: 3, min: 1, max: MAX_DIM }),
  length: opt.int('positions T', { default: 20, min: 1, max: MAX_LENGTH, placeholder: 'T' }),
  batch: opt.int('sequences per step', { default: 64, min: 1, max: MAX_SEQUENCES, placeholder: 'B' }),
  trainSequences: opt.int('training sequences', { default: 2048, min: 1, max: MAX_SEQUENCES }),
  testSequences: opt.int('test sequences', { default: 256, min: 1, max: MAX_SEQUENCES, aliases: ['sequences'] }),
  eta: etaOption(0.01, 'learning rate'),
  seed: seedOption(0),
  backend: backendOption(),
};
export type C4Schema = typeof C4_OPTIONS;
export type ResolvedC4Options = ResolvedOf<C4Schema>;

/** The largest run of E-C4 (its deepest untied model). */
export function planC4(o: ResolvedC4Options): Plan {
  const deepest = Math.max(...o.layers);
  return planTrain({ process: 'haar', d: o.d, length: o.length, period: 3, theta: undefined, layers: deepest, heads: 2, attention: 'exp', tied: false, optimizer: 'adam', eta: o.eta, batch: o.batch, steps: o.steps, every: o.steps || 1, trainSequences: o.trainSequences, testSequences: o.testSequences, initScale: 0.02, seed: o.seed, backend: o.backend, precision: 'f64', threads: undefined });
}
