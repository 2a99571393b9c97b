/**
 * One training run of the autoregressive family (docs/theory/autoregressive.md#model-and-loss, reconstruction R-C): seeded train and
 * test sets, the n-layer causal transformer, Adam or GD on mini-batches, records every `every`
 * steps and the test error curve e(t) at the end. Deterministic from its config.
 */
import { createRng } from '../../dataset/random.js';
import { checkPlan } from '../../family/limits.js';
import type { RunStatus } from '../../family/result.js';
import { resolveOptions } from '../../family/schema.js';
import { TRAIN_OPTIONS_SCHEMA, checkTrain, planTrain, type AutoregressiveTrainOptions, type ResolvedTrainOptions } from './options.js';
import { trainTestSets, type Sequences } from './data.js';
import { curveFromPredictions, type ErrorCurve } from './metrics.js';
import { CausalTransformer } from './transformer.js';

/**
 * A run's configuration as a caller passes it; every field has a default (the CI size of
 * docs/theory/autoregressive.md#experiments).
 * @deprecated since 0.2: use {@link AutoregressiveTrainOptions} (`process` for `family`, `eta` for `lr`)
 */
export type AutoregressiveTrainConfig = AutoregressiveTrainOptions & { family?: AutoregressiveTrainOptions['process']; lr?: number };

/** The option names a run config may hold (the sweep validator's list). */
export const TRAIN_OPTIONS: readonly string[] = Object.keys(TRAIN_OPTIONS_SCHEMA);

/** One record: step, the mean batch loss since the last record, and the test loss. */
export interface TrainRecordAR {
  step: number;
  loss: number | null;
  testLoss: number | null;
}

export interface AutoregressiveTrainResult {
  /** `completed` (all steps taken) or `diverged` (a loss or gradient stopped being finite) */
  status: Extract<RunStatus, 'completed' | 'diverged'>;
  steps: number;
  records: TrainRecordAR[];
  /** e(t) of the trained model on the test set */
  curve: ErrorCurve;
  config: ResolvedTrainOptions;
  model: CausalTransformer;
  test: Sequences;
  /** the trained model's test predictions, one T×d array per sequence */
  predictions: Float64Array[];
  /** threads the steps ran on (fewer than asked where the backend or the runtime has none; a warning says so) */
  threads: number;
  warnings: string[];
}

/**
 * Checks a config (unknown options included, with a suggestion) and fills the defaults. The
 * names of before 0.2, `family` and `lr`, are read as `process` and `eta`.
 */
export function resolveTrainConfig(config: unknown, fn = 'autoregressive.train()'): ResolvedTrainOptions {
  let input = config;
  if (typeof config === 'object' && config !== null && !Array.isArray(config) && ('family' in config || 'lr' in config)) {
    const { family, lr, ...rest } = config as Record<string, unknown>;
    input = { ...rest, ...(family !== undefined && rest.process === undefined ? { process: family } : {}), ...(lr !== undefined && rest.eta === undefined ? { eta: lr } : {}) };
  }
  const c = resolveOptions(TRAIN_OPTIONS_SCHEMA, input, { fn });
  checkTrain(c);
  checkPlan(planTrain(c), fn);
  return c;
}

/** Trains one model; `onRecord` sees each record as it is taken. */
export async function trainAutoregressive(config: AutoregressiveTrainConfig | ResolvedTrainOptions = {}, every?: number, onRecord?: (r: TrainRecordAR) => void): Promise<AutoregressiveTrainResult> {
  const c = resolveTrainConfig(every === undefined ? config : { ...config, every }, 'trainAutoregressive()');
  every = c.every;
  const { train, test } = trainTestSets({ family: c.process, d: c.d, length: c.length, period: c.period, theta: c.theta, trainSequences: c.trainSequences, testSequences: c.testSequences, seed: c.seed });
  const model = await CausalTransformer.create({ d: c.d, T: c.length, layers: c.layers, heads: c.heads, attention: c.attention, tied: c.tied, backend: c.backend, precision: c.precision, train, test, seed: c.seed, initScale: c.initScale, threads: c.threads ?? 1 });
  const threads = model.threads;
  const warnings = model.threadNote ? [model.threadNote] : [];
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
  let status: AutoregressiveTrainResult['status'] = 'completed';
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
    const r = model.step(batch, { optimizer: c.optimizer, lr: c.eta });
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
  // the model stays usable for predictions; its threads are not needed past the last step
  model.dispose();
  return { status, steps, records, curve: curveFromPredictions(predictions, test), config: c, model, test, predictions, threads, warnings };
}
