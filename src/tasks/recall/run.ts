// One training run of the recall family (SPEC §11.4): population runs (a fresh batch per step,
// streamed) or finite-sample runs (M fixed sentences, reshuffled each epoch), with records of
// the metrics of SPEC §11.2 on held-out population sentences and unseen-output sentences.

import { optionsArg } from '../../api/arguments.js';
import type { BackendName, Precision } from '../../engine/backend.js';
import { NtpError } from '../../errors.js';
import { planRecall } from './limits.js';
import { createRng } from '../../dataset/random.js';
import { ATTENTION_CODES, MODEL_KINDS, isNoisy, validateTask, type RecallAttention, type RecallModelKind, type RecallTask } from './config.js';
import { FixedSentences, RecallGenerator, STREAMS, allocBatch, streamSeed, type RecallBatch } from './data.js';
import { evaluateSet, type RecallMetrics } from './metrics.js';
import { createRecallModel, type RecallModel } from './model.js';
import { binaryEntropy, gammaOf, reparamNoisyLoss } from './reference.js';

/** Options of one run; every field has the paper's default (SPEC §11.1, §11.4). */
export interface RecallRunOptions {
  model?: RecallModelKind;
  attention?: RecallAttention;
  kappa?: 0 | 1;
  /** α (default 0, noiseless) */
  alpha?: number;
  /** N (default 60) */
  vocab?: number;
  /** Q (default 5) */
  triggers?: number;
  /** Y (default 4) */
  outputs?: number;
  /** H (default 256) */
  context?: number;
  /** declared embedding dimension d (default 2N; d < 2N is refused) */
  d?: number;
  /** B (default 512) */
  batch?: number;
  /** training steps (default 2000) */
  steps?: number;
  /** η (default 0.1) */
  eta?: number;
  /** record interval in steps (default 20; finite-sample runs: one epoch) */
  every?: number;
  seed?: number;
  precision?: Precision;
  backend?: BackendName;
  /** M: train on M fixed sentences (finite-sample run); 0 or absent: a fresh batch each step */
  samples?: number;
  /** held-out population sentences for the excess risk and logits (default 1024) */
  evalSize?: number;
  /** unseen-output test sentences (default 512, as the authors' code) */
  testSize?: number;
}

export type ResolvedRecallRun = Required<RecallRunOptions>;

/** The options a run config may hold (the sweep engine's "unknown option" check). */
export const RUN_OPTIONS = ['model', 'attention', 'kappa', 'alpha', 'vocab', 'triggers', 'outputs', 'context', 'd', 'batch', 'steps', 'eta', 'every', 'seed', 'precision', 'backend', 'samples', 'evalSize', 'testSize'] as const;

/** One record of a run. */
export interface RecallRecord {
  step: number;
  /** epoch (finite-sample runs; steps / batches per epoch) */
  epoch: number | null;
  /** training mini-batch loss at this iterate (population runs: an unbiased population estimate) */
  loss: number;
  /** loss with sampled targets on the held-out population sentences */
  populationLoss: number;
  /** loss with sampled targets on the unseen-output sentences (the authors' "Unseen Output Test Loss") */
  testLoss: number;
  /** L̂ = mean[−(1−α) ln p(y) − α ln p(τ)] on the held-out population sentences (SPEC §11.2) */
  lossHat: number;
  /** L̂ − h(α) on the held-out population sentences, without target-sampling noise (SPEC §11.2) */
  excessRisk: number;
  /** L̂ − h(α) on the unseen-output sentences */
  testExcessRisk: number;
  /** mean p(y), p(τ) on the unseen-output sentences (the authors' Pr metrics) */
  prOutput: number;
  prNoise: number;
  /** layer-wise logits on the held-out population sentences */
  xiAOutput: number;
  xiAMax: number;
  xiFNoise: number;
  xiFMax: number;
  /** ‖∇‖_F of the step taken from this iterate (null at the last record) */
  normW: number | null;
  normV: number | null;
  normF: number | null;
  normLambda: number | null;
  /** Λ (noisy Reparam) or mean λ (noiseless Reparam); null for the other models */
  lambda: number | null;
  /** Reparam-Linear-FA, noisy population runs: h(α) + ln(1 + (1−α)(N−2)e^{−Λ}) (SPEC §11.5) */
  closedFormLoss: number | null;
}

