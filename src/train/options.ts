import { NtpError } from '../errors.js';

/** Which optimizer runs. */
export type Algorithm = 'two-stage' | 'gd' | 'joint';

/** Options of a training run (Algorithm 1 and its baselines). */
export interface TrainOptions {
  /**
   * `two-stage` (default): Algorithm 1, normalized GD on L0 over W_ov for t0 steps, then on L over
   * W_kq with W_ov fixed for t1 steps. `gd`: the same two stages with plain gradient steps
   * W ← W − η∇. `joint`: both layers at once on L for t0 + t1 steps, each normalized on its own.
   */
  algorithm?: Algorithm;
  /** stage-1 steps T0 (default 900) */
  t0?: number;
  /** stage-2 steps T1 (default 900) */
  t1?: number;
  /** stage-1 step size η0 (default 0.2/√d, the paper's) */
  eta0?: number;
  /** stage-2 step size η (default 0.05/√d, the paper's) */
  eta1?: number;
  /** record metrics every this many steps, and at step 0 and the last step (default 10) */
  every?: number;
}

/** {@link TrainOptions} with every default filled in: what a run actually used. */
export type ResolvedTrainOptions = Required<TrainOptions>;

/** Fills in defaults for embedding dimension d and checks every option, naming the bad one. */
export function resolveTrainOptions(opts: TrainOptions, d: number): ResolvedTrainOptions {
  const r: ResolvedTrainOptions = {
    algorithm: opts.algorithm ?? 'two-stage',
    t0: opts.t0 ?? 900,
    t1: opts.t1 ?? 900,
    eta0: opts.eta0 ?? 0.2 / Math.sqrt(d),
    eta1: opts.eta1 ?? 0.05 / Math.sqrt(d),
    every: opts.every ?? 10,
  };
  if (!['two-stage', 'gd', 'joint'].includes(r.algorithm)) {
    throw new NtpError('invalid-option', `option algorithm must be two-stage, gd or joint, got "${String(r.algorithm)}"`);
  }
  for (const key of ['t0', 't1'] as const) {
    if (!Number.isSafeInteger(r[key]) || r[key] < 0) throw new NtpError('invalid-option', `option ${key} must be an integer >= 0, got ${r[key]}`);
  }
  if (r.algorithm !== 'joint' && r.t0 === 0 && r.t1 > 0) {
    // W_ov = 0 makes every logit equal whatever W_kq is: stage 2 would stop at once with a zero gradient
    throw new NtpError('invalid-option', 'option t0 = 0 leaves W_ov = 0, where the loss does not depend on W_kq, so stage 2 cannot train; give t0 > 0 (or t1 = 0)');
  }
  if (!Number.isSafeInteger(r.every) || r.every < 1) throw new NtpError('invalid-option', `option every must be an integer >= 1, got ${r.every}`);
  for (const key of ['eta0', 'eta1'] as const) {
    if (!(r[key] > 0) || !Number.isFinite(r[key])) throw new NtpError('invalid-option', `option ${key} must be a positive finite number, got ${r[key]}`);
  }
  return r;
}
