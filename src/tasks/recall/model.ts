import type { BackendName, Precision } from '../../engine/backend.js';
import { NtpError } from '../../errors.js';
import { grantThreads } from '../../engine/threads.js';
import type { RecallBackend } from './backend.js';
import { ATTENTION_CODES, MODEL_KINDS, isNoisy, noiseToken, validateTask, type RecallAttention, type RecallModelKind, type RecallTask } from './config.js';
import type { RecallBatch } from './data.js';
import { createJsBackend } from './engine-js.js';
import { createWasmBackend } from './engine-wasm.js';
import { SIGMA } from './kernels/attention.js';
import { frobenius } from './kernels/ngd.js';
import { EVAL_FIELDS } from './kernels/step.js';
import { objectArg } from '../../api/arguments.js';

/** Options of {@link createRecallModel}. */
export interface RecallModelOptions {
  task: RecallTask;
  /** `origin` (W, V, F train), `reparam` (λ per trigger or Λ), `reparam-w` (W trains, V = I, F fixed); default origin */
  model?: RecallModelKind;
  /** linear (default), relu or softmax */
  attention?: RecallAttention;
  /** 1 (default, "-FA": F sees x_H + Σ a_h x_h) or 0 ("-F": F sees x_H only) */
  kappa?: 0 | 1;
  /**
   * The fixed F of the noisy Reparam models, F = E(τ)(γ E(q) + Ẽ(q))ᵀ; default ln(α/(1−α)).
   * Finite-sample runs pass ln(α̂/(1−α̂)).
   */
  gamma?: number;
  /** the declared embedding dimension d (default 2N); d < 2N is refused; coordinates ≥ 2N are inert */
  d?: number;
  precision?: Precision;
  backend?: BackendName;
  /** largest batch the model will see (default 512) */
  maxBatch?: number;
  /**
   * threads a step's forward and backward run on (WebAssembly backend; default 1): each runs a
   * share of the batch's sentences; results repeat bit for bit per thread count and agree with one
   * thread to rounding. Call dispose() to end them. Where the backend (js) or the runtime has no
   * threads, the model runs on one and says why in `threadNote`.
   */
  threads?: number;
}

/** Gradients of the mean batch loss (float64 copies), only for the tensors that train. */
export interface RecallGradients {
  loss: number;
  W?: Float64Array;
  V?: Float64Array;
  F?: Float64Array;
  /** ∇λ (noiseless Reparam, Q entries) or [∇Λ] (noisy Reparam) */
  lambda?: Float64Array;
}

/** What one NGD step reports. */
export interface RecallStep {
  /** mean batch loss at the iterate before the step */
  loss: number;
  /** ‖∇‖_F per trained tensor (0: zero gradient, the tensor was skipped) */
  normW: number;
  normV: number;
  normF: number;
  normLambda: number;
  /** `running`, or `diverged` when the loss or a step stopped being finite (the weights are then left as they were) */
  status: 'running' | 'diverged';
}

/** Per-sentence metrics of a batch (float64), see `EVAL_FIELDS` in the kernels. */
export interface RecallSentenceMetrics {
  B: number;
  /** B×7: −ln p(y), −ln p(τ), −ln p(target), ξ_A[y], max ξ_A, ξ_F[τ], max ξ_F */
  values: Float64Array;
}

/**
 * The one-layer transformer of docs/theory/recall.md#model-and-loss for the recall task, in token space (effective
 * shapes W: 2N×2N, V and F: N×2N), zero-initialised, on either backend.
 */
export class RecallModel {
  readonly N: number;
  readonly H: number;
  readonly d: number;
  readonly tau: number;
  readonly noisy: boolean;
  readonly gamma: number;
  readonly kind: RecallModelKind;
  readonly attention: RecallAttention;
  readonly kappa: 0 | 1;
  readonly precision: Precision;
  /** which tensors train */
  readonly trains: { W: boolean; V: boolean; F: boolean; lambda: boolean };
  /** λ per trigger (noiseless Reparam) or [Λ] (noisy Reparam); empty otherwise */
  readonly lambda: Float64Array;
  private readonly gLambda: Float64Array;
  private readonly last: RecallStep = { loss: NaN, normW: 0, normV: 0, normF: 0, normLambda: 0, status: 'running' };

  /** Why the model runs on fewer threads than asked (the js backend, or a runtime without threads), else null. */
  threadNote: string | null = null;

  /** Threads a step's forward and backward run on. */
  get threads(): number {
    return this.be.threads;
  }

  /** Ends the model's threads (it keeps working on one; a model on one thread holds none). */
  dispose(): void {
    this.be.dispose();
  }