/** What a run writes to trajectory.json. */
export interface RecallTrajectory {
  family: 'recall';
  /** e.g. Reparam-Linear-FA */
  label: string;
  config: ResolvedRecallRun;
  /** h(α) */
  bayesRisk: number;
  /** γ of the fixed F (noisy Reparam models), null otherwise */
  gamma: number | null;
  /** fraction of τ targets among the M training sentences (finite-sample runs) */
  alphaHat: number | null;
  /** the parameters that carry gradient (coordinates ≥ 2N and rows ≥ N are inert, SPEC §11.3) */
  effectiveShapes: { W: [number, number]; V: [number, number]; F: [number, number]; d: number };
  /** `running`: every step taken; `converged`: every gradient was exactly 0; `stopped`: onRecord asked to stop */
  status: 'running' | 'diverged' | 'converged' | 'stopped';
  /** steps taken */
  steps: number;
  records: RecallRecord[];
  final: RecallRecord;
  warnings: string[];
}

/** Most tokens a run holds at once (1 GiB of int32). */
export const MAX_TOKENS = 2 ** 28;
/** Largest vocabulary: W and ∇W take 2·(2N)² numbers (1 GiB in float64 at N = 4096). */
export const MAX_VOCAB = 4096;

/** The paper's name of a model, e.g. Reparam-Softmax-W-FA (W: reparam-w; F: κ = 0, FA: κ = 1). */
export function modelLabel(model: RecallModelKind, attention: RecallAttention, kappa: 0 | 1): string {
  const a = attention === 'linear' ? 'Linear' : attention === 'relu' ? 'ReLU' : 'Softmax';
  const k = model === 'origin' ? 'Origin' : 'Reparam';
  return `${k}-${a}${model === 'reparam-w' ? '-W' : ''}-${kappa ? 'FA' : 'F'}`;
}

const DEFAULTS: Omit<ResolvedRecallRun, 'd' | 'every'> = {
  model: 'origin', attention: 'linear', kappa: 1, alpha: 0, vocab: 60, triggers: 5, outputs: 4, context: 256,
  batch: 512, steps: 2000, eta: 0.1, seed: 0, precision: 'f64', backend: 'wasm', samples: 0, evalSize: 1024, testSize: 512,
};

/**
 * Resolves defaults and validates every option (NtpError naming it). `nameOf` maps an option
 * to the name the user typed. Refuses Origin-Linear-F: from zero init W = 0 ⇒ a = 0 ⇒ ∇V = 0
 * and ∇W = 0 forever (SPEC §11.5), so attention provably never trains.
 */
export function resolveRecallRun(opts: Readonly<Record<string, unknown>> | RecallRunOptions, nameOf: (key: string) => string = (k) => k): ResolvedRecallRun {
  const o = optionsArg(opts as Record<string, unknown>, 'the recall run\'s options');
  for (const k of Object.keys(o)) if (!(RUN_OPTIONS as readonly string[]).includes(k) && o[k] !== undefined) throw new NtpError('invalid-option', `unknown option ${nameOf(k)}`);
  const bad = (msg: string): never => {
    throw new NtpError('invalid-option', msg);
  };
  const pick = <T>(k: keyof ResolvedRecallRun, d: T): T => (o[k] === undefined ? d : (o[k] as T));
  const int = (k: keyof ResolvedRecallRun, d: number, min: number): number => {
    const v = pick(k, d);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) bad(`option ${nameOf(k)} must be an integer >= ${min} (got ${String(v)})`);
    return v;
  };
  const model = pick('model', DEFAULTS.model);
  if (!MODEL_KINDS.includes(model)) bad(`option ${nameOf('model')} must be one of ${MODEL_KINDS.join(', ')} (got ${JSON.stringify(model)})`);
  const attention = pick('attention', DEFAULTS.attention);
  if (!ATTENTION_CODES.includes(attention)) bad(`option ${nameOf('attention')} must be one of ${ATTENTION_CODES.join(', ')} (got ${JSON.stringify(attention)})`);
  const kappa = pick('kappa', DEFAULTS.kappa);
  if (kappa !== 0 && kappa !== 1) bad(`option ${nameOf('kappa')} must be 0 or 1 (got ${String(kappa)})`);
  const alpha = pick('alpha', DEFAULTS.alpha);
  const task: RecallTask = { vocab: int('vocab', DEFAULTS.vocab, 4), triggers: int('triggers', DEFAULTS.triggers, 1), outputs: int('outputs', DEFAULTS.outputs, 1), context: int('context', DEFAULTS.context, 4), alpha };
  validateTask(task, nameOf);
  const eta = pick('eta', DEFAULTS.eta);
  if (typeof eta !== 'number' || !(eta > 0) || !Number.isFinite(eta)) bad(`option ${nameOf('eta')} must be a positive number (got ${String(eta)})`);
  const precision = pick('precision', DEFAULTS.precision);
  if (precision !== 'f64' && precision !== 'f32') bad(`option ${nameOf('precision')} must be f64 or f32 (got ${JSON.stringify(precision)})`);
  const backend = pick('backend', DEFAULTS.backend);
  if (backend !== 'wasm' && backend !== 'js') bad(`option ${nameOf('backend')} must be wasm or js (got ${JSON.stringify(backend)})`);
  const batch = int('batch', DEFAULTS.batch, 1);
  const samples = int('samples', DEFAULTS.samples, 0);
  if (samples > 0 && samples < batch) bad(`option ${nameOf('samples')} (${samples}) must be >= ${nameOf('batch')} (${batch}) or 0 (population run)`);
  const perEpoch = samples > 0 ? Math.ceil(samples / batch) : 0;
  const d = int('d', 2 * task.vocab, 1);
  if (d < 2 * task.vocab) bad(`option ${nameOf('d')} must be >= 2N = ${2 * task.vocab} (got ${d}): E(v) = e_v and Ẽ(v) = e_{N+v} need 2N coordinates`);
  const r: ResolvedRecallRun = {
    model, attention, kappa, alpha, vocab: task.vocab, triggers: task.triggers, outputs: task.outputs, context: task.context, d,
    batch, steps: int('steps', DEFAULTS.steps, 0), eta, every: int('every', perEpoch || 20, 1), seed: int('seed', DEFAULTS.seed, 0),
    precision, backend, samples, evalSize: int('evalSize', DEFAULTS.evalSize, 1), testSize: int('testSize', DEFAULTS.testSize, 1),
  };
  // every sentence a run holds at once (a batch, the held-out and test sets, M training sentences)
  const held = (r.batch + r.evalSize + r.testSize + r.samples) * r.context;
  if (held > MAX_TOKENS) bad(`options ${nameOf('batch')} + ${nameOf('evalSize')} + ${nameOf('testSize')} + ${nameOf('samples')} (${r.batch + r.evalSize + r.testSize + r.samples} sentences) × ${nameOf('context')} (${r.context}) = ${held} tokens exceed the ${MAX_TOKENS} a run may hold in memory`);
  if (r.vocab > MAX_VOCAB) bad(`option ${nameOf('vocab')} must be <= ${MAX_VOCAB} (got ${r.vocab}): W alone has (2N)² entries`);
  planRecall(r);
  if (model === 'origin' && attention === 'linear' && kappa === 0) {
    throw new NtpError('frozen-attention', `${modelLabel(model, attention, kappa)} (${nameOf('model')} origin, ${nameOf('attention')} linear, ${nameOf('kappa')} 0) never trains attention from zero init: W = 0 gives a = 0, so ∇V = 0 and ∇W = Vᵀg = 0 at every step (SPEC §11.5); only F would train, a pure feed-forward model. Use ${nameOf('kappa')} 1 or relu/softmax attention`);
  }
  return r;
}

