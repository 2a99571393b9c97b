import { NtpError } from '../../errors.js';
import { normalRng } from '../../dataset/normal.js';
import type { ChunkResult, Evaluation, Model } from '../../engine/backend.js';
import { createEngineModel, type EngineOptions } from '../../engine/create.js';
import { gemm, gemmNT } from '../../engine/js.js';
import { CONVERGED, DIVERGED, OVERFLOW, RUNNING, WeightStep } from '../../engine/weight-step.js';
import { internalsOf } from '../../engine/internal.js';
import { checkChunkArgs, chunkResult, runInPieces, type ModelInternals, type Real } from '../../engine/model-base.js';
import { packDataset, type PackedData } from '../../engine/packed.js';
import { checkPlannedSize } from '../../engine/planned-size.js';
import { analyze } from '../../dataset/analyze.js';
import type { Dataset } from '../../dataset/types.js';
import { checkDatasetArgument } from '../../dataset/validate.js';
import { checkOptionKeys, ENGINE_OPTION_KEYS } from '../../api/options.js';
import type { WasmExports, WasmModel } from '../../engine/wasm.js';

/**
 * How the factors start (docs/theory/factorized.md#training):
 * - `pytorch`: every entry of K_f and Q_f uniform in (−1/√d, 1/√d), PyTorch's default for a Linear(d, m)
 *   (the peer's `local_converge`);
 * - `k-gaussian`: K_f = 0.1·N(0, 1), Q_f = 0 (the peer's `visualization*`);
 * - explicit factors (d×m row-major each). K_f = Q_f = 0 is refused: it is a stationary point.
 */
export type FactorInit = 'pytorch' | 'k-gaussian' | { K: ArrayLike<number>; Q: ArrayLike<number> };

/** Options of {@link createFactorizedModel}. */
export interface FactorizedOptions extends EngineOptions {
  /** inner dimension m of K_f, Q_f ∈ R^{d×m}, 1 ≤ m ≤ d (default d) */
  m?: number;
  /** initialization (default `pytorch`) */
  init?: FactorInit;
  /** seed of the random initializations (default 0) */
  initSeed?: number;
  /** weight λ of the penalty λ(‖K_f‖² + ‖Q_f‖²) added to the loss (default 0) */
  lambda?: number;
}

/** Loss and gradients with respect to the factors (row-major d×m) and W_ov (|V|×d, joint only). */
export interface FactorGradients {
  loss: number;
  K: Float64Array;
  Q: Float64Array;
  Wov: Float64Array;
}

/**
 * A one-layer transformer whose key-query matrix is factorized, W_kq = K_f·Q_fᵀ. Stage 1 runs on
 * `model` as usual (W_ov); stage 2 and joint training move the factors with per-factor NGD or GD.
 */
export interface FactorizedModel {
  /** the underlying model: W_ov, evaluation, stage 1; its W_kq is kept equal to K_f·Q_fᵀ */
  readonly model: Model;
  readonly d: number;
  readonly m: number;
  readonly lambda: number;
  /** e.g. m below the rank the nuclear solution may need (docs/theory/factorized.md#metrics) */
  readonly warnings: readonly string[];
  getK(): Float64Array;
  getQ(): Float64Array;
  /** W_kq = K_f·Q_fᵀ, d×d row-major */
  getWkq(): Float64Array;
  setFactors(K: ArrayLike<number>, Q: ArrayLike<number>): void;
  /** k steps on L (+ penalty) over (K_f, Q_f) with W_ov fixed; each factor normalized on its own */
  stage2(k: number, eta: number, normalized?: boolean): ChunkResult;
  /** k steps over (K_f, Q_f, W_ov), each parameter normalized on its own */
  joint(k: number, etaOv: number, etaKq: number, normalized?: boolean): ChunkResult;
  /** loss (+ penalty) and the factor gradients at the current weights */
  gradients(objective: 'stage2' | 'joint'): FactorGradients;
  evaluate(): Evaluation;
  dispose(): void;
}

