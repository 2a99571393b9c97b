/**
 * The autoregressive family's single training run as a SweepFamily (src/tasks/family.ts), for the
 * sweep engine: config → status, final metrics and records, deterministic from the seed.
 */
import type { RunRecord, RunResult, SweepFamily } from '../family.js';
import { resolveTrainConfig, trainAutoregressive, TRAIN_OPTIONS } from './train.js';

export const autoregressiveFamily: SweepFamily = {
  name: 'autoregressive',
  options: TRAIN_OPTIONS,
  validate(config) {
    resolveTrainConfig(config);
  },
  async run(config, every): Promise<RunResult> {
    const r = await trainAutoregressive(config, every);
    const records: RunRecord[] = r.records.map((x) => ({ step: x.step, loss: x.loss, testLoss: x.testLoss }));
    const last = r.records[r.records.length - 1];
    const T = r.config.length;
    const e = r.curve.squared;
    return {
      status: r.status,
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
