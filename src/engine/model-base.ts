import { NtpError } from '../errors.js';
import type { BackendName, ChunkResult, Evaluation, Gradients, Model, Objective, Precision } from './backend.js';
import { STATUS_CODES } from './backend.js';
import type { Space } from './space.js';

export type Real = Float64Array | Float32Array;

/** Most steps one kernel call takes (the kernels count steps in i32). */
const MAX_KERNEL_STEPS = 2 ** 30;

/** Kernel entry points a backend provides; every status is a code of STATUS_CODES. */
export interface Kernels {
  refresh(): void;
  runStage1(k: number, eta: number, normalized: boolean): number;
  runStage2(k: number, eta: number, normalized: boolean): number;
  runJoint(k: number, etaOv: number, etaKq: number, normalized: boolean): number;
  /** which: 0 = L0, 1 = L (dK), 2 = L (dK and dM) */
  evaluate(which: number, backward: boolean, metrics: boolean): number;
  resultLoss(): number;
  /** loss at the iterate the last chunk started from */
  resultFirstLoss(): number;
  resultGradNorm(): number;
  resultMinOptimal(): number;
  resultCorrect(): number;
  resultSteps(): number;
  /** one kernel over every sample, for the benchmarks (see assembly/train.ts kernelPass) */
  kernelPass(which: number): void;
}

/**
 * A model's buffers and kernels, for the layers built on it (the factorized layer, the benchmarks);
 * not public API: reached through `internalsOf` (src/engine/internal.ts).
 */
export interface ModelInternals {
  readonly kernels: Kernels;
  /** number of samples */
  readonly N: number;
  /** W_ovᵀ, d×|V| (the backend's storage); a layer that grows WebAssembly memory takes a new view here */
  WovT: Real;
  /** W_kqᵀ, d×d */
  WkqT: Real;
  /** ∇W_ovᵀ, d×|V| */
  gWovT: Real;
  /** ∇W_kqᵀ, d×d */
  gWkqT: Real;
}

/** What a chunk's result is read from: the model's kernels, or a layer's over them. */
export type ChunkResults = Pick<Kernels, 'resultSteps' | 'resultLoss' | 'resultGradNorm' | 'resultFirstLoss' | 'resultMinOptimal' | 'resultCorrect'>;

/** A chunk's result from status code `code`; the start's attention metrics are NaN unless `metrics`. */
export function chunkResult(code: number, k: ChunkResults, N: number, metrics: boolean): ChunkResult {
  return {
    status: STATUS_CODES[code],
    steps: k.resultSteps(),
    loss: k.resultLoss(),
    gradNorm: k.resultGradNorm(),
    start: {
      loss: k.resultFirstLoss(),
      minOptimalAttention: metrics ? k.resultMinOptimal() : NaN,
      accuracy: metrics ? k.resultCorrect() / N : NaN,
    },
  };
}

/**
 * What both backends share: the parameters' transposed storage, conversion to and from
 * row-major, argument checks and the packaging of results. Subclasses supply the kernels.
 */
export abstract class ModelBase implements Model {
  abstract readonly backend: BackendName;
  protected abstract kernels: Kernels;
  protected abstract WovT: Real;
  protected abstract WkqT: Real;
  protected abstract gWovT: Real;
  protected abstract gWkqT: Real;
  protected disposed = false;
  /** Threads a chunk of steps runs on (ThreadedWasmModel: more than one). */
  readonly threads: number = 1;
  /** Why the model runs on fewer threads than asked, if it does (set by createEngineModel). */
  threadNote: string | null = null;

  constructor(
    readonly precision: Precision,
    readonly V: number,
    readonly d: number,
    /** number of samples (the packed data itself lives in the backend) */
    protected readonly N: number,
    /** where the kernels compute (src/engine/space.ts) */
    readonly space: Space = 'token',
  ) {}

  getWov(): Float64Array {
    this.live();
    return transpose(this.WovT, this.d, this.V);
  }

  getWkq(): Float64Array {
    this.live();
    return transpose(this.WkqT, this.d, this.d);
  }

  setWov(w: ArrayLike<number>): void {
    this.live();
    writeTransposed(this.WovT, w, this.V, this.d, 'Wov');
    this.kernels.refresh();
  }

  setWkq(w: ArrayLike<number>): void {
    this.live();
    writeTransposed(this.WkqT, w, this.d, this.d, 'Wkq');
    this.kernels.refresh();
  }

  storage(): { WovT: Real; WkqT: Real } {
    this.live();
    return { WovT: this.WovT, WkqT: this.WkqT };
  }

  stage1(k: number, eta: number, normalized = true): ChunkResult {
    this.checkChunk(k, { eta });
    return this.pieces(k, (n) => this.kernels.runStage1(n, eta, normalized), false);
  }

