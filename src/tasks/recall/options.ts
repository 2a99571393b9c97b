// The recall family's run options, declared once: the API types, the run-time check, the CLI
// flags, the sweep validator and the docs table all come from this schema.

import { NtpError } from '../../errors.js';
import { backendOption, etaOption, precisionOption, seedOption, stepsOption } from '../../family/common-options.js';
import { numberBytes } from '../../family/limits.js';
import type { Plan } from '../../family/definition.js';
import { opt, resolveOptions, type NameOf, type OptionsOf, type ResolvedOf } from '../../family/schema.js';
import { ATTENTION_CODES, MODEL_KINDS, validateTask, type RecallAttention, type RecallModelKind } from './config.js';

/** Most tokens a run holds at once (1 GiB of int32). */
export const MAX_TOKENS = 2 ** 28;
/** Largest vocabulary: W and ∇W take 2·(2N)² numbers (1 GiB in float64 at N = 4096). */
export const MAX_VOCAB = 4096;

/** Options of one recall run; every default is the paper's (Nguyen & Nguyen-Tang 2025, §5). */
export const RECALL_OPTIONS = {
  model: opt.choice<RecallModelKind>(MODEL_KINDS, 'which parameters train', {
    default: 'origin',
    choiceDocs: { origin: 'W, V and F train (the authors\' model)', reparam: 'λ per trigger (Λ when noisy) trains; W, V fixed', 'reparam-w': 'W trains, V fixed' },
  }),
  attention: opt.choice<RecallAttention>(ATTENTION_CODES, 'the attention nonlinearity σ', { default: 'linear' }),
  kappa: opt.choice([0, 1] as const, 'κ = 1: F sees x_H plus the attention output ("-FA"); κ = 0: x_H only ("-F")', { default: 1, placeholder: 'K' }),
  alpha: opt.number('probability α of the noise token as the target (0: noiseless)', { default: 0, min: 0, max: 1, exclusiveMax: true, placeholder: 'A' }),
  vocab: opt.int('vocabulary size N', { default: 60, min: 4, max: MAX_VOCAB, unit: 'tokens' }),
  triggers: opt.int('trigger tokens 0 … Q−1', { default: 5, min: 1, max: MAX_VOCAB, placeholder: 'Q' }),
  outputs: opt.int('output tokens Q … Q+Y−1', { default: 4, min: 1, max: MAX_VOCAB, placeholder: 'Y' }),
  context: opt.int('context length H', { default: 256, min: 4, max: MAX_TOKENS, unit: 'tokens', placeholder: 'H' }),
  d: opt.int('declared embedding dimension (coordinates past 2N are inert)', { default: { compute: (o) => 2 * (o.vocab as number), text: '2·vocab' }, min: 8, max: 2 ** 20, placeholder: 'D' }),
  batch: opt.int('sentences per step', { default: 512, min: 1, max: MAX_TOKENS, placeholder: 'B' }),
  steps: stepsOption(2000),
  eta: etaOption(0.1),
  samples: opt.int('train on M fixed sentences (a finite-sample run); 0: a fresh batch every step', { default: 0, min: 0, max: MAX_TOKENS, placeholder: 'M' }),
  every: opt.int('record the metrics every N steps (and at the last step)', {
    default: { compute: (o) => ((o.samples as number) > 0 ? Math.ceil((o.samples as number) / (o.batch as number)) : 20), text: '20, or one epoch with --samples' },
    min: 1, max: 1e9,
  }),
  evalSize: opt.int('held-out population sentences for the excess risk and the logits', { default: 1024, min: 1, max: MAX_TOKENS, placeholder: 'S' }),
  testSize: opt.int('unseen-output test sentences', { default: 512, min: 1, max: MAX_TOKENS, placeholder: 'S' }),
  seed: seedOption(0),
  precision: precisionOption(),
  backend: backendOption(),
};

export type RecallOptionsSchema = typeof RECALL_OPTIONS;
/** Options of one run, as a caller passes them: every field optional, with the paper's default. */
export type RecallRunOptions = OptionsOf<RecallOptionsSchema>;
/** Options of one run after defaults. */
export type ResolvedRecallRun = ResolvedOf<RecallOptionsSchema>;

