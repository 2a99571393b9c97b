/**
 * The autoregressive family's single training run as a SweepFamily (src/tasks/family.ts), for the
 * sweep engine: config → status, final metrics and records, deterministic from the seed.
 */
import { endedStatus, type RunRecord, type RunResult, type SweepFamily } from '../family.js';
import { checkRunBytes } from '../../engine/limits.js';
import { resolveTrainConfig, trainAutoregressive, TRAIN_OPTIONS } from './train.js';

export const autoregressiveFamily: SweepFamily = {
  name: 'autoregressive',
  options: TRAIN_OPTIONS,
  validate(config) {
    const c = resolveTrainConfig(config);
    // the largest arrays: the train and test sequences (and the test predictions), the weights,
    // and a batch's activations, T×T attention scores per head and layer
    const S = c.trainSequences + c.testSequences;
    const bytes = 8 * (S * c.length * c.d + 2 * c.testSequences * c.length * c.d + 8 * c.layers * c.heads * c.d * c.d + 4 * c.batch * c.layers * c.heads * c.length * c.length + 8 * c.batch * c.layers * c.length * c.d);
    checkRunBytes(bytes, `length = ${c.length}, d = ${c.d}, ${c.trainSequences} + ${c.testSequences} sequences, batch = ${c.batch}, ${c.layers} layers × ${c.heads} heads`);
  },
  async run(config, every): Promise<RunResult> {
    const r = await trainAutoregressive(config, every);
    const records: RunRecord[] = r.records.map((x) => ({ step: x.step, loss: x.loss, testLoss: x.testLoss }));
    const last = r.records[r.records.length - 1];
    const T = r.config.length;
    const e = r.curve.squared;
    return {
      status: endedStatus(r.status),
      final: {
        steps: r.steps,
        loss: last?.loss ?? null,
        testLoss: last?.testLoss ?? null,
        // e(t) at the last position and at the middle one (docs/theory/autoregressive.md#metrics)
        errorLast: e[T - 1],
        errorMid: e[Math.floor((T - 1) / 2)],
      },
      records,
      extra: { reconstruction: 'R-C', errors: e, curveStatus: r.curve.status },
    };
  },
};
