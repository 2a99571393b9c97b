import { NtpError } from '../../errors.js';
import { objectArg } from '../../api/arguments.js';

/** Which parameters train (docs/theory/recall.md#model-and-loss). */
export type RecallModelKind = 'origin' | 'reparam' | 'reparam-w';
/** The attention nonlinearity σ: a = s, a = max(s + 10⁻⁸, 0), or softmax over the context. */
export type RecallAttention = 'linear' | 'relu' | 'softmax';

/** Sizes of the task (docs/theory/recall.md#data): vocabulary ids 0 … N−1, triggers 0 … Q−1, outputs Q … Q+Y−1, noise τ = N−1. */
export interface RecallTask {
  /** vocabulary size N (default 60) */
  vocab: number;
  /** trigger count Q (default 5) */
  triggers: number;
  /** output count Y (default 4) */
  outputs: number;
  /** context length H (default 256) */
  context: number;
  /** probability α of the noise token as target; 0 is the noiseless setting (default 0) */
  alpha: number;
}

export const ATTENTION_CODES: readonly RecallAttention[] = ['linear', 'relu', 'softmax'];
export const MODEL_KINDS: readonly RecallModelKind[] = ['origin', 'reparam', 'reparam-w'];

/** The noise token τ = N − 1. */
export const noiseToken = (task: Pick<RecallTask, 'vocab'>): number => objectArg(task, 'noiseToken(task): task').vocab - 1;

/** The noisy setting (one trigger q = 0, a (q, τ) bigram in every sentence) is α > 0. */
export const isNoisy = (task: Pick<RecallTask, 'alpha'>): boolean => objectArg(task, 'isNoisy(task): task').alpha > 0;

/**
 * Checks the task's sizes; `nameOf` maps a key to the name the user typed (a CLI flag) so the
 * error points at what to fix.
 */
export function validateTask(task: RecallTask, nameOf: (key: string) => string = (k) => k): void {
  objectArg(task, 'validateTask(task): task');
  const bad = (msg: string): never => {
    throw new NtpError('invalid-option', msg);
  };
  const int = (key: keyof RecallTask, min: number) => {
    const v = task[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) bad(`option ${nameOf(key)} must be an integer >= ${min} (got ${String(v)})`);
  };
  int('vocab', 4);
  int('triggers', 1);
  int('outputs', 1);
  int('context', 4);
  const { vocab: N, triggers: Q, outputs: Y, context: H, alpha } = task;
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha < 1)) bad(`option ${nameOf('alpha')} must be in [0, 1) (got ${String(alpha)}): α = 1 makes every target the noise token and γ = ln(α/(1−α)) undefined`);
  // outputs Q … Q+Y−1 lie in the filler range Q … N−2, and the unseen-output test set needs
  // at least one filler id past them (Q+Y … N−2)
  if (Q + Y > N - 2) {
    bad(`options ${nameOf('triggers')} (${Q}) + ${nameOf('outputs')} (${Y}) must be <= ${nameOf('vocab')} − 2 = ${N - 2}: triggers 0…Q−1, outputs Q…Q+Y−1, at least one unseen output id Q+Y…N−2, and the noise token N−1 must fit the vocabulary`);
  }
  // the (q, τ) bigram needs a position p′ with |p′ − p| ≥ 2 inside 1 … H−2
  if (alpha > 0 && H < 5) bad(`option ${nameOf('context')} must be >= 5 in the noisy setting (got ${H}): the (q, y) and (q, τ) bigrams need positions at least 2 apart in 1 … H−2`);
}
