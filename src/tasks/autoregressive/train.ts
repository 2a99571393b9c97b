/**
 * One training run of the autoregressive family (SPEC §10.4, reconstruction R-C): seeded train and
 * test sets, the n-layer causal transformer, Adam or GD on mini-batches, records every `every`
 * steps and the test error curve e(t) at the end. Deterministic from its config.
 */
import type { BackendName, Precision } from '../../engine/backend.js';
import { ATTENTION_KINDS, type AttentionKind } from '../../engine/causal/kernels.js';
import { createRng } from '../../dataset/random.js';
import { NtpError } from '../../errors.js';
import { planTrain } from './limits.js';
import { trainTestSets, type Family, type Sequences } from './data.js';
import { curveFromPredictions, type ErrorCurve } from './metrics.js';
import { CausalTransformer } from './transformer.js';

/** A run's configuration; every field has a default (the CI size of SPEC §10.8). */
export interface AutoregressiveTrainConfig {
  family?: Family;
  /** token dimension (default 3) */
  d?: number;
  /** positions T (default 20) */
  length?: number;
  period?: number;
  theta?: number;
  layers?: number;
  heads?: number;
  attention?: AttentionKind;
  tied?: boolean;
  optimizer?: 'adam' | 'gd';
  /** learning rate (default 1e-2, as ICML24) */
  lr?: number;
  /** sequences per step (default 64) */
  batch?: number;
  /** optimiser steps (default 300) */
  steps?: number;
  trainSequences?: number;
  testSequences?: number;
  backend?: BackendName;
  precision?: Precision;
  seed?: number;
  initScale?: number;
}

/** The defaults of {@link AutoregressiveTrainConfig}. */
export const TRAIN_DEFAULTS = {
  family: 'haar' as Family, d: 3, length: 20, period: 3, layers: 2, heads: 2, attention: 'linear' as AttentionKind, tied: true,
  optimizer: 'adam' as const, lr: 1e-2, batch: 64, steps: 300, trainSequences: 2048, testSequences: 256,
  backend: 'wasm' as BackendName, precision: 'f64' as Precision, seed: 0, initScale: 0.02,
};

export const TRAIN_OPTIONS: readonly string[] = [...Object.keys(TRAIN_DEFAULTS), 'theta'];

/** One record: step, the mean batch loss since the last record, and the test loss. */
export interface TrainRecordAR {
  step: number;
  loss: number | null;
  testLoss: number | null;
}

export interface AutoregressiveTrainResult {
  /** `running` (all steps taken) or `diverged` (a loss or gradient stopped being finite) */
  status: 'running' | 'diverged';
  steps: number;
  records: TrainRecordAR[];
  /** e(t) of the trained model on the test set */
  curve: ErrorCurve;
  config: Required<Omit<AutoregressiveTrainConfig, 'theta'>> & { theta?: number };
  model: CausalTransformer;
  test: Sequences;
  /** the trained model's test predictions, one T×d array per sequence */
  predictions: Float64Array[];
}

function check(cond: boolean, option: string, why: string, value: unknown): void {
  if (!cond) throw new NtpError('invalid-option', `option ${option} ${why} (got ${JSON.stringify(value)})`);
}