/** the task of a resolved run */
export const taskOf = (c: ResolvedRecallRun): RecallTask => ({ vocab: c.vocab, triggers: c.triggers, outputs: c.outputs, context: c.context, alpha: c.alpha });

/**
 * Sees each record as it is made. A page may return a promise (awaited: it can yield to the
 * event loop and draw) and stop the run by returning or resolving to `false`.
 */
export type RecordCallback = (r: RecallRecord) => void | boolean | Promise<void | boolean>;

/**
 * Runs one config: zero init, per-tensor NGD, records every `every` steps and at the end.
 * Deterministic from the config (seed included).
 */
export async function runRecall(options: RecallRunOptions | Readonly<Record<string, unknown>>, onRecord?: RecordCallback): Promise<RecallTrajectory> {
  const c = resolveRecallRun(options);
  const task = taskOf(c);
  const noisy = isNoisy(task);
  const warnings: string[] = [];
  // the training set of a finite-sample run fixes γ = ln(α̂/(1−α̂)) (the authors' code)
  const train = c.samples > 0 ? new FixedSentences(task, streamSeed(c.seed, STREAMS.train), c.samples, c.batch) : null;
  const alphaHat = train ? train.noiseFraction() : null;
  if (alphaHat === 1) throw new NtpError('invalid-option', `every one of the ${c.samples} training sentences has the noise target (α̂ = 1): γ = ln(α̂/(1−α̂)) is undefined; use more samples or a smaller alpha`);
  const usesGamma = noisy && c.model !== 'origin';
  const gamma = usesGamma ? gammaOf(alphaHat ?? c.alpha) : null;
  const model = await createRecallModel({ task, model: c.model, attention: c.attention, kappa: c.kappa, gamma: gamma ?? undefined, d: c.d, precision: c.precision, backend: c.backend, maxBatch: c.batch });
  const held = new FixedSentences(task, streamSeed(c.seed, STREAMS.population), c.evalSize, c.batch);
  const unseen = new FixedSentences(task, streamSeed(c.seed, STREAMS.unseen), c.testSize, c.batch, 'unseen');
  const source = train ? epochSource(train, c.batch, c.seed) : streamSource(task, c.batch, c.seed);
  const perEpoch = train ? train.batches.length : 0;
  const closedForm = c.model === 'reparam' && c.attention === 'linear' && c.kappa === 1 && noisy && !train;

  const records: RecallRecord[] = [];
  /** the metrics at the current iterate; completed by the loss and norms of the step taken from it */
  const measure = (step: number): RecallRecord => {
    const p: RecallMetrics = evaluateSet(model, held.batches, c.alpha);
    const u: RecallMetrics = evaluateSet(model, unseen.batches, c.alpha);
    const lam = lambdaOf(model);
    return {
      step, epoch: perEpoch ? step / perEpoch : null, loss: NaN, populationLoss: p.loss, testLoss: u.loss,
      lossHat: p.lossHat, excessRisk: p.excessRisk, testExcessRisk: u.excessRisk, prOutput: u.prOutput, prNoise: u.prNoise,
      xiAOutput: p.xiAOutput, xiAMax: p.xiAMax, xiFNoise: p.xiFNoise, xiFMax: p.xiFMax,
      normW: null, normV: null, normF: null, normLambda: null,
      lambda: lam, closedFormLoss: closedForm && lam !== null ? reparamNoisyLoss(c.vocab, c.alpha, lam) : null,
    };
  };
  /** false when the callback asks to stop */
  const push = async (r: RecallRecord): Promise<boolean> => {
    records.push(r);
    return (await onRecord?.(r)) !== false;
  };

  let status: RecallTrajectory['status'] = 'running';
  let t = 0;
  for (; t < c.steps; t++) {
    const rec = t % c.every === 0 ? measure(t) : null;
    const r = model.step(source(), c.eta);
    if (rec) {
      rec.loss = r.loss;
      rec.normW = r.normW;
      rec.normV = r.normV;
      rec.normF = r.normF;
      rec.normLambda = r.normLambda;
      if (!(await push(rec))) {
        status = 'stopped';
        t++;
        break;
      }
    }
    if (r.status === 'diverged') {
      status = 'diverged';
      warnings.push(`step ${t}: the loss or a gradient stopped being finite; the run stopped with the last finite weights`);
      break;
    }
    if (r.normW === 0 && r.normV === 0 && r.normF === 0 && r.normLambda === 0) {
      // every gradient is exactly zero (below what the precision resolves): nothing can move
      status = 'converged';
      break;
    }
  }
  if (status !== 'diverged' && status !== 'stopped' && (records.length === 0 || records[records.length - 1].step !== t)) {
    const rec = measure(t);
    rec.loss = model.loss(source());
    await push(rec);
  }
  const final = records[records.length - 1];
  if (status === 'running' && !Number.isFinite(final.excessRisk)) status = 'diverged';
  return {
    family: 'recall', label: modelLabel(c.model, c.attention, c.kappa), config: c, bayesRisk: binaryEntropy(c.alpha), gamma, alphaHat,
    effectiveShapes: { W: [2 * c.vocab, 2 * c.vocab], V: [c.vocab, 2 * c.vocab], F: [c.vocab, 2 * c.vocab], d: c.d },
    status, steps: t, records, final, warnings,
  };
}

