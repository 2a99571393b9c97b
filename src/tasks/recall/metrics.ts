// Metrics of docs/theory/recall.md#bayes-optimal-predictor-and-closed-forms over sets of sentences, from the per-sentence values of the model's
// evaluate kernel.

import type { RecallBatch } from './data.js';
import type { RecallModel } from './model.js';
import { EVAL_FIELDS } from './kernels/step.js';
import { objectArg, arrayArg, numberArg } from '../../api/arguments.js';

/** Means over a set of sentences. */
export interface RecallMetrics {
  /** mean cross-entropy against the sampled targets */
  loss: number;
  /** L̂ = mean[−(1−α) ln p(y) − α ln p(τ)], without target-sampling noise */
  lossHat: number;
  /** L̂ − h(α) = mean KL(p* ‖ p_θ) ≥ 0 */
  excessRisk: number;
  /** mean p_θ(y) (expected 1 when noiseless) */
  prOutput: number;
  /** mean p_θ(τ) (expected α when noisy) */
  prNoise: number;
  /** layer-wise logits: mean ξ_A[y], mean max_j ξ_A[j], mean ξ_F[τ], mean max_j ξ_F[j] */
  xiAOutput: number;
  xiAMax: number;
  xiFNoise: number;
  xiFMax: number;
}

/**
 * Evaluates the model on every batch of a set. The excess risk is the mean per-sentence
 * KL(p* ‖ p_θ) = (1−α)(ln p*(y) − ln p(y)) + α(ln p*(τ) − ln p(τ)), with −ln p in log1p forms,
 * so it stays accurate as it goes to zero.
 */
export function evaluateSet(model: RecallModel, batches: readonly RecallBatch[], alpha: number): RecallMetrics {
  objectArg(model, 'evaluateSet(model, batches, alpha): model');
  arrayArg(batches, 'evaluateSet(model, batches, alpha): batches');
  numberArg(alpha, 'evaluateSet(model, batches, alpha): alpha');
  const k = EVAL_FIELDS.length;
  const acc = new Float64Array(k + 3);
  // −ln p*(y) and −ln p*(τ): each sentence's KL is a sum of two differences of nearby numbers,
  // summed small, instead of a mean of O(1) losses minus h(α)
  const cY = -Math.log1p(-alpha);
  const cT = alpha === 0 ? 0 : -Math.log(alpha);
  let n = 0;
  for (const batch of batches) {
    const { B, values } = model.evaluate(batch);
    for (let b = 0; b < B; b++) {
      const o = b * k;
      for (let f = 0; f < k; f++) acc[f] += values[o + f];
      acc[k] += Math.exp(-values[o]);
      acc[k + 1] += Math.exp(-values[o + 1]);
      acc[k + 2] += alpha === 0 ? values[o] : (1 - alpha) * (values[o] - cY) + alpha * (values[o + 1] - cT);
    }
    n += B;
  }
  const mean = (i: number) => acc[i] / n;
  const lossHat = alpha === 0 ? mean(0) : (1 - alpha) * mean(0) + alpha * mean(1);
  return {
    loss: mean(2),
    lossHat,
    excessRisk: mean(k + 2),
    prOutput: mean(k),
    prNoise: mean(k + 1),
    xiAOutput: mean(3),
    xiAMax: mean(4),
    xiFNoise: mean(5),
    xiFMax: mean(6),
  };
}
