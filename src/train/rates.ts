import { fitLine, type LineFit } from './metrics.js';
import type { Stage1Record } from './trainer.js';

/** Fitted rates of one stage, to hold against the theory (docs/theory/core.md#what-the-theory-predicts). */
export interface StageRates {
  /** ‖W(t)‖ ≈ slope·t + b: the norm grows linearly (NGD: slope ≤ η) */
  norm: LineFit | null;
  /** ln L(t) ≈ slope·t + b over the second half: the loss converges linearly (exponentially in t) */
  logLoss: LineFit | null;
  /**
   * 1 − cos(W(t), W*) ≈ slope·f(t) + b with f(t) = log t / t (stage 1) or log² t / t (stage 2),
   * the theory's bounds; R² near 1 says the decay has the predicted shape
   */
  direction: LineFit | null;
}

/** Fits the three rates of a stage from its records. */
export function stageRates(records: readonly Stage1Record[], stage: 1 | 2): StageRates {
  const last = records.length ? records[records.length - 1].step : 0;
  const norm = fitLine(records.map((r) => r.step), records.map((r) => r.norm));
  const tail = records.filter((r) => r.step >= last / 2 && r.loss > 0);
  const logLoss = fitLine(tail.map((r) => r.step), tail.map((r) => Math.log(r.loss)));
  const f = (t: number) => (stage === 1 ? Math.log(t) / t : Math.log(t) ** 2 / t);
  const dir = records.filter((r) => r.step >= 10 && r.cosine !== null);
  const direction = fitLine(dir.map((r) => f(r.step)), dir.map((r) => 1 - (r.cosine as number)));
  return { norm, logLoss, direction };
}
