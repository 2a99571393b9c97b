/**
 * The trained model of the autoregressive family (docs/theory/autoregressive.md#model-and-loss, reconstruction R-C): n causal
 * attention layers with a residual stream, e ← e + Σ_h Att_h(e),
 * Att_h(e)_t = Σ_{2 ≤ j ≤ t} σ(⟨Q_h e_t, K_h e_j⟩) V_h e_j, on the fixed T0 augmentation
 * e^0_t = (0, [t≥2]·x_t, x_t, [t≥2]·x_{t−1}) ∈ R^{4d}; the prediction of x_{t+1} is the u-slot
 * (first d coordinates) of e^n_t. Loss: mean over sequences, positions and coordinates of
 * (u^n_t − x_{t+1})². Weights tied across layers (the paper's identical layers) or untied.
 *
 * A sequence's forward and backward pass is one kernel call (CausalKernels: WebAssembly SIMD or its
 * TypeScript twin); the batch, the loss and the optimiser run here. Data, parameters, optimizer
 * state and one sequence's activations live in the backend's arena, allocated once.
 */
import type { BackendName, Precision } from '../../engine/backend.js';
import { createCausalKernels } from './kernels/create.js';
import { ArenaPlan, ATTENTION_KINDS, foldedElements, type AttentionKind, type CausalKernels, type CausalLayout } from './kernels/kernels.js';
import { createRng } from '../../dataset/random.js';
import { NtpError } from '../../errors.js';
import { grantThreads } from '../../engine/threads.js';
import { normalDraw, type Sequences } from './data.js';

/** Options of {@link CausalTransformer.create}. */
export interface TransformerOptions {
  /** token dimension d (D = 4d) */
  d: number;
  /** positions T (sequences hold T + 1 tokens) */
  T: number;
  /** number of layers n (default 2) */
  layers?: number;
  /** heads per layer H (default 2, the construction's count) */
  heads?: number;
  attention?: AttentionKind;
  /** one set of weights for every layer (default true, the paper's identical layers) */
  tied?: boolean;
  backend?: BackendName;
  precision?: Precision;
  /** sequences kept in the arena for training and evaluation */
  train?: Sequences;
  test?: Sequences;
  /** seed of the N(0, initScale²) initialisation (default 0) */
  seed?: number;
  /** default 0.02 */
  initScale?: number;
  /**
   * threads a training step runs on (WebAssembly backend; default 1): each runs whole sequences of
   * the batch; results repeat bit for bit per thread count and agree with one thread to rounding.
   * Call dispose() to end them. Where the backend (js) or the runtime has no threads, the model
   * runs on one and says why in `threadNote`.
   */
  threads?: number;
}

/** Optimiser settings of a step. */
export interface StepOptions {
  optimizer?: 'adam' | 'gd';
  /** learning rate (default 1e-2) */
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** Outcome of a step: `running`, or `diverged` when the loss or a gradient is not finite (no update is made). */
export interface StepResult {
  status: 'running' | 'diverged';
  loss: number;
}

/**
 * β^k by repeated squaring, the same bits in every JavaScript engine: `**` is not (Node's V8 and
 * Chromium's give 0.9 ** 4 and 0.999 ** 16 one ulp apart), and a run in a browser must give the
 * numbers it gives in Node.
 */
function powSteps(beta: number, k: number): number {
  let r = 1;
  for (let b = beta, n = k; n > 0; n >>= 1, b *= b) if (n & 1) r *= b;
  return r;
}

export type Which = 'Q' | 'K' | 'V';
const WHICH: readonly Which[] = ['Q', 'K', 'V'];

export class CausalTransformer {
  readonly d: number;
  readonly D: number;
  readonly T: number;
  readonly layers: number;
  readonly heads: number;
  readonly attention: AttentionKind;
  readonly tied: boolean;
  /** number of trainable values */
  readonly nParams: number;
  private k: CausalKernels;
  private L: CausalLayout;
  private P: number; // parameters: [set][head][Q,K,V] D×D
  private G: number;
  private M: number;
  private Vm: number;
  private adamSteps = 0;
  private staging: number; // one external sequence
  private batch = new Float64Array(0); // the batch's sequence offsets, reused across steps
  private trainOff = -1;
  private testOff = -1;
  readonly trainSize: number;
  readonly testSize: number;

  private constructor(k: CausalKernels, L: CausalLayout, plan: Record<string, number>, trainSize: number, testSize: number) {
    this.k = k;
    this.L = L;
    this.d = L.d;
    this.D = 4 * L.d;
    this.T = L.T;
    this.layers = L.layers;
    this.heads = L.heads;
    this.attention = L.attention;
    this.tied = L.tied;
    this.nParams = (L.tied ? 1 : L.layers) * L.heads * 3 * this.D * this.D;
    this.P = L.P;
    this.G = L.G;
    this.M = plan.M;
    this.Vm = plan.Vm;
    this.staging = plan.staging;
    this.trainOff = plan.train;
    this.testOff = plan.test;
    this.trainSize = trainSize;
    this.testSize = testSize;
  }