  stage2(k: number, eta: number, normalized = true): ChunkResult {
    this.checkChunk(k, { eta });
    return this.pieces(k, (n) => this.kernels.runStage2(n, eta, normalized), true);
  }

  joint(k: number, etaOv: number, etaKq: number, normalized = true): ChunkResult {
    this.checkChunk(k, { etaOv, etaKq });
    return this.pieces(k, (n) => this.kernels.runJoint(n, etaOv, etaKq, normalized), true);
  }

  private pieces(k: number, run: (n: number) => number, metrics: boolean): ChunkResult {
    return runInPieces(k, (n) => this.chunk(run(n), metrics));
  }

  stage1Loss(): number {
    this.live();
    return this.kernels.evaluate(0, false, false);
  }

  evaluate(): Evaluation {
    this.live();
    const loss = this.kernels.evaluate(1, false, true);
    return {
      loss,
      minOptimalAttention: this.kernels.resultMinOptimal(),
      accuracy: this.kernels.resultCorrect() / this.N,
    };
  }

  gradients(objective: Objective): Gradients {
    this.live();
    if (objective !== 'stage1' && objective !== 'stage2' && objective !== 'joint') {
      throw new NtpError('invalid-option', `objective must be "stage1", "stage2" or "joint", got ${JSON.stringify(objective)}`);
    }
    const which = objective === 'stage1' ? 0 : objective === 'stage2' ? 1 : 2;
    const loss = this.kernels.evaluate(which, true, false);
    return {
      loss,
      Wov: objective === 'stage2' ? new Float64Array(this.V * this.d) : transpose(this.gWovT, this.d, this.V),
      Wkq: objective === 'stage1' ? new Float64Array(this.d * this.d) : transpose(this.gWkqT, this.d, this.d),
    };
  }

  dispose(): void {
    this.disposed = true;
  }

  private chunk(code: number, metrics: boolean): ChunkResult {
    return chunkResult(code, this.kernels, this.N, metrics);
  }

  private checkChunk(k: number, etas: Record<string, number>): void {
    this.live();
    checkChunkArgs(k, etas);
  }

  private live(): void {
    if (this.disposed) throw new NtpError('disposed', 'this model was disposed');
  }

  /** A live, typed window on a model's protected buffers and kernels (see {@link ModelInternals}). */
  static internals(model: ModelBase): ModelInternals {
    return {
      get kernels() { return model.kernels; },
      get N() { return model.N; },
      get WovT() { return model.WovT; },
      set WovT(v) { model.WovT = v; },
      get WkqT() { return model.WkqT; },
      set WkqT(v) { model.WkqT = v; },
      get gWovT() { return model.gWovT; },
      set gWovT(v) { model.gWovT = v; },
      get gWkqT() { return model.gWkqT; },
      set gWkqT(v) { model.gWkqT = v; },
    };
  }
}

/** A chunk's step count (a safe integer ≥ 0, run in pieces by {@link runInPieces}) and step sizes (positive, finite). */
export function checkChunkArgs(k: number, etas: Record<string, number>): void {
  if (!Number.isSafeInteger(k) || k < 0) throw new NtpError('invalid-option', `the number of steps must be a non-negative integer, got ${k}`);
  for (const [name, eta] of Object.entries(etas)) {
    if (!(eta > 0) || !Number.isFinite(eta)) throw new NtpError('invalid-option', `step size ${name} must be a positive finite number, got ${eta}`);
  }
}

/**
 * Runs k steps as kernel calls of at most 2^30 steps: the kernels count in i32, so k ≥ 2^31
 * in one call would wrap (3e9 steps reported as −1294967296, 2^32 as 0 and a caller's loop
 * never advancing). The steps add up in a double; the start is the first piece's.
 */
export function runInPieces(k: number, run: (n: number) => ChunkResult): ChunkResult {
  let left = k;
  let steps = 0;
  let start: Evaluation | null = null;
  for (;;) {
    const n = Math.min(left, MAX_KERNEL_STEPS);
    const r = run(n);
    start ??= r.start;
    steps += r.steps;
    left -= n;
    if (r.status !== 'running' || left <= 0) return { ...r, steps, start };
  }
}

/** rows×cols row-major copy of a cols×rows row-major matrix */
export function transpose(src: Real, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = src[i * cols + j];
  return out;
}

function writeTransposed(dst: Real, w: ArrayLike<number>, rows: number, cols: number, name: string): void {
  if (w.length !== rows * cols) throw new NtpError('bad-shape', `${name} must have ${rows}×${cols} = ${rows * cols} entries, got ${w.length}`);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const x = w[i * cols + j];
      if (!Number.isFinite(x)) throw new NtpError('bad-value', `${name}[${i}][${j}] is not a finite number`);
      dst[j * rows + i] = x;
    }
  }
}