  constructor(
    private readonly be: RecallBackend,
    readonly task: RecallTask,
    opts: Required<Pick<RecallModelOptions, 'model' | 'attention' | 'kappa' | 'precision'>> & { gamma: number; d: number },
  ) {
    this.N = task.vocab;
    this.H = task.context;
    this.d = opts.d;
    this.tau = noiseToken(task);
    this.noisy = isNoisy(task);
    this.gamma = opts.gamma;
    this.kind = opts.model;
    this.attention = opts.attention;
    this.kappa = opts.kappa;
    this.precision = opts.precision;
    const origin = this.kind === 'origin';
    this.trains = { W: this.kind !== 'reparam', V: origin, F: origin, lambda: this.kind === 'reparam' };
    this.lambda = new Float64Array(this.kind === 'reparam' ? (this.noisy ? 1 : task.triggers) : 0);
    this.gLambda = new Float64Array(this.lambda.length);
    if (!origin) {
      // V = I on the token coordinates; F = E(τ)(γ E(q) + Ẽ(q))ᵀ in the noisy setting, else 0
      const n2 = 2 * this.N;
      for (let i = 0; i < this.N; i++) be.V[i * n2 + i] = 1;
      if (this.noisy) {
        be.F[this.tau * n2 + 0] = this.gamma;
        be.F[this.tau * n2 + this.N] = 1;
      }
    }
  }

  /** the backend running the kernels */
  get backend(): BackendName {
    return this.be.name;
  }

  /** W (2N×2N), V, F (N×2N) as float64 row-major copies */
  get W(): Float64Array { return Float64Array.from(this.be.W); }
  get V(): Float64Array { return Float64Array.from(this.be.V); }
  get F(): Float64Array { return Float64Array.from(this.be.F); }

  /** Sets W, V or F (row-major, effective shapes). For Reparam models W is derived from λ: set λ instead. */
  setTensor(which: 'W' | 'V' | 'F', values: ArrayLike<number>): void {
    if (which === 'W' && this.trains.lambda) throw new NtpError('invalid-option', `the ${this.kind} model's W is defined by λ: set it with setLambda`);
    const t = this.be[which];
    if (values.length !== t.length) throw new NtpError('invalid-option', `${which} needs ${t.length} entries, got ${values.length}`);
    t.set(values);
  }

  /** Sets λ (noiseless Reparam, one per trigger) or [Λ] (noisy Reparam) and the W they define. */
  setLambda(values: ArrayLike<number>): void {
    if (values.length !== this.lambda.length) throw new NtpError('invalid-option', `λ needs ${this.lambda.length} entries, got ${values.length}`);
    this.lambda.set(values);
    this.writeLambda();
  }

  /** W = Σ_q λ_q E(q) Ẽ(q)ᵀ (noiseless) or Λ E(q)(Ẽ(q) − E(τ))ᵀ (noisy, q = 0) */
  private writeLambda(): void {
    const n2 = 2 * this.N;
    const W = this.be.W;
    if (this.noisy) {
      W[this.N] = this.lambda[0];
      W[this.tau] = -this.lambda[0];
    } else {
      for (let q = 0; q < this.lambda.length; q++) W[q * n2 + this.N + q] = this.lambda[q];
    }
  }

  /** ∇λ_q = ∇W[q, N+q]; ∇Λ = ∇W[0, N] − ∇W[0, τ] */
  private lambdaGradient(): void {
    const n2 = 2 * this.N;
    const gW = this.be.gW;
    if (this.noisy) this.gLambda[0] = gW[this.N] - gW[this.tau];
    else for (let q = 0; q < this.gLambda.length; q++) this.gLambda[q] = gW[q * n2 + this.N + q];
  }

  private stage(batch: RecallBatch): void {
    const { B, H } = batch;
    if (H !== this.H) throw new NtpError('invalid-option', `the batch's context length ${H} differs from the model's ${this.H}`);
    if (B > this.be.maxBatch) throw new NtpError('invalid-option', `a batch of ${B} sentences exceeds the model's maxBatch ${this.be.maxBatch}`);
    this.be.tokens.set(batch.tokens.subarray(0, B * H));
    this.be.targets.set(batch.targets.subarray(0, B));
    this.be.outputs.set(batch.outputs.subarray(0, B));
  }

  private backward(B: number): number {
    const t = this.trains;
    return this.be.forwardBackward(B, t.W || t.lambda, t.V, t.F);
  }

  /** mean cross-entropy of the batch at the current weights */
  loss(batch: RecallBatch): number {
    this.stage(batch);
    return this.be.forwardBackward(batch.B, false, false, false);
  }

