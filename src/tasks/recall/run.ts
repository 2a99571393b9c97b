// One training run of the recall family (docs/theory/recall.md#training): population runs (a fresh batch per step,
// streamed) or finite-sample runs (M fixed sentences, reshuffled each epoch), with records of
// the metrics of docs/theory/recall.md#bayes-optimal-predictor-and-closed-forms on held-out population sentences and unseen-output sentences.

import { NtpError } from '../../errors.js';
import { createRng } from '../../dataset/random.js';
import { isNoisy, type RecallTask } from './config.js';
import { modelLabel, resolveRecallRun, type RecallRunOptions, type ResolvedRecallRun } from './options.js';
import type { RunStatus } from '../../family/result.js';
import { FixedSentences, RecallGenerator, STREAMS, allocBatch, streamSeed, type RecallBatch } from './data.js';
import { evaluateSet, type RecallMetrics } from './metrics.js';
import { createRecallModel, type RecallModel } from './model.js';
import { binaryEntropy, gammaOf, reparamNoisyLoss } from './reference.js';

export { MAX_TOKENS, MAX_VOCAB, RUN_OPTIONS, modelLabel, resolveRecallRun, type RecallRunOptions, type ResolvedRecallRun } from './options.js';

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
  /** L̂ = mean[−(1−α) ln p(y) − α ln p(τ)] on the held-out population sentences (docs/theory/recall.md#bayes-optimal-predictor-and-closed-forms) */
  lossHat: number;
  /** L̂ − h(α) on the held-out population sentences, without target-sampling noise (docs/theory/recall.md#bayes-optimal-predictor-and-closed-forms) */
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
  /** Reparam-Linear-FA, noisy population runs: h(α) + ln(1 + (1−α)(N−2)e^{−Λ}) (docs/theory/recall.md#bayes-optimal-predictor-and-closed-forms) */
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
  /** the parameters that carry gradient (coordinates ≥ 2N and rows ≥ N are inert, docs/theory/recall.md#model-and-loss) */
  effectiveShapes: { W: [number, number]; V: [number, number]; F: [number, number]; d: number };
  /** `completed`: every step taken; `converged`: every gradient was exactly 0; `stopped`: onRecord asked to stop */
  status: Extract<RunStatus, 'completed' | 'diverged' | 'converged' | 'stopped'>;
  /** steps taken */
  steps: number;
  records: RecallRecord[];
  final: RecallRecord;
  /** threads the steps ran on (fewer than asked where the backend or the runtime has none; a warning says so) */
  threads: number;
  warnings: string[];
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
export async function runRecall(options: RecallRunOptions | ResolvedRecallRun, onRecord?: RecordCallback): Promise<RecallTrajectory> {
  const c = resolveRecallRun(options, undefined, 'runRecall()');
  const task = taskOf(c);
  const noisy = isNoisy(task);
  const warnings: string[] = [];
  // the training set of a finite-sample run fixes γ = ln(α̂/(1−α̂)) (the authors' code)
  const train = c.samples > 0 ? new FixedSentences(task, streamSeed(c.seed, STREAMS.train), c.samples, c.batch) : null;
  const alphaHat = train ? train.noiseFraction() : null;
  if (alphaHat === 1) throw new NtpError('invalid-option', `every one of the ${c.samples} training sentences has the noise target (α̂ = 1): γ = ln(α̂/(1−α̂)) is undefined; use more samples or a smaller alpha`);
  const usesGamma = noisy && c.model !== 'origin';
  const gamma = usesGamma ? gammaOf(alphaHat ?? c.alpha) : null;
  const model = await createRecallModel({ task, model: c.model, attention: c.attention, kappa: c.kappa, gamma: gamma ?? undefined, d: c.d, precision: c.precision, backend: c.backend, maxBatch: c.batch, threads: c.threads ?? 1 });
  const threads = model.threads;
  if (model.threadNote) warnings.push(model.threadNote);
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

  let status: RecallTrajectory['status'] = 'completed';
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
  model.dispose();
  const final = records[records.length - 1];
  if (status === 'completed' && !Number.isFinite(final.excessRisk)) status = 'diverged';
  return {
    family: 'recall', label: modelLabel(c.model, c.attention, c.kappa), config: c, bayesRisk: binaryEntropy(c.alpha), gamma, alphaHat,
    effectiveShapes: { W: [2 * c.vocab, 2 * c.vocab], V: [c.vocab, 2 * c.vocab], F: [c.vocab, 2 * c.vocab], d: c.d },
    status, steps: t, records, final, threads, warnings,
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