/** Λ, or the mean λ over triggers; null for models without λ */
function lambdaOf(m: RecallModel): number | null {
  if (m.lambda.length === 0) return null;
  let s = 0;
  for (const x of m.lambda) s += x;
  return s / m.lambda.length;
}

/** a fresh batch each step from the training stream, in one reused buffer */
function streamSource(task: RecallTask, B: number, seed: number): () => RecallBatch {
  const gen = new RecallGenerator(task, streamSeed(seed, STREAMS.train));
  const batch = allocBatch(B, task.context);
  return () => {
    gen.fill(batch);
    return batch;
  };
}

/** M fixed sentences, reshuffled into batches at each epoch (the last batch may be short) */
function epochSource(train: FixedSentences, B: number, seed: number): () => RecallBatch {
  const H = train.task.context;
  const M = train.size;
  const rng = createRng(streamSeed(seed, 3));
  const order = Array.from({ length: M }, (_, i) => i);
  const full = allocBatch(B, H);
  let pos = M;
  return () => {
    if (pos >= M) {
      rng.shuffle(order);
      pos = 0;
    }
    const n = Math.min(B, M - pos);
    const batch = n === B ? full : { ...full, B: n };
    for (let i = 0; i < n; i++) {
      const s = order[pos + i];
      const src = train.batches[Math.floor(s / B)];
      const j = s % B;
      batch.tokens.set(src.tokens.subarray(j * H, (j + 1) * H), i * H);
      batch.targets[i] = src.targets[j];
      batch.outputs[i] = src.outputs[j];
      batch.triggers[i] = src.triggers[j];
    }
    pos += n;
    return batch;
  };
}