  /** Why the model runs on fewer threads than asked (the js backend, or a runtime without threads), else null. */
  threadNote: string | null = null;

  /** Threads a training step runs on. */
  get threads(): number {
    return this.k.threads;
  }

  /** Ends the model's threads (a model on one thread holds none). */
  dispose(): void {
    this.k.dispose();
  }

  /** The backend's kernels (for benchmarks). */
  get kernels(): CausalKernels {
    return this.k;
  }

  /** Allocates the arena, copies the data in once, and initialises the weights N(0, initScale²). */
  static async create(opts: TransformerOptions): Promise<CausalTransformer> {
    const d = opts.d;
    const T = opts.T;
    const layers = opts.layers ?? 2;
    const heads = opts.heads ?? 2;
    const attention = opts.attention ?? 'linear';
    const tied = opts.tied ?? true;
    const precision = opts.precision ?? 'f64';
    for (const [name, v] of [['d', d], ['length', T], ['layers', layers], ['heads', heads]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new NtpError('invalid-option', `option ${name} must be an integer ≥ 1 (got ${v})`);
    }
    if (!ATTENTION_KINDS.includes(attention)) throw new NtpError('invalid-option', `option attention must be linear, exp or softmax (got ${JSON.stringify(attention)})`);
    const backend = opts.backend ?? 'wasm';
    const { threads, note } = grantThreads(backend, opts.threads);
    if (precision !== 'f64' && precision !== 'f32') throw new NtpError('invalid-option', `option precision must be f64 or f32 (got ${JSON.stringify(precision)})`);
    for (const [name, s] of [['train', opts.train], ['test', opts.test]] as const) {
      if (!s) continue;
      if (s.d !== d || s.L !== T + 1) throw new NtpError('invalid-data', `${name} sequences are ${s.L} tokens of dimension ${s.d}; the model needs ${T + 1} tokens of dimension ${d}`);
      const bad = s.x.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new NtpError('invalid-data', `${name} sequence ${Math.floor(bad / (s.L * d)) + 1}, token ${Math.floor((bad % (s.L * d)) / d) + 1} is not finite`);
    }
    const D = 4 * d;
    const nSets = tied ? 1 : layers;
    const nP = nSets * heads * 3 * D * D;
    const plan = new ArenaPlan(precision);
    const n2 = 2 * heads * D;
    const nFolded = foldedElements({ d, layers, heads, tied });
    const P = plan.take(nP);
    const lay: CausalLayout = {
      attention, d, T, layers, heads, tied,
      P, G: plan.take(nP), MV: plan.take(nFolded), MVT: plan.take(nFolded), dMV: plan.take(nFolded),
      E: plan.take((layers + 1) * T * D), EMV: plan.take(layers * T * n2), A: plan.take(layers * heads * T * T),
      dE: plan.take(T * D), dPrev: plan.take(T * D), dA: plan.take(T * T), dEMV: plan.take(T * n2), ET: plan.take(T * D), vT: plan.take(T * D),
    };
    const rest: Record<string, number> = {
      M: plan.take(nP), Vm: plan.take(nP), staging: plan.take((T + 1) * d),
      train: opts.train ? plan.take(opts.train.x.length) : -1,
      test: opts.test ? plan.take(opts.test.x.length) : -1,
    };
    const k = await createCausalKernels(backend, precision, plan.size, lay, threads);
    if (opts.train) k.buf.set(opts.train.x, rest.train);
    if (opts.test) k.buf.set(opts.test.x, rest.test);
    const model = new CausalTransformer(k, lay, rest, opts.train?.S ?? 0, opts.test?.S ?? 0);
    model.threadNote = note;
    const rng = createRng(opts.seed ?? 0);
    const scale = opts.initScale ?? 0.02;
    const p = new Float64Array(nP);
    for (let i = 0; i < nP; i++) p[i] = scale * normalDraw(rng);
    model.setParams(p);
    return model;
  }

  /** Offset within the parameter vector of W ∈ {Q, K, V} of a head in a layer (D×D, row-major). */
  paramOffset(layer: number, head: number, which: Which): number {
    const set = this.tied ? 0 : layer;
    return ((set * this.heads + head) * 3 + WHICH.indexOf(which)) * this.D * this.D;
  }

  getParams(): Float64Array {
    return Float64Array.from(this.k.buf.subarray(this.P, this.P + this.nParams));
  }

  /** Sets every weight and resets the optimiser state. */
  setParams(p: ArrayLike<number>): void {
    if (p.length !== this.nParams) throw new NtpError('invalid-option', `parameters: expected ${this.nParams} values, got ${p.length}`);
    this.k.buf.set(p, this.P);
    this.k.buf.fill(0, this.M, this.M + this.nParams);
    this.k.buf.fill(0, this.Vm, this.Vm + this.nParams);
    this.adamSteps = 0;
    this.k.prepare();
  }

  private seqOffset(set: 'train' | 'test', s: number): number {
    const off = set === 'train' ? this.trainOff : this.testOff;
    const n = set === 'train' ? this.trainSize : this.testSize;
    if (off < 0) throw new NtpError('invalid-option', `the model holds no ${set} sequences`);
    if (!Number.isInteger(s) || s < 0 || s >= n) throw new NtpError('invalid-option', `${set} sequence ${s} out of range [0, ${n})`);
    return off + s * (this.T + 1) * this.d;
  }

  private indices(set: 'train' | 'test', idx?: ArrayLike<number>): ArrayLike<number> {
    if (idx) return idx;
    const n = set === 'train' ? this.trainSize : this.testSize;
    return Array.from({ length: n }, (_, i) => i);
  }

  /** Loss (forward only) over the given sequences of a stored set (default: all of them). */
  loss(set: 'train' | 'test', idx?: ArrayLike<number>): number {
    const ids = this.indices(set, idx);
    const { T, D, d } = this;
    let sum = 0;
    for (let b = 0; b < ids.length; b++) {
      const seq = this.seqOffset(set, ids[b]);
      this.k.forward(seq);
      const e = this.L.E + this.layers * T * D;
      for (let t = 0; t < T; t++) {
        for (let c = 0; c < d; c++) {
          const diff = this.k.buf[e + t * D + c] - this.k.buf[seq + (t + 1) * d + c];
          sum += diff * diff;
        }
      }
    }
    return sum / (ids.length * T * d);
  }

  /** Loss and its gradient with respect to every parameter (layout of getParams). */
  gradient(set: 'train' | 'test', idx?: ArrayLike<number>): { loss: number; grad: Float64Array } {
    const loss = this.accumulate(set, this.indices(set, idx));
    return { loss, grad: Float64Array.from(this.k.buf.subarray(this.G, this.G + this.nParams)) };
  }

  private accumulate(set: 'train' | 'test', ids: ArrayLike<number>): number {
    const { k, T, d } = this;
    k.buf.fill(0, this.G, this.G + this.nParams);
    const scale = 1 / (ids.length * T * d);
    const seqs = this.batch.length >= ids.length ? this.batch : (this.batch = new Float64Array(ids.length));
    for (let b = 0; b < ids.length; b++) seqs[b] = this.seqOffset(set, ids[b]);
    return k.gradientBatch(seqs.subarray(0, ids.length), scale) * scale;
  }

  /** One optimiser step on a batch of training sequences. */
  step(idx: ArrayLike<number>, opts: StepOptions = {}): StepResult {
    const loss = this.accumulate('train', idx);
    const { buf } = this.k;
    let finite = Number.isFinite(loss);
    for (let i = 0; finite && i < this.nParams; i++) finite = Number.isFinite(buf[this.G + i]);
    if (!finite) return { status: 'diverged', loss };
    const lr = opts.lr ?? 1e-2;
    if ((opts.optimizer ?? 'adam') === 'gd') {
      this.k.axpy(this.P, -lr, this.G, this.nParams);
    } else {
      const b1 = opts.beta1 ?? 0.9;
      const b2 = opts.beta2 ?? 0.999;
      this.adamSteps++;
      this.k.adam(this.P, this.G, this.M, this.Vm, this.nParams, lr, b1, b2, opts.eps ?? 1e-8, 1 - powSteps(b1, this.adamSteps), 1 - powSteps(b2, this.adamSteps));
    }
    this.k.prepare();
    return { status: 'running', loss };
  }

  private readPrediction(): Float64Array {
    const { T, D, d } = this;
    const e = this.L.E + this.layers * T * D;
    const u = new Float64Array(T * d);
    for (let t = 0; t < T; t++) for (let c = 0; c < d; c++) u[t * d + c] = this.k.buf[e + t * D + c];
    return u;
  }

  /** Predictions u_1 … u_T (T×d) for one sequence x of at least T tokens (x_{T+1} is not read). */
  predict(x: Float64Array): Float64Array {
    const { T, d } = this;
    if (x.length < T * d) throw new NtpError('invalid-data', `sequence of ${x.length / d} tokens; the model needs ${T}`);
    this.k.buf.fill(0, this.staging, this.staging + (T + 1) * d);
    this.k.buf.set(x.subarray(0, T * d), this.staging);
    this.k.forward(this.staging);
    return this.readPrediction();
  }

  /** Predictions for every sequence of a stored set. */
  predictSet(set: 'train' | 'test'): Float64Array[] {
    const n = set === 'train' ? this.trainSize : this.testSize;
    const out: Float64Array[] = [];
    for (let s = 0; s < n; s++) {
      this.k.forward(this.seqOffset(set, s));
      out.push(this.readPrediction());
    }
    return out;
  }
}
