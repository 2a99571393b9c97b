/**
 * The trained model of the autoregressive family (SPEC §10.4, reconstruction R-C): n causal
 * attention layers with a residual stream, e ← e + Σ_h Att_h(e),
 * Att_h(e)_t = Σ_{2 ≤ j ≤ t} σ(⟨Q_h e_t, K_h e_j⟩) V_h e_j, on the fixed T0 augmentation
 * e^0_t = (0, [t≥2]·x_t, x_t, [t≥2]·x_{t−1}) ∈ R^{4d}; the prediction of x_{t+1} is the u-slot
 * (first d coordinates) of e^n_t. Loss: mean over sequences, positions and coordinates of
 * (u^n_t − x_{t+1})². Weights tied across layers (the paper's identical layers) or untied.
 *
 * The training step runs top to bottom over the CausalKernels interface, so the WebAssembly and
 * TypeScript backends share it. Data, parameters, optimizer state and one sequence's activations
 * live in the backend's arena, allocated once.
 */
import type { BackendName, Precision } from '../../engine/backend.js';
import { createCausalKernels } from '../../engine/causal/create.js';
import { ArenaPlan, ATTENTION_KINDS, type AttentionKind, type CausalKernels } from '../../engine/causal/kernels.js';
import { createRng } from '../../dataset/random.js';
import { NtpError } from '../../errors.js';
import { planMemory } from '../../engine/plan.js';
import { transformerBytes } from './limits.js';
import { gaussian, type Sequences } from './data.js';

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
  private P: number; // parameters: [set][head][Q,K,V] D×D
  private G: number;
  private M: number;
  private Vm: number;
  private adamSteps = 0;
  private E: number[]; // e^l, l = 0 … n, T×D
  private q: number[]; // per (layer, head)
  private kk: number[];
  private v: number[];
  private A: number[]; // T×T
  private dE: number;
  private dPrev: number;
  private dq: number;
  private dk: number;
  private dv: number;
  private dA: number;
  private staging: number; // one external sequence
  private trainOff = -1;
  private testOff = -1;
  readonly trainSize: number;
  readonly testSize: number;

  private constructor(k: CausalKernels, plan: Record<string, number | number[]>, o: Required<Pick<TransformerOptions, 'd' | 'T' | 'layers' | 'heads' | 'attention' | 'tied'>>, trainSize: number, testSize: number) {
    this.k = k;
    this.d = o.d;
    this.D = 4 * o.d;
    this.T = o.T;
    this.layers = o.layers;
    this.heads = o.heads;
    this.attention = o.attention;
    this.tied = o.tied;
    this.nParams = (o.tied ? 1 : o.layers) * o.heads * 3 * this.D * this.D;
    this.P = plan.P as number;
    this.G = plan.G as number;
    this.M = plan.M as number;
    this.Vm = plan.Vm as number;
    this.E = plan.E as number[];
    this.q = plan.q as number[];
    this.kk = plan.kk as number[];
    this.v = plan.v as number[];
    this.A = plan.A as number[];
    this.dE = plan.dE as number;
    this.dPrev = plan.dPrev as number;
    this.dq = plan.dq as number;
    this.dk = plan.dk as number;
    this.dv = plan.dv as number;
    this.dA = plan.dA as number;
    this.staging = plan.staging as number;
    this.trainOff = plan.train as number;
    this.testOff = plan.test as number;
    this.trainSize = trainSize;
    this.testSize = testSize;
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
    if (precision !== 'f64' && precision !== 'f32') throw new NtpError('invalid-option', `option precision must be f64 or f32 (got ${JSON.stringify(precision)})`);
    for (const [name, s] of [['train', opts.train], ['test', opts.test]] as const) {
      if (!s) continue;
      if (s.d !== d || s.L !== T + 1) throw new NtpError('invalid-data', `${name} sequences are ${s.L} tokens of dimension ${s.d}; the model needs ${T + 1} tokens of dimension ${d}`);
      const bad = s.x.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new NtpError('invalid-data', `${name} sequence ${Math.floor(bad / (s.L * d)) + 1}, token ${Math.floor((bad % (s.L * d)) / d) + 1} is not finite`);
    }
    planMemory({ name: 'the causal transformer', bytes: transformerBytes({ d, length: T, layers, heads, tied, precision, trainSequences: opts.train?.S ?? 0, testSequences: opts.test?.S ?? 0 }), work: `d = ${d}, T = ${T}, layers = ${layers}, heads = ${heads}, ${opts.train?.S ?? 0} train + ${opts.test?.S ?? 0} test sequences` });
    const D = 4 * d;
    const nSets = tied ? 1 : layers;
    const nP = nSets * heads * 3 * D * D;
    const plan = new ArenaPlan(precision);
    const lay: Record<string, number | number[]> = {
      P: plan.take(nP), G: plan.take(nP), M: plan.take(nP), Vm: plan.take(nP),
      E: Array.from({ length: layers + 1 }, () => plan.take(T * D)),
      q: Array.from({ length: layers * heads }, () => plan.take(T * D)),
      kk: Array.from({ length: layers * heads }, () => plan.take(T * D)),
      v: Array.from({ length: layers * heads }, () => plan.take(T * D)),
      A: Array.from({ length: layers * heads }, () => plan.take(T * T)),
      dE: plan.take(T * D), dPrev: plan.take(T * D), dq: plan.take(T * D), dk: plan.take(T * D), dv: plan.take(T * D),
      dA: plan.take(T * T), staging: plan.take((T + 1) * d),
      train: opts.train ? plan.take(opts.train.x.length) : -1,
      test: opts.test ? plan.take(opts.test.x.length) : -1,
    };
    const k = await createCausalKernels(opts.backend ?? 'wasm', precision, plan.size);
    if (opts.train) k.buf.set(opts.train.x, lay.train as number);
    if (opts.test) k.buf.set(opts.test.x, lay.test as number);
    const model = new CausalTransformer(k, lay, { d, T, layers, heads, attention, tied }, opts.train?.S ?? 0, opts.test?.S ?? 0);
    const rng = createRng(opts.seed ?? 0);
    const scale = opts.initScale ?? 0.02;
    const p = new Float64Array(nP);
    for (let i = 0; i < nP; i++) p[i] = scale * gaussian(rng);
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
  }

  private seqOffset(set: 'train' | 'test', s: number): number {
    const off = set === 'train' ? this.trainOff : this.testOff;
    const n = set === 'train' ? this.trainSize : this.testSize;
    if (off < 0) throw new NtpError('invalid-option', `the model holds no ${set} sequences`);
    if (!Number.isInteger(s) || s < 0 || s >= n) throw new NtpError('invalid-option', `${set} sequence ${s} out of range [0, ${n})`);
    return off + s * (this.T + 1) * this.d;
  }

  /** T0: e^0_t = (0, [t≥2]·x_t, x_t, [t≥2]·x_{t−1}), 1-based t. */
  private buildInput(seq: number): void {
    const { buf } = this.k;
    const { d, D, T } = this;
    const e = this.E[0];
    buf.fill(0, e, e + T * D);
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < d; c++) {
        const x = buf[seq + t * d + c];
        if (t > 0) {
          buf[e + t * D + d + c] = x;
          buf[e + t * D + 3 * d + c] = buf[seq + (t - 1) * d + c];
        }
        buf[e + t * D + 2 * d + c] = x;
      }
    }
  }

  private W(layer: number, head: number, which: Which): number {
    return this.P + this.paramOffset(layer, head, which);
  }

  private forward(seq: number): void {
    const { k, D, T } = this;
    const sigma = k.sigma[this.attention];
    this.buildInput(seq);
    for (let l = 0; l < this.layers; l++) {
      const e = this.E[l];
      const next = this.E[l + 1];
      k.buf.copyWithin(next, e, e + T * D);
      for (let h = 0; h < this.heads; h++) {
        const i = l * this.heads + h;
        k.gemmNT(this.q[i], e, this.W(l, h, 'Q'), T, D, D);
        k.gemmNT(this.kk[i], e, this.W(l, h, 'K'), T, D, D);
        k.gemmNT(this.v[i], e, this.W(l, h, 'V'), T, D, D);
        k.scores(this.A[i], this.q[i], this.kk[i], T, D);
        sigma.forward(this.A[i], T);
        k.apply(next, this.A[i], this.v[i], T, D);
      }
    }
  }

  /** MSE of the sequence at the last forward pass, with its gradient accumulated into G. */
  private backward(seq: number, scale: number): number {
    const { k, D, T, d } = this;
    const sigma = k.sigma[this.attention];
    const sum = k.mse(this.dE, this.E[this.layers], seq + d, T, D, d, scale);
    let dE = this.dE;
    let dPrev = this.dPrev;
    for (let l = this.layers - 1; l >= 0; l--) {
      const e = this.E[l];
      k.buf.copyWithin(dPrev, dE, dE + T * D);
      for (let h = 0; h < this.heads; h++) {
        const i = l * this.heads + h;
        const gQ = this.G + this.paramOffset(l, h, 'Q');
        k.applyBackward(this.dA, this.dv, this.A[i], this.v[i], dE, T, D);
        sigma.backward(this.dA, this.A[i], T);
        k.scoresBackward(this.dq, this.dk, this.dA, this.q[i], this.kk[i], T, D);
        // Q, K, V of a head are adjacent D×D blocks
        k.gemmTNAcc(gQ, this.dq, e, D, D, T);
        k.gemmTNAcc(gQ + D * D, this.dk, e, D, D, T);
        k.gemmTNAcc(gQ + 2 * D * D, this.dv, e, D, D, T);
        k.gemmNNAcc(dPrev, this.dq, this.W(l, h, 'Q'), T, D, D);
        k.gemmNNAcc(dPrev, this.dk, this.W(l, h, 'K'), T, D, D);
        k.gemmNNAcc(dPrev, this.dv, this.W(l, h, 'V'), T, D, D);
      }
      const tmp = dE;
      dE = dPrev;
      dPrev = tmp;
    }
    return sum;
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
      this.forward(seq);
      const e = this.E[this.layers];
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
    let sum = 0;
    for (let b = 0; b < ids.length; b++) {
      const seq = this.seqOffset(set, ids[b]);
      this.forward(seq);
      sum += this.backward(seq, scale);
    }
    return sum * scale;
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
      this.k.adam(this.P, this.G, this.M, this.Vm, this.nParams, lr, b1, b2, opts.eps ?? 1e-8, 1 - b1 ** this.adamSteps, 1 - b2 ** this.adamSteps);
    }
    return { status: 'running', loss };
  }

  private readPrediction(): Float64Array {
    const { T, D, d } = this;
    const e = this.E[this.layers];
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
    this.forward(this.staging);
    return this.readPrediction();
  }

  /** Predictions for every sequence of a stored set. */
  predictSet(set: 'train' | 'test'): Float64Array[] {
    const n = set === 'train' ? this.trainSize : this.testSize;
    const out: Float64Array[] = [];
    for (let s = 0; s < n; s++) {
      this.forward(this.seqOffset(set, s));
      out.push(this.readPrediction());
    }
    return out;
  }
}
