// The Bayes-optimal predictor and the closed forms of docs/theory/recall.md#bayes-optimal-predictor-and-closed-forms.

import { noiseToken, type RecallTask } from './config.js';
import { objectArg, arrayArg, intArg } from '../../api/arguments.js';

/** h(α) = −α ln α − (1 − α) ln(1 − α), the Bayes risk; h(0) = 0. */
export function binaryEntropy(alpha: number): number {
  if (alpha === 0) return 0;
  return -alpha * Math.log(alpha) - (1 - alpha) * Math.log1p(-alpha);
}

/** The Bayes risk R* = h(α) of a task (cross-entropy). */
export const bayesRisk = (task: Pick<RecallTask, 'alpha'>): number => binaryEntropy(objectArg(task, 'bayesRisk(task): task').alpha);

/** γ = ln(α/(1−α)), the fixed F of the noisy Reparam models; 0 for α = 0 (the authors' code for α̂ = 0). */
export function gammaOf(alpha: number): number {
  return alpha === 0 ? 0 : Math.log(alpha) - Math.log1p(-alpha);
}

/**
 * The output y a context determines: the token after an occurrence of the trigger q = z_H
 * (before position H) that is not the noise token. −1 if the context has none.
 */
export function contextOutput(tokens: Int32Array | readonly number[], o: number, H: number, tau: number): number {
  arrayArg(tokens, 'contextOutput(tokens, o, H, tau): tokens');
  intArg(o, 'contextOutput(tokens, o, H, tau): o', 0);
  intArg(H, 'contextOutput(tokens, o, H, tau): H', 0);
  const q = tokens[o + H - 1];
  for (let i = 0; i < H - 2; i++) {
    if (tokens[o + i] === q && tokens[o + i + 1] !== tau) return tokens[o + i + 1];
  }
  return -1;
}

/**
 * p*(· | z_{1:H}) = (1 − α) δ_y + α δ_τ, the Bayes-optimal next-token distribution of docs/theory/recall.md#bayes-optimal-predictor-and-closed-forms,
 * read from the context alone. Returns a vector over the vocabulary.
 */
export function bayesPredict(task: RecallTask, context: readonly number[]): Float64Array {
  objectArg(task, 'bayesPredict(task, context): task');
  arrayArg(context, 'bayesPredict(task, context): context');
  const p = new Float64Array(task.vocab);
  const tau = noiseToken(task);
  const y = contextOutput(context, 0, context.length, tau);
  if (y < 0) throw new RangeError('the context holds no (trigger, output) bigram');
  p[y] += 1 - task.alpha;
  p[tau] += task.alpha;
  return p;
}

/** Reparam-Linear-FA, noisy: L_t = h(α) + ln(1 + (1−α)(N−2) e^{−ηt}), with Λ_t = ηt. */
export function reparamNoisyLoss(N: number, alpha: number, etaT: number): number {
  return binaryEntropy(alpha) + Math.log1p((1 - alpha) * (N - 2) * Math.exp(-etaT));
}

/** Reparam-Linear, noiseless with equal trigger counts: L_t = ln(1 + (N−1) e^{−ηt/√Q}). */
export function reparamNoiselessLoss(N: number, Q: number, etaT: number): number {
  return Math.log1p((N - 1) * Math.exp(-etaT / Math.sqrt(Q)));
}

/** Reparam-Linear-F (κ = 0), noisy: the best population loss over Λ, h(α) + α ln(1 + (N−2)(1−α)/α). */
export function reparamKappa0Floor(N: number, alpha: number): number {
  return binaryEntropy(alpha) + alpha * Math.log1p(((N - 2) * (1 - alpha)) / alpha);
}

/** Reparam-Softmax (V = I) as Λ → ∞: ln(1 + (N−1)/e) noiseless; ln(e(1 + e^γ) + N − 2) − 1 − αγ noisy (κ = 1). */
export function reparamSoftmaxFloor(N: number, alpha: number): number {
  if (alpha === 0) return Math.log1p((N - 1) / Math.E);
  const g = gammaOf(alpha);
  return Math.log(Math.E * (1 + Math.exp(g)) + N - 2) - 1 - alpha * g;
}
