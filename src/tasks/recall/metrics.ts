// Metrics of SPEC §11.2 over sets of sentences, from the per-sentence values of the model's
// evaluate kernel.

import type { RecallBatch } from './data.js';
import type { RecallModel } from './model.js';
import { EVAL_FIELDS } from './kernels/step.js';
import { binaryEntropy } from './reference.js';

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
 * Evaluates the model on every batch of a set. The per-sentence excess is summed as
 * (1−α)(−ln p(y)) + α(−ln p(τ)) − h(α), each term of which is exact when tiny (log1p forms).
 */
export function evaluateSet(model: RecallModel, batches: readonly RecallBatch[], alpha: number): RecallMetrics {
  const k = EVAL_FIELDS.length;
  const acc = new Float64Array(k + 2);
  let n = 0;
  for (const batch of batches) {
    const { B, values } = model.evaluate(batch);
    for (let b = 0; b < B; b++) {
      const o = b * k;
      for (let f = 0; f < k; f++) acc[f] += values[o + f];
      acc[k] += Math.exp(-values[o]);
      acc[k + 1] += Math.exp(-values[o + 1]);
    }
    n += B;
  }
  const mean = (i: number) => acc[i] / n;
  const lossHat = alpha === 0 ? mean(0) : (1 - alpha) * mean(0) + alpha * mean(1);
  return {
    loss: mean(2),
    lossHat,
    excessRisk: lossHat - binaryEntropy(alpha),
    prOutput: mean(k),
    prNoise: mean(k + 1),
    xiAOutput: mean(3),
    xiAMax: mean(4),
    xiFNoise: mean(5),
    xiFMax: mean(6),
  };
}