  /** loss and gradients of the trained tensors (no update) */
  gradients(batch: RecallBatch): RecallGradients {
    this.stage(batch);
    const loss = this.backward(batch.B);
    const out: RecallGradients = { loss };
    if (this.trains.lambda) {
      this.lambdaGradient();
      out.lambda = Float64Array.from(this.gLambda);
    } else if (this.trains.W) out.W = Float64Array.from(this.be.gW);
    if (this.trains.V) out.V = Float64Array.from(this.be.gV);
    if (this.trains.F) out.F = Float64Array.from(this.be.gF);
    return out;
  }

  /**
   * One step of per-tensor NGD on the batch: every trained tensor moves by η along its own
   * normalized negative gradient; tensors with zero gradient are skipped. The returned object
   * is reused by the next call.
   */
  step(batch: RecallBatch, eta: number): RecallStep {
    this.stage(batch);
    const r = this.last;
    r.loss = this.backward(batch.B);
    r.normW = r.normV = r.normF = r.normLambda = 0;
    r.status = Number.isFinite(r.loss) ? 'running' : 'diverged';
    if (r.status !== 'running') return r;
    if (this.trains.lambda) {
      this.lambdaGradient();
      const n = frobenius(this.gLambda);
      r.normLambda = n;
      if (!Number.isFinite(n)) r.status = 'diverged';
      else if (n > 0) {
        for (let i = 0; i < this.lambda.length; i++) this.lambda[i] -= (eta * this.gLambda[i]) / n;
        this.writeLambda();
      }
      return r;
    }
    // all norms are read before any tensor moves: each step uses the gradients at one iterate
    if (this.trains.W) r.normW = this.be.ngd('W', eta);
    if (this.trains.V) r.normV = this.be.ngd('V', eta);
    if (this.trains.F) r.normF = this.be.ngd('F', eta);
    if (!(Number.isFinite(r.normW) && Number.isFinite(r.normV) && Number.isFinite(r.normF))) r.status = 'diverged';
    return r;
  }

  /** per-sentence metrics of a batch (a view, valid until the next call) */
  evaluate(batch: RecallBatch): RecallSentenceMetrics {
    this.stage(batch);
    return { B: batch.B, values: this.be.evaluate(batch.B) };
  }
}

/** Builds a zero-initialised recall model (docs/theory/recall.md#model-and-loss) after validating the task and options. */
export async function createRecallModel(opts: RecallModelOptions): Promise<RecallModel> {
  objectArg(objectArg(opts, 'createRecallModel(options): options').task, 'createRecallModel(options): options.task');
  const task = opts.task;
  validateTask(task);
  const model = opts.model ?? 'origin';
  const attention = opts.attention ?? 'linear';
  const kappa = opts.kappa ?? 1;
  const precision = opts.precision ?? 'f64';
  const backend = opts.backend ?? 'wasm';
  const maxBatch = opts.maxBatch ?? 512;
  const N = task.vocab;
  const d = opts.d ?? 2 * N;
  const bad = (msg: string): never => {
    throw new NtpError('invalid-option', msg);
  };
  if (!MODEL_KINDS.includes(model)) bad(`option model must be one of ${MODEL_KINDS.join(', ')} (got ${JSON.stringify(model)})`);
  if (!ATTENTION_CODES.includes(attention)) bad(`option attention must be one of ${ATTENTION_CODES.join(', ')} (got ${JSON.stringify(attention)})`);
  if (kappa !== 0 && kappa !== 1) bad(`option kappa must be 0 or 1 (got ${String(kappa)})`);
  if (precision !== 'f64' && precision !== 'f32') bad(`option precision must be "f64" or "f32" (got ${JSON.stringify(precision)})`);
  if (backend !== 'wasm' && backend !== 'js') bad(`option backend must be "wasm" or "js" (got ${JSON.stringify(backend)})`);
  if (!Number.isInteger(d) || d < 2 * N) bad(`option d must be an integer >= 2N = ${2 * N} (got ${String(d)}): the embeddings E(v) = e_v and Ẽ(v) = e_{N+v} need 2N coordinates`);
  if (!Number.isInteger(maxBatch) || maxBatch < 1) bad(`option maxBatch must be a positive integer (got ${String(maxBatch)})`);
  const noisy = isNoisy(task);
  const gamma = opts.gamma ?? (noisy ? Math.log(task.alpha / (1 - task.alpha)) : 0);
  if (!Number.isFinite(gamma)) bad(`option gamma must be finite (got ${String(gamma)})`);
  const shape = { N, H: task.context, sigma: SIGMA[attention], kappa, useF: model === 'origin' || noisy, f32: precision === 'f32', tau: noiseToken(task) };
  const { threads, note } = grantThreads(backend, opts.threads);
  const be = backend === 'wasm' ? await createWasmBackend(shape, maxBatch, threads) : createJsBackend(shape, maxBatch);
  const m = new RecallModel(be, task, { model, attention, kappa, precision, gamma, d });
  m.threadNote = note;
  return m;
}

export { EVAL_FIELDS };