/** Validates a config (unknown options included) and fills the defaults. */
export function resolveTrainConfig(config: Readonly<Record<string, unknown>>): AutoregressiveTrainResult['config'] {
  for (const k of Object.keys(config)) if (!TRAIN_OPTIONS.includes(k)) throw new NtpError('invalid-option', `unknown option ${JSON.stringify(k)} for the autoregressive family`);
  const c = { ...TRAIN_DEFAULTS, ...(config as AutoregressiveTrainConfig) };
  check(['haar', 'rotation', 'periodic'].includes(c.family), 'family', 'must be haar, rotation or periodic', c.family);
  for (const k of ['d', 'length', 'period', 'layers', 'heads', 'batch', 'trainSequences', 'testSequences'] as const) check(Number.isInteger(c[k]) && c[k] >= 1, k, 'must be an integer ≥ 1', c[k]);
  check(Number.isInteger(c.steps) && c.steps >= 0, 'steps', 'must be an integer ≥ 0', c.steps);
  check(Number.isInteger(c.seed), 'seed', 'must be an integer', c.seed);
  check(ATTENTION_KINDS.includes(c.attention), 'attention', 'must be linear, exp or softmax', c.attention);
  check(typeof c.tied === 'boolean', 'tied', 'must be true or false', c.tied);
  check(c.optimizer === 'adam' || c.optimizer === 'gd', 'optimizer', 'must be adam or gd', c.optimizer);
  check(Number.isFinite(c.lr) && c.lr > 0, 'lr', 'must be a positive number', c.lr);
  check(Number.isFinite(c.initScale) && c.initScale >= 0, 'initScale', 'must be a number ≥ 0', c.initScale);
  check(c.backend === 'wasm' || c.backend === 'js', 'backend', 'must be wasm or js', c.backend);
  check(c.precision === 'f64' || c.precision === 'f32', 'precision', 'must be f64 or f32', c.precision);
  check(c.batch <= c.trainSequences, 'batch', `must be ≤ trainSequences (${c.trainSequences})`, c.batch);
  if (c.family === 'rotation') check(c.d === 2 || config.d === undefined, 'd', 'must be 2 for the rotation family', c.d);
  const d = c.family === 'rotation' ? 2 : c.d;
  if (config.theta !== undefined) check(typeof config.theta === 'number' && Number.isFinite(config.theta), 'theta', 'must be a finite number', config.theta);
  return { ...c, d, theta: config.theta as number | undefined };
}

/** Trains one model; `onRecord` sees each record as it is taken. */
export async function trainAutoregressive(config: Readonly<Record<string, unknown>> = {}, every = 10, onRecord?: (r: TrainRecordAR) => void): Promise<AutoregressiveTrainResult> {
  const c = resolveTrainConfig(config);
  planTrain(c);
  if (!Number.isInteger(every) || every < 1) throw new NtpError('invalid-option', `option every must be an integer ≥ 1 (got ${every})`);
  const { train, test } = trainTestSets({ family: c.family, d: c.d, length: c.length, period: c.period, theta: c.theta, trainSequences: c.trainSequences, testSequences: c.testSequences, seed: c.seed });
  const model = await CausalTransformer.create({ d: c.d, T: c.length, layers: c.layers, heads: c.heads, attention: c.attention, tied: c.tied, backend: c.backend, precision: c.precision, train, test, seed: c.seed, initScale: c.initScale });
  const rng = createRng(c.seed + 1);
  const order = Array.from({ length: c.trainSequences }, (_, i) => i);
  rng.shuffle(order);
  const batch = new Int32Array(c.batch);
  let cursor = 0;
  const records: TrainRecordAR[] = [];
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  const record = (step: number, loss: number | null) => {
    const r = { step, loss, testLoss: finite(model.loss('test')) };
    records.push(r);
    onRecord?.(r);
  };
  record(0, null);
  let status: 'running' | 'diverged' = 'running';
  let steps = 0;
  let sum = 0;
  let count = 0;
  for (let s = 1; s <= c.steps; s++) {
    for (let b = 0; b < c.batch; b++) {
      if (cursor === order.length) {
        rng.shuffle(order);
        cursor = 0;
      }
      batch[b] = order[cursor++];
    }
    const r = model.step(batch, { optimizer: c.optimizer, lr: c.lr });
    if (r.status === 'diverged') {
      status = 'diverged';
      break;
    }
    steps = s;
    sum += r.loss;
    count++;
    if (s % every === 0 || s === c.steps) {
      record(s, sum / count);
      sum = 0;
      count = 0;
    }
  }
  const predictions = model.predictSet('test');
  return { status, steps, records, curve: curveFromPredictions(predictions, test), config: c, model, test, predictions };
}