/** The option names a run config may hold (the sweep engine's "unknown option" check). */
export const RUN_OPTIONS = Object.keys(RECALL_OPTIONS) as ReadonlyArray<keyof RecallOptionsSchema>;

/** The paper's name of a model, e.g. Reparam-Softmax-W-FA (W: reparam-w; F: κ = 0, FA: κ = 1). */
export function modelLabel(model: RecallModelKind, attention: RecallAttention, kappa: 0 | 1): string {
  const a = attention === 'linear' ? 'Linear' : attention === 'relu' ? 'ReLU' : 'Softmax';
  const k = model === 'origin' ? 'Origin' : 'Reparam';
  return `${k}-${a}${model === 'reparam-w' ? '-W' : ''}-${kappa ? 'FA' : 'F'}`;
}

/**
 * The checks between options: the task's sizes fit together, M ≥ B, the tokens held fit, and the
 * model can train at all. Refuses Origin-Linear-F: from zero init W = 0 gives a = 0, so ∇V = 0
 * and ∇W = 0 forever (docs/theory/recall.md#model-and-loss), and attention provably never trains.
 */
export function checkRecallRun(r: ResolvedRecallRun, nameOf: NameOf = (k) => k): void {
  const bad = (msg: string): never => {
    throw new NtpError('invalid-option', msg);
  };
  validateTask({ vocab: r.vocab, triggers: r.triggers, outputs: r.outputs, context: r.context, alpha: r.alpha }, nameOf);
  if (r.samples > 0 && r.samples < r.batch) bad(`option ${nameOf('samples')} (${r.samples}) must be >= ${nameOf('batch')} (${r.batch}) or 0 (a population run)`);
  if (r.d < 2 * r.vocab) bad(`option ${nameOf('d')} must be >= 2N = ${2 * r.vocab} (got ${r.d}): E(v) = e_v and Ẽ(v) = e_{N+v} need 2N coordinates`);
  const held = (r.batch + r.evalSize + r.testSize + r.samples) * r.context;
  if (held > MAX_TOKENS) bad(`options ${nameOf('batch')} + ${nameOf('evalSize')} + ${nameOf('testSize')} + ${nameOf('samples')} (${r.batch + r.evalSize + r.testSize + r.samples} sentences) × ${nameOf('context')} (${r.context}) = ${held} tokens exceed the ${MAX_TOKENS} a run may hold in memory`);
  if (r.model === 'origin' && r.attention === 'linear' && r.kappa === 0) {
    throw new NtpError('frozen-attention', `${modelLabel(r.model, r.attention, r.kappa)} (${nameOf('model')} origin, ${nameOf('attention')} linear, ${nameOf('kappa')} 0) never trains attention from zero init: W = 0 gives a = 0, so ∇V = 0 and ∇W = Vᵀg = 0 at every step (docs/theory/recall.md#model-and-loss); only F would train, a pure feed-forward model. Use ${nameOf('kappa')} 1 or relu/softmax attention`);
  }
}

/** The memory of a run from its options: tokens held, the weights, their gradients and the attention buffers. */
export function planRecallRun(r: ResolvedRecallRun): Plan {
  const n2 = 2 * r.vocab;
  const sentences = r.batch + r.evalSize + r.testSize + r.samples;
  const tokens = sentences * r.context;
  const weights = 3 * n2 * n2;
  const attention = r.batch * r.context * 4;
  const bytes = 4 * tokens + numberBytes(3 * weights + attention + r.batch * n2 * 4, r.precision);
  return { bytes, sizes: { sentences, context: r.context, tokens, vocab: r.vocab, batch: r.batch }, work: r.steps * r.batch * r.context * n2 * 6 };
}

/** Resolves defaults and checks every option (NtpError naming it as `nameOf` spells it). */
export function resolveRecallRun(opts: unknown, nameOf: NameOf = (k) => k, fn = 'recall.train()'): ResolvedRecallRun {
  const r = resolveOptions(RECALL_OPTIONS, opts, { fn, nameOf });
  checkRecallRun(r, nameOf);
  return r;
}