/** What a backend supplies: the steps loop and a loss/gradient evaluation over the factor buffers. */
interface FactorKernels {
  K: Real;
  Q: Real;
  gK: Real;
  gQ: Real;
  refresh(): void;
  run(k: number, etaOv: number, etaKq: number, normalized: boolean, joint: boolean): number;
  evaluate(backward: boolean, joint: boolean): number;
  resultLoss(): number;
  resultFirstLoss(): number;
  resultGradNorm(): number;
  resultSteps(): number;
  resultMinOptimal(): number;
  resultCorrect(): number;
}

/** Option names of {@link createFactorizedModel}. */
export const FACTORIZED_MODEL_OPTION_KEYS = [...ENGINE_OPTION_KEYS, 'm', 'init', 'initSeed', 'lambda'] as const;

/**
 * Builds a factorized model with W_ov = 0 and the factors from `init`, over a dataset (analyzed
 * for its collocation and packed once, as `createModel` does, with the dataset's embedding) or
 * over data already packed. Throws an NtpError for an unknown option, m outside [1, d], a zero
 * initialization, or a bad λ.
 */
export async function createFactorizedModel(data: Dataset | PackedData, opts: FactorizedOptions = {}): Promise<FactorizedModel> {
  checkOptionKeys(opts, FACTORIZED_MODEL_OPTION_KEYS, 'createFactorizedModel()');
  let packed: PackedData;
  // the factorized kernels work on token-space K (assembly/factorized.ts)
  let engineOpts: EngineOptions = { ...opts, space: 'token' };
  if (isPacked(data)) {
    packed = data;
  } else {
    checkDatasetArgument(data);
    engineOpts = { embedding: data.embedding, ...opts, space: 'token' };
    checkPlannedSize(data, engineOpts);
    packed = packDataset(data, analyze(data).collocation);
  }
  const lambda = opts.lambda ?? 0;
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new NtpError('invalid-option', `option lambda must be a finite number ≥ 0, got ${lambda}`);
  const model = await createEngineModel(packed, engineOpts);
  try {
    const d = model.d;
    const m = opts.m ?? d;
    if (!Number.isInteger(m) || m < 1 || m > d) {
      throw new NtpError('invalid-option', `option m (the inner dimension of K_f, Q_f ∈ R^{d×m}) must be an integer in [1, d = ${d}], got ${m}`);
    }
    const { K, Q } = initialFactors(opts.init ?? 'pytorch', d, m, opts.initSeed ?? 0);
    const inner = internalsOf(model);
    const kernels = model.backend === 'wasm' ? wasmFactorKernels(model as WasmModel, inner, d, m, lambda) : jsFactorKernels(model, inner, d, m, lambda);
    const fm = new Factorized(model, inner, kernels, d, m, lambda, rankWarnings(packed, d, m));
    fm.setFactors(K, Q);
    return fm;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** Packed data carry CSR offsets; a dataset carries samples. */
function isPacked(data: Dataset | PackedData): data is PackedData {
  return typeof data === 'object' && data !== null && (data as PackedData).offsets instanceof Int32Array;
}

function initialFactors(init: FactorInit, d: number, m: number, seed: number): { K: Float64Array; Q: Float64Array } {
  const K = new Float64Array(d * m);
  const Q = new Float64Array(d * m);
  if (init === 'pytorch') {
    const rng = normalRng(seed);
    const a = 1 / Math.sqrt(d);
    for (let i = 0; i < d * m; i++) K[i] = rng.uniform(-a, a);
    for (let i = 0; i < d * m; i++) Q[i] = rng.uniform(-a, a);
  } else if (init === 'k-gaussian') {
    const rng = normalRng(seed);
    for (let i = 0; i < d * m; i++) K[i] = 0.1 * rng.normal();
  } else if (typeof init === 'object' && init !== null && 'K' in init && 'Q' in init) {
    for (const [name, src] of [['K', init.K], ['Q', init.Q]] as const) {
      if (src.length !== d * m) throw new NtpError('bad-shape', `init.${name} must have d×m = ${d}×${m} = ${d * m} entries, got ${src.length}`);
    }
    K.set(init.K);
    Q.set(init.Q);
  } else {
    throw new NtpError('invalid-option', `option init must be "pytorch", "k-gaussian" or { K, Q }, got ${JSON.stringify(init)}`);
  }
  return { K, Q };
}

/** m below min(d, number of distinct stage-2 queries) may be below rank W_* (docs/theory/factorized.md#metrics). */
function rankWarnings(data: PackedData, d: number, m: number): string[] {
  const queries = new Set<number>();
  for (let n = 0; n < data.N; n++) {
    const L = data.offsets[n + 1] - data.offsets[n];
    if (L >= 2 && !data.fixed[n]) queries.add(data.tokens[data.offsets[n + 1] - 1]);
  }
  const need = Math.min(d, queries.size);
  return m < need
    ? [`m = ${m} is below min(d, distinct queries) = ${need}: K_f·Q_fᵀ has rank ≤ ${m}, so the nuclear-norm SVM may be out of reach`]
    : [];
}

class Factorized implements FactorizedModel {
  private disposed = false;

  constructor(
    readonly model: Model,
    private readonly inner: ModelInternals,
    private readonly k: FactorKernels,
    readonly d: number,
    readonly m: number,
    readonly lambda: number,
    readonly warnings: readonly string[],
  ) {}

  getK(): Float64Array {
    this.live();
    return Float64Array.from(this.k.K);
  }

  getQ(): Float64Array {
    this.live();
    return Float64Array.from(this.k.Q);
  }

  getWkq(): Float64Array {
    return this.model.getWkq();
  }

  setFactors(K: ArrayLike<number>, Q: ArrayLike<number>): void {
    this.live();
    const n = this.d * this.m;
    let nonzero = false;
    for (const [name, src] of [['K', K], ['Q', Q]] as const) {
      if (src.length !== n) throw new NtpError('bad-shape', `${name}_f must have d×m = ${this.d}×${this.m} = ${n} entries, got ${src.length}`);
      for (let i = 0; i < n; i++) {
        if (!Number.isFinite(src[i])) throw new NtpError('bad-value', `${name}_f[${Math.floor(i / this.m)}][${i % this.m}] is not a finite number`);
        if (src[i] !== 0) nonzero = true;
      }
    }
    if (!nonzero) throw new NtpError('invalid-option', 'K_f = Q_f = 0 is a stationary point of the factorized loss (both gradients vanish): initialize at least one factor away from zero');
    this.k.K.set(K);
    this.k.Q.set(Q);
    this.k.refresh();
  }

  stage2(k: number, eta: number, normalized = true): ChunkResult {
    this.checkChunk(k, { eta });
    return runInPieces(k, (n) => this.chunk(this.k.run(n, 0, eta, normalized, false)));
  }

  joint(k: number, etaOv: number, etaKq: number, normalized = true): ChunkResult {
    this.checkChunk(k, { etaOv, etaKq });
    return runInPieces(k, (n) => this.chunk(this.k.run(n, etaOv, etaKq, normalized, true)));
  }

  gradients(objective: 'stage2' | 'joint'): FactorGradients {
    this.live();
    if (objective !== 'stage2' && objective !== 'joint') throw new NtpError('invalid-option', `objective must be "stage2" or "joint", got "${String(objective)}"`);
    const joint = objective === 'joint';
    const loss = this.k.evaluate(true, joint);
    const { d } = this;
    const V = this.model.V;
    const Wov = new Float64Array(V * d);
    if (joint) {
      const g = this.inner.gWovT;
      for (let i = 0; i < d; i++) for (let v = 0; v < V; v++) Wov[v * d + i] = g[i * V + v];
    }
    return { loss, K: Float64Array.from(this.k.gK), Q: Float64Array.from(this.k.gQ), Wov };
  }

  evaluate(): Evaluation {
    this.live();
    return this.model.evaluate();
  }

  dispose(): void {
    this.disposed = true;
    this.model.dispose();
  }

  private chunk(code: number): ChunkResult {
    return chunkResult(code, this.k, this.inner.N, true);
  }

  private checkChunk(k: number, etas: Record<string, number>): void {
    this.live();
    checkChunkArgs(k, etas);
  }

  private live(): void {
    if (this.disposed) throw new NtpError('disposed', 'this model was disposed');
  }
}

// ---- WebAssembly: the factors live in the instance's memory, the loop in assembly/factorized.ts ----

/** The exports of assembly/index.ts for the factorized layer. */
interface FactorExports extends WasmExports {
  factorizedRefresh(K: number, Q: number, m: number): void;
  factorizedRun(k: number, etaOv: number, etaKq: number, normalized: number, joint: number, lambda: number, K: number, Q: number, gK: number, gQ: number, m: number): number;
  factorizedEvaluate(backward: number, joint: number, metrics: number, lambda: number, K: number, Q: number, gK: number, gQ: number, m: number): number;
  /** the threaded build's (assembly/index-threads.ts): the steps over the model's threaded pass */
  factorizedRunThreaded?(ctl: number, k: number, etaOv: number, etaKq: number, normalized: number, joint: number, lambda: number, K: number, Q: number, gK: number, gQ: number, m: number): number;
}

/** What a model on several threads (src/engine/wasm-threads.ts ThreadedWasmModel) lends the factor steps. */
interface ThreadedPass {
  readonly threads: number;
  readonly ctl: number;
  prepareJoint(): void;
}

/** Step-loop status of a failed worker (assembly/parallel-train.ts THREAD_FAILED). */
const THREAD_FAILED = 4;

function wasmFactorKernels(model: WasmModel, inner: ModelInternals, d: number, m: number, lambda: number): FactorKernels {
  const ex = model.exports as FactorExports;
  const f32 = model.precision === 'f32';
  const before = ex.memory.buffer;
  const s = f32 ? 4 : 8;
  const bytes = d * m * s;
  const R = f32 ? Float32Array : Float64Array;
  const ptr = [0, 1, 2, 3].map(() => {
    const p = ex.scratch(bytes + 16);
    if (p === 0) throw new NtpError('out-of-memory', `could not grow WebAssembly memory for the factors (d = ${d}, m = ${m})`);
    return p;
  });
  const [pK, pQ, pgK, pgQ] = ptr;
  if (ex.memory.buffer !== before) {
    // growing the memory detached the model's views of its parameters: take them again
    const V = model.V;
    inner.WovT = new R(ex.memory.buffer, ex.ptrWovT(), d * V);
    inner.WkqT = new R(ex.memory.buffer, ex.ptrWkqT(), d * d);
    inner.gWovT = new R(ex.memory.buffer, ex.ptrGradWovT(), d * V);
    inner.gWkqT = new R(ex.memory.buffer, ex.ptrGradWkqT(), d * d);
  }
  const view = (p: number): Real => new R(ex.memory.buffer, p, d * m);
  // a model on several threads: the steps run its threaded pass (the model's own ctl and workers)
  const lent = model as unknown as Partial<ThreadedPass>;
  const threaded = (model.threads ?? 1) > 1 && typeof lent.ctl === 'number' && ex.factorizedRunThreaded ? (lent as ThreadedPass) : null;
  return {
    // views are taken after every allocation, so no memory growth can detach them later
    K: view(pK),
    Q: view(pQ),
    gK: view(pgK),
    gQ: view(pgQ),
    refresh: () => ex.factorizedRefresh(pK, pQ, m),
    run: (k, etaOv, etaKq, normalized, joint) => {
      if (threaded === null) return ex.factorizedRun(k, etaOv, etaKq, normalized ? 1 : 0, joint ? 1 : 0, lambda, pK, pQ, pgK, pgQ, m);
      if (joint) threaded.prepareJoint();
      const code = ex.factorizedRunThreaded!(threaded.ctl, k, etaOv, etaKq, normalized ? 1 : 0, joint ? 1 : 0, lambda, pK, pQ, pgK, pgQ, m);
      if (code === THREAD_FAILED) throw new NtpError('thread-failed', 'a training thread failed; the model is unusable (dispose it)');
      return code;
    },
    evaluate: (backward, joint) => ex.factorizedEvaluate(backward ? 1 : 0, joint ? 1 : 0, 0, lambda, pK, pQ, pgK, pgQ, m),
    resultLoss: () => ex.resultLoss(),
    resultFirstLoss: () => ex.resultFirstLoss(),
    resultGradNorm: () => ex.resultGradNorm(),
    resultSteps: () => ex.resultSteps(),
    resultMinOptimal: () => ex.resultMinOptimal(),
    resultCorrect: () => ex.resultCorrect(),
  };
}

// ---- Pure TypeScript twin: the same algorithm over the js model's kernels ----

function jsFactorKernels(model: Model, inner: ModelInternals, d: number, m: number, lambda: number): FactorKernels {
  const base = inner.kernels;
  const R = model.precision === 'f32' ? Float32Array : Float64Array;
  const weightStep = new WeightStep(model.precision === 'f32' ? Math.fround : (x: number) => x);
  const K = new R(d * m);
  const Q = new R(d * m);
  const gK = new R(d * m);
  const gQ = new R(d * m);
  let outLoss = 0;
  let outFirst = 0;
  let outNorm = 0;
  let outSteps = 0;
  let outMinOpt = 0;
  let outCorrect = 0;

  /** W_kqᵀ = Q_f·K_fᵀ, then the token-space scores (and M, whose refresh is idempotent) */
  const refresh = (): void => {
    gemmNT(inner.WkqT, Q, K, d, d, m);
    base.refresh();
  };

  const penalty = (): number => {
    if (lambda === 0) return 0;
    let s = 0;
    for (let i = 0; i < d * m; i++) s += K[i] * K[i] + Q[i] * Q[i];
    return lambda * s;
  };

  /** ∇K_f = G·Q_f, ∇Q_f = Gᵀ·K_f with G = ∇W_kq = gWkqTᵀ, plus the penalty's 2λ terms */
  const backward = (): void => {
    gemm(gK, inner.gWkqT, Q, d, m, d, 1, d);
    gemm(gQ, inner.gWkqT, K, d, m, d, d, 1);
    if (lambda !== 0) {
      for (let i = 0; i < d * m; i++) {
        gK[i] += 2 * lambda * K[i];
        gQ[i] += 2 * lambda * Q[i];
      }
    }
  };

  const evaluate = (back: boolean, joint: boolean, metrics = false): number => {
    const loss = base.evaluate(joint ? 2 : 1, back, metrics) + penalty();
    if (back) backward();
    if (metrics) {
      outMinOpt = base.resultMinOptimal();
      outCorrect = base.resultCorrect();
    }
    return loss;
  };

  /** one step on W: returns a status code, the gradient norm in weightStep.norm (0 where it diverged) */
  const step = (W: Real, g: Real, eta: number, normalized: boolean): number => {
    weightStep.norm = 0;
    return weightStep.take(W, g, eta, normalized);
  };

  const run = (k: number, etaOv: number, etaKq: number, normalized: boolean, joint: boolean): number => {
    for (let t = 0; t < k; t++) {
      outSteps = t;
      outLoss = evaluate(true, joint, t === 0);
      if (t === 0) outFirst = outLoss;
      if (!Number.isFinite(outLoss)) return DIVERGED;
      const sK = step(K, gK, etaKq, normalized);
      const nK = weightStep.norm;
      const sQ = step(Q, gQ, etaKq, normalized);
      const nQ = weightStep.norm;
      const sOv = joint ? step(inner.WovT, inner.gWovT, etaOv, normalized) : CONVERGED;
      const nOv = joint ? weightStep.norm : 0;
      if (sK === DIVERGED || sQ === DIVERGED || sOv === DIVERGED) return DIVERGED;
      if (sK === OVERFLOW || sQ === OVERFLOW || sOv === OVERFLOW) return OVERFLOW;
      if (sK === CONVERGED && sQ === CONVERGED && sOv === CONVERGED) {
        outNorm = 0;
        return CONVERGED;
      }
      outNorm = Math.hypot(Math.hypot(nK, nQ), nOv);
      refresh();
    }
    outSteps = k;
    return RUNNING;
  };

  return {
    K, Q, gK, gQ,
    refresh,
    run,
    evaluate: (back, joint) => evaluate(back, joint),
    resultLoss: () => outLoss,
    resultFirstLoss: () => outFirst,
    resultGradNorm: () => outNorm,
    resultSteps: () => outSteps,
    resultMinOptimal: () => outMinOpt,
    resultCorrect: () => outCorrect,
  };
}
