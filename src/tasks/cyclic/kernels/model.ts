/**
 * A stage-2 model with a new head (selection or gen, docs/theory/cyclic.md#training-variants): one parameter W (= W_kq, d×d,
 * key side i, query side j), scores K = EᵀWE, a head kernel per backend (assembly/cyclic/selection.ts,
 * assembly/cyclic/gen.ts, or their TypeScript twins), and GD or NGD steps with exact-zero-gradient,
 * non-finite and period-2 orbit detection (docs/theory/cyclic.md#ngd-pathologies). The embedding products (K from W, ∇W from
 * ∇K) are blocked SIMD matrix products in WebAssembly (assembly/cyclic/products.ts) and loops in
 * the TypeScript twin; for one-hot E they are a transpose, in TypeScript for both backends.
 */
import { NtpError } from '../../../errors.js';
import type { BackendName, Precision } from '../../../engine/backend.js';
import { instantiate } from '../../../engine/wasm.js';
import { byQuery } from '../../../engine/thread-plan.js';
import { MAX_THREADS, MIN_WORK_PER_THREAD, grantThreads } from '../../../engine/threads.js';
import type { ThreadHandle } from '../../../engine/wasm-threads.js';
import { STEP, type HeadBuffers, type HeadKernel, type HeadReal } from './buffers.js';
import { genBackward, genForward } from './gen.js';
import { selectionBackward, selectionForward } from './selection.js';
import { arrayArg, intArg, rowsArg } from '../../../api/arguments.js';

/** The new stage-2 heads. */
export type HeadName = 'selection' | 'gen';

/**
 * How a chunk ended: all steps taken (`running`), gradient exactly 0 (`converged`), non-finite
 * loss or gradient (`diverged`), or an exact period-2 orbit ‖W_{t+2} − W_t‖ ≤ 1e-12‖W_t‖ (`period-2`).
 */
export type HeadStatus = 'running' | 'converged' | 'diverged' | 'period-2';

/** What a chunk of steps reports. */
export interface HeadChunk {
  status: HeadStatus;
  steps: number;
  /** loss at the last iterate a gradient was taken at */
  loss: number;
  /** ‖∇W‖_F of that gradient */
  gradNorm: number;
}

/** The samples a head trains on, packed (CSR). */
export interface HeadData {
  V: number;
  offsets: Int32Array;
  tokens: Int32Array;
  targets: Int32Array;
  weights: Float64Array;
  maxLength: number;
}

/** Packs contexts, targets and weights (π_n) for a head. */
export function packHeadData(V: number, contexts: readonly (readonly number[])[], targets: readonly number[], weights: readonly number[]): HeadData {
  intArg(V, 'packHeadData(V, contexts, targets, weights): V', 1);
  rowsArg(contexts, 'packHeadData(V, contexts, targets, weights): contexts');
  arrayArg(targets, 'packHeadData(V, contexts, targets, weights): targets');
  arrayArg(weights, 'packHeadData(V, contexts, targets, weights): weights');
  const n = contexts.length;
  if (n === 0) throw new NtpError('empty-dataset', 'no sample has a context of two or more tokens');
  const offsets = new Int32Array(n + 1);
  let total = 0;
  let maxLength = 0;
  contexts.forEach((c, i) => {
    offsets[i] = total;
    total += c.length;
    maxLength = Math.max(maxLength, c.length);
  });
  offsets[n] = total;
  const tokens = new Int32Array(total);
  contexts.forEach((c, i) => tokens.set(c, offsets[i]));
  return { V, offsets, tokens, targets: Int32Array.from(targets), weights: Float64Array.from(weights), maxLength };
}

/**
 * A head step's passes (forward and backward) in the unit of MIN_WORK_PER_THREAD (2^22 of them
 * ~1 ms): both are O(context tokens), about 70 units per token for selection and 190 for gen, as
 * measured by `node dist/bench/cyclic.js --heads` (0.29 ms and 0.75 ms per step over 16,640
 * tokens at |V| = 256, f64, one thread).
 */
export function headStepWork(head: HeadName, data: Pick<HeadData, 'tokens'>): number {
  return (head === 'gen' ? 190 : 70) * data.tokens.length;
}

/** The default thread count of a head: every core, but no more threads than the step has work for (MIN_WORK_PER_THREAD each). */
export function headDefaultThreads(head: HeadName, data: Pick<HeadData, 'tokens'>, cores: number): number {
  return Math.max(1, Math.min(cores, MAX_THREADS, Math.floor(headStepWork(head, data) / MIN_WORK_PER_THREAD)));
}

/** Options of {@link createHeadModel}. */
export interface HeadModelOptions {
  /** `wasm` (default) or `js` */
  backend?: BackendName;
  /** embedding E, d×|V| row-major (column v = E_v); null/absent for one-hot */
  E?: Float64Array | null;
  /** embedding dimension (|V| for one-hot) */
  d?: number;
  /** `f64` (default) or `f32`: the precision of W, the scores, the attention and the gradients (losses are summed in f64) */
  precision?: Precision;
  /**
   * threads the head's forward and backward passes run on (WebAssembly backend; default 1): each
   * runs whole queries' samples (assembly/cyclic/parallel.ts), so every count gives the one-thread
   * numbers bit for bit. Where threads are unavailable the model runs on one and says why in `threadNote`.
   */
  threads?: number;
}

// the threaded engine is loaded when a model asks for threads: one-thread models (and bundles) never load it
const threadsEngine = () => import('../../../engine/wasm-threads.js');

/** The threaded build's head exports (assembly/index-threads.ts, assembly/cyclic/parallel.ts). */
interface ThreadedHeadExports extends WasmHeadExports {
  cyclicHeadForwardThreaded(f32: number, ctl: number): number;
  cyclicHeadBackwardThreaded(f32: number, ctl: number): number;
  cyclicStopWorkers(ctl: number): void;
}

// The control block of assembly/cyclic/parallel.ts (barrier.ts's FAILED at 20).
const FAILED = 20;
const C = { THREADS: 12, HEAD: 24, N: 28, V: 32, OFFSETS: 36, TOKENS: 40, TARGETS: 44, WEIGHTS: 48, KT: 52, DKT: 56, PHI: 60, LOSS: 64, DESC: 128, DESC_BYTES: 32 };

interface WasmHeadExports {
  memory: WebAssembly.Memory;
  selectionForward(offsets: number, tokens: number, targets: number, weights: number, n: number, Kt: number, V: number, phi: number): number;
  selectionBackward(offsets: number, tokens: number, targets: number, weights: number, n: number, phi: number, V: number, dKt: number): void;
  genForward(offsets: number, tokens: number, targets: number, weights: number, n: number, Kt: number, V: number, phi: number, z: number, p: number): number;
  genBackward(offsets: number, tokens: number, targets: number, weights: number, n: number, phi: number, V: number, dKt: number, z: number, p: number, dphi: number): void;
  selectionForward32: WasmHeadExports['selectionForward'];
  selectionBackward32: WasmHeadExports['selectionBackward'];
  genForward32: WasmHeadExports['genForward'];
  genBackward32: WasmHeadExports['genBackward'];
  cyclicScores(f32: number, W: number, E: number, Y: number, Kt: number, d: number, V: number): void;
  cyclicWeightGradient(f32: number, dKt: number, E: number, Y: number, G: number, d: number, V: number): void;
  cyclicNgdStep(f32: number, W: number, G: number, prev: number, n: number, eta: number, normalized: number, hasPrev: number, out: number): number;
}

/** Builds a head model with W = 0. */
export async function createHeadModel(head: HeadName, data: HeadData, opts: HeadModelOptions = {}): Promise<HeadModel> {
  if (head !== 'selection' && head !== 'gen') throw new NtpError('invalid-option', `option head must be selection or gen (got ${String(head)})`);
  const backend = opts.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'js') throw new NtpError('invalid-option', `option backend must be "wasm" or "js", got "${String(backend)}"`);
  const precision = opts.precision ?? 'f64';
  if (precision !== 'f64' && precision !== 'f32') throw new NtpError('invalid-option', `option precision must be "f64" or "f32", got "${String(precision)}"`);
  // T: the threads the model gets (one where the backend or the runtime has none, threadNote says why)
  const { threads: T, note: threadNote } = grantThreads(backend, opts.threads);
  const R = precision === 'f32' ? Float32Array : Float64Array;
  const E = opts.E ?? null;
  const d = E === null ? data.V : (opts.d ?? 0);
  if (E !== null && E.length !== d * data.V) throw new NtpError('bad-embedding', `the embedding has ${E.length} entries, expected d×|V| = ${d * data.V}`);
  const n = data.targets.length;
  const V = data.V;
  const sizes = { offsets: n + 1, tokens: data.tokens.length, targets: n, weights: n, Kt: V * V, dKt: V * V, phi: data.tokens.length, dphi: data.maxLength, z: V, p: V };
  let buffers: HeadBuffers;
  let kernel: HeadKernel;
  if (backend === 'js') {
    buffers = {
      n, V,
      offsets: data.offsets.slice(), tokens: data.tokens.slice(), targets: data.targets.slice(), weights: R.from(data.weights),
      Kt: new R(sizes.Kt), dKt: new R(sizes.dKt), phi: new R(sizes.phi), dphi: new R(sizes.dphi),
      z: new R(sizes.z), p: new R(sizes.p),
    };
    const b = buffers;
    kernel = head === 'selection'
      ? { forward: () => selectionForward(b), backward: () => selectionBackward(b) }
      : { forward: () => genForward(b), backward: () => genBackward(b) };
  } else {
    // each thread's share (whole queries, ascending samples) and the scratch of the workers (thread 0's is the model's)
    const shares = T > 1 ? byQuery({ V, N: n, offsets: data.offsets, tokens: data.tokens }, T, () => true) : [];
    const extra: Array<[string, number]> = T > 1 ? [['ctl', C.DESC + T * C.DESC_BYTES], ['loss', 8 * n]] : [];
    for (let j = 0; j < shares.length; j++) {
      extra.push([`items${j}`, 4 * Math.max(1, shares[j].items.length)]);
      if (j > 0) extra.push([`z${j}`, sizes.z * R.BYTES_PER_ELEMENT], [`p${j}`, sizes.p * R.BYTES_PER_ELEMENT], [`dphi${j}`, sizes.dphi * R.BYTES_PER_ELEMENT]);
    }
    // with an embedding, W, ∇W, E and the products' scratch Y live in the instance too (assembly/cyclic/products.ts)
    if (E !== null) extra.push(['W', d * d * R.BYTES_PER_ELEMENT], ['G', d * d * R.BYTES_PER_ELEMENT], ['E', d * V * R.BYTES_PER_ELEMENT], ['Y', d * V * R.BYTES_PER_ELEMENT]);
    // the update's iterate before last and its gradient norm (assembly/cyclic/ngd.ts)
    extra.push(['prev', d * d * R.BYTES_PER_ELEMENT], ['out', 8]);
    const regions: Array<[string, number]> = [...Object.entries(sizes).map(([k, len]): [string, number] => [k, len * R.BYTES_PER_ELEMENT]), ...extra];
    const span = regions.reduce((a, [, bytes]) => a + Math.ceil((bytes + 16) / 16) * 16, 0);
    if (span > 2 ** 32 - 2 * 65536) throw new NtpError('out-of-memory', `the ${head} head needs ${(span / 2 ** 20).toFixed(0)} MiB of WebAssembly memory, past its 4 GiB`);
    const threaded = T > 1 ? await instantiateThreaded(Math.ceil(span / 65536) + 2) : null;
    const ex = threaded ? threaded.ex : ((await instantiate()) as unknown as WasmHeadExports);
    // The head's buffers live past everything the module uses: grow the memory and take it from there.
    const at = ex.memory.buffer.byteLength;
    const addr: Record<string, number> = {};
    let end = at;
    for (const [k, bytes] of regions) {
      addr[k] = end;
      end += Math.ceil((bytes + 16) / 16) * 16;
    }
    const pages = Math.ceil((end - at) / 65536);
    if (end > 2 ** 32 - 65536 || ex.memory.grow(pages) < 0) throw new NtpError('out-of-memory', `could not grow WebAssembly memory by ${pages} pages for the ${head} head`);
    const buf = ex.memory.buffer;
    const i32 = (k: string, len: number) => new Int32Array(buf, addr[k], len);
    const real = (k: string, len: number): HeadReal => new R(buf, addr[k], len);
    buffers = {
      n, V,
      offsets: i32('offsets', sizes.offsets), tokens: i32('tokens', sizes.tokens), targets: i32('targets', n), weights: real('weights', n),
      Kt: real('Kt', sizes.Kt), dKt: real('dKt', sizes.dKt), phi: real('phi', sizes.phi), dphi: real('dphi', sizes.dphi), z: real('z', V), p: real('p', V),
    };
    buffers.offsets.set(data.offsets);
    buffers.tokens.set(data.tokens);
    buffers.targets.set(data.targets);
    buffers.weights.set(data.weights);
    const a = addr;
    const f32 = precision === 'f32';
    buffers.prev = real('prev', d * d);
    const norm = new Float64Array(buf, addr.out, 1);
    // one-hot heads keep W and ∇W as Kt and dKt (see HeadModel)
    const pW = E === null ? a.Kt : a.W;
    const pG = E === null ? a.dKt : a.G;
    const products: Pick<HeadKernel, 'scores' | 'weightGradient' | 'ngdStep' | 'stepNorm'> = {
      ngdStep: (eta, normalized, hasPrev) => ex.cyclicNgdStep(f32 ? 1 : 0, pW, pG, a.prev, d * d, eta, normalized ? 1 : 0, hasPrev ? 1 : 0, a.out),
      stepNorm: () => norm[0],
    };
    if (E !== null) {
      real('E', d * V).set(E);
      buffers.W = real('W', d * d);
      buffers.G = real('G', d * d);
      products.scores = () => ex.cyclicScores(f32 ? 1 : 0, a.W, a.E, a.Y, a.Kt, d, V);
      products.weightGradient = () => ex.cyclicWeightGradient(f32 ? 1 : 0, a.dKt, a.E, a.Y, a.G, d, V);
    }
    const selF = f32 ? ex.selectionForward32 : ex.selectionForward;
    const selB = f32 ? ex.selectionBackward32 : ex.selectionBackward;
    const genF = f32 ? ex.genForward32 : ex.genForward;
    const genB = f32 ? ex.genBackward32 : ex.genBackward;
    kernel = head === 'selection'
      ? {
          ...products,
          forward: () => selF(a.offsets, a.tokens, a.targets, a.weights, n, a.Kt, V, a.phi),
          backward: () => selB(a.offsets, a.tokens, a.targets, a.weights, n, a.phi, V, a.dKt),
        }
      : {
          ...products,
          forward: () => genF(a.offsets, a.tokens, a.targets, a.weights, n, a.Kt, V, a.phi, a.z, a.p),
          backward: () => genB(a.offsets, a.tokens, a.targets, a.weights, n, a.phi, V, a.dKt, a.z, a.p, a.dphi),
        };
    if (threaded) kernel = await startThreads(threaded, T, head, n, V, f32, addr, shares.map((s) => s.items), kernel);
  }
  return new HeadModel(head, backend, buffers, kernel, E, d, precision, threadNote);
}

/** An instance of the threaded build over a new shared memory of at most `pages` beyond its first. */
async function instantiateThreaded(pages: number): Promise<{ ex: ThreadedHeadExports; module: WebAssembly.Module; memory: WebAssembly.Memory }> {
  const module = await (await threadsEngine()).initThreadedWasm();
  const memory = new WebAssembly.Memory({ initial: 1, maximum: Math.min(65536, 1 + pages), shared: true });
  const instance = await WebAssembly.instantiate(module, {
    env: {
      memory,
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new NtpError('wasm-abort', `WebAssembly aborted at ${line}:${col}`);
      },
    },
  });
  return { ex: { ...(instance.exports as unknown as ThreadedHeadExports), memory }, module, memory };
}

/**
 * Fills the control block of assembly/cyclic/parallel.ts (each thread's samples and scratch),
 * starts the workers and returns the head's kernel over them.
 */
async function startThreads(
  threaded: { ex: ThreadedHeadExports; module: WebAssembly.Module; memory: WebAssembly.Memory },
  threads: number, head: HeadName, n: number, V: number, f32: boolean, a: Record<string, number>, items: Uint32Array[],
  single: HeadKernel,
): Promise<HeadKernel> {
  const { ex } = threaded;
  const ctl = a.ctl;
  const buf = ex.memory.buffer;
  const i32 = new Int32Array(buf);
  const u32 = new Uint32Array(buf);
  u32.set([threads, 0, 0, head === 'gen' ? 1 : 0, n, V, a.offsets, a.tokens, a.targets, a.weights, a.Kt, a.dKt, a.phi, a.loss], (ctl + C.THREADS) >> 2);
  for (let j = 0; j < threads; j++) {
    u32.set(items[j], a[`items${j}`] >> 2);
    const scratch = j === 0 ? [a.z, a.p, a.dphi] : [a[`z${j}`], a[`p${j}`], a[`dphi${j}`]];
    u32.set([a[`items${j}`], items[j].length, ...scratch], (ctl + C.DESC + j * C.DESC_BYTES) >> 2);
  }
  const workers: ThreadHandle[] = [];
  let live = true;
  // after dispose the head keeps working, with the one-thread kernels of the same instance
  const stop = () => {
    if (workers.length > 0) ex.cyclicStopWorkers(ctl);
    for (const w of workers) w.terminate();
    workers.length = 0;
    live = false;
  };
  try {
    for (let j = 1; j < threads; j++) workers.push(await (await threadsEngine()).startWorker({ module: threaded.module, memory: threaded.memory, ctl, j, loop: 'cyclicWorkerLoop' }));
  } catch (e) {
    stop();
    throw new NtpError('no-threads', `could not start the training threads: ${(e as Error).message}`);
  }
  const fl = f32 ? 1 : 0;
  const failed = () => {
    if (Atomics.load(i32, (ctl + FAILED) >> 2) !== 0) throw new NtpError('thread-failed', 'a training thread failed; the model is unusable (dispose it)');
  };
  return {
    scores: single.scores,
    weightGradient: single.weightGradient,
    ngdStep: single.ngdStep,
    stepNorm: single.stepNorm,
    get threads() {
      return live ? threads : 1;
    },
    forward: () => {
      if (!live) return single.forward();
      const loss = ex.cyclicHeadForwardThreaded(fl, ctl);
      failed();
      return loss;
    },
    backward: () => {
      if (!live) return single.backward();
      ex.cyclicHeadBackwardThreaded(fl, ctl);
      failed();
    },
    dispose: stop,
  };
}

/**
 * A selection or gen head bound to one packed dataset. For one-hot E the scores are W itself
 * (K = W), so W and ∇W are kept in the kernels' transposed layout, as the buffers Kt and dKt:
 * a step then needs no product and no transpose (the update, its norms and the orbit test are
 * elementwise or sums over every entry); getW, setW and gradient transpose at the boundary.
 */
export class HeadModel {
  /** W (d×d row-major), or for one-hot Wᵀ = Kt */
  private readonly W: HeadReal;
  /** ∇W, or for one-hot ∇Wᵀ = dKt */
  private readonly G: HeadReal;
  private readonly before: HeadReal;
  private readonly prev: HeadReal;
  private hasPrev = false;
  private readonly Y: Float64Array | null;

  constructor(
    readonly head: HeadName,
    readonly backend: BackendName,
    private readonly b: HeadBuffers,
    private readonly kernel: HeadKernel,
    private readonly E: Float64Array | null,
    readonly d: number,
    /** `f64` or `f32`: W and its gradient are stored at this precision, like the kernels' buffers */
    readonly precision: Precision = 'f64',
    /** why the model runs on fewer threads than asked, if it does */
    readonly threadNote: string | null = null,
  ) {
    const dd = d * d;
    const R = precision === 'f32' ? Float32Array : Float64Array;
    this.W = E === null ? b.Kt : (b.W ?? new R(dd));
    this.G = E === null ? b.dKt : (b.G ?? new R(dd));
    // the update kernel, where there is one, needs no copy of the last iterate
    this.before = new R(kernel.ngdStep ? 0 : dd);
    this.prev = b.prev ?? new R(dd);
    this.Y = E === null ? null : new Float64Array(d * b.V);
  }

  get V(): number {
    return this.b.V;
  }

  /** Threads the head's passes run on. */
  get threads(): number {
    return this.kernel.threads ?? 1;
  }

  /** W as a row-major d×d copy (in f64 either way). */
  getW(): Float64Array {
    return this.rowMajor(this.W);
  }

  /** Sets W (d×d row-major); forgets the orbit history. */
  setW(w: ArrayLike<number>): void {
    if (w.length !== this.W.length) throw new NtpError('invalid-option', `W has ${w.length} entries, expected d×d = ${this.W.length}`);
    if (this.E === null) {
      const V = this.b.V;
      for (let q = 0; q < V; q++) for (let t = 0; t < V; t++) this.W[q * V + t] = w[t * V + q];
    } else {
      this.W.set(w);
    }
    this.hasPrev = false;
  }

  /** A row-major f64 copy of W or ∇W as stored (transposed back for one-hot). */
  private rowMajor(a: HeadReal): Float64Array {
    if (this.E !== null) return Float64Array.from(a);
    const V = this.b.V;
    const out = new Float64Array(V * V);
    for (let q = 0; q < V; q++) for (let t = 0; t < V; t++) out[t * V + q] = a[q * V + t];
    return out;
  }

  /** Scores K = EᵀWE at the current W, as K[v·V + q] (a copy). */
  scores(): Float64Array {
    this.refreshK();
    const V = this.b.V;
    const K = new Float64Array(V * V);
    for (let q = 0; q < V; q++) for (let t = 0; t < V; t++) K[t * V + q] = this.b.Kt[q * V + t];
    return K;
  }

  /** Kt[q·V + t] = E_tᵀ W E_q. */
  private refreshK(): void {
    const { V, Kt } = this.b;
    const W = this.W;
    const E = this.E;
    // one-hot: W is stored as Kt
    if (E === null) return;
    if (this.kernel.scores) return this.kernel.scores();
    const d = this.d;
    const Y = this.Y!; // Y = W E (d×V)
    Y.fill(0);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      const w = W[i * d + j];
      if (w !== 0) for (let q = 0; q < V; q++) Y[i * V + q] += w * E[j * V + q];
    }
    Kt.fill(0);
    for (let q = 0; q < V; q++) for (let i = 0; i < d; i++) {
      const y = Y[i * V + q];
      if (y !== 0) for (let t = 0; t < V; t++) Kt[q * V + t] += E[i * V + t] * y;
    }
  }

  /** G = ∇W = E dK Eᵀ from dKt. */
  private gradFromK(): void {
    const { V, dKt } = this.b;
    const G = this.G;
    const E = this.E;
    // one-hot: ∇W is stored as dKt
    if (E === null) return;
    if (this.kernel.weightGradient) return this.kernel.weightGradient();
    const d = this.d;
    const Y = this.Y!; // Y[i, q] = Σ_t E[i, t] dK[t, q]
    Y.fill(0);
    for (let q = 0; q < V; q++) for (let t = 0; t < V; t++) {
      const g = dKt[q * V + t];
      if (g !== 0) for (let i = 0; i < d; i++) Y[i * V + q] += E[i * V + t] * g;
    }
    G.fill(0);
    for (let i = 0; i < d; i++) for (let q = 0; q < V; q++) {
      const y = Y[i * V + q];
      if (y !== 0) for (let j = 0; j < d; j++) G[i * d + j] += y * E[j * V + q];
    }
  }

  /** Loss at the current W. */
  loss(): number {
    this.refreshK();
    return this.kernel.forward();
  }

  /** Loss and ∇W (a copy) at the current W. */
  gradient(): { loss: number; W: Float64Array } {
    this.refreshK();
    const loss = this.kernel.forward();
    this.b.dKt.fill(0);
    this.kernel.backward();
    this.gradFromK();
    return { loss, W: this.rowMajor(this.G) };
  }

  /**
   * Up to k steps: W ← W − η ∇/‖∇‖_F (NGD, `normalized`, default) or W ← W − η ∇ (GD). The norm is
   * taken after dividing by max|∇| so it cannot underflow.
   */
  steps(k: number, eta: number, normalized = true): HeadChunk {
    const W = this.W;
    const G = this.G;
    const n = W.length;
    let loss = NaN;
    let gradNorm = NaN;
    for (let s = 0; s < k; s++) {
      // forward, backward, update: one step read top to bottom
      this.refreshK();
      loss = this.kernel.forward();
      this.b.dKt.fill(0);
      this.kernel.backward();
      this.gradFromK();
      const k = this.kernel;
      if (k.ngdStep && k.stepNorm) {
        // the same update as below, as a SIMD kernel (assembly/cyclic/ngd.ts)
        if (!Number.isFinite(loss)) return { status: 'diverged', steps: s, loss, gradNorm: NaN };
        const code = k.ngdStep(eta, normalized, this.hasPrev);
        if (code === STEP.DIVERGED) return { status: 'diverged', steps: s, loss, gradNorm: NaN };
        if (code === STEP.ZERO_GRADIENT) return { status: 'converged', steps: s, loss, gradNorm: 0 };
        gradNorm = k.stepNorm();
        this.hasPrev = true;
        if (code === STEP.PERIOD_2) return { status: 'period-2', steps: s + 1, loss, gradNorm };
        if (code === STEP.FIXED_POINT) return { status: 'converged', steps: s + 1, loss, gradNorm };
        continue;
      }
      let m = 0;
      for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(G[i]));
      if (!Number.isFinite(loss) || !Number.isFinite(m)) return { status: 'diverged', steps: s, loss, gradNorm: NaN };
      if (m === 0) return { status: 'converged', steps: s, loss, gradNorm: 0 };
      const inv = 1 / m;
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (G[i] * inv) ** 2;
      gradNorm = m * Math.sqrt(ss);
      const a = normalized ? eta / gradNorm : eta;
      this.before.set(W);
      for (let i = 0; i < n; i++) W[i] -= a * G[i];
      const orbit = this.hasPrev ? this.orbit() : null;
      if (orbit !== null) {
        this.prev.set(this.before);
        return { status: orbit, steps: s + 1, loss, gradNorm };
      }
      this.prev.set(this.before);
      this.hasPrev = true;
    }
    return { status: 'running', steps: k, loss, gradNorm };
  }

  /**
   * `period-2` when ‖W_{t+1} − W_{t−1}‖_F ≤ 1e-12‖W_{t+1}‖_F (W ≠ 0), `converged` when W_{t+1} also
   * equals W_t to that tolerance (a fixed point, e.g. GD at W_fin), else null. Weights are
   * O(1)–O(10³), so plain sums of squares are safe.
   */
  private orbit(): 'period-2' | 'converged' | null {
    let diff2 = 0;
    let diff1 = 0;
    let norm = 0;
    const W = this.W;
    for (let i = 0; i < W.length; i++) {
      diff2 += (W[i] - this.prev[i]) ** 2;
      diff1 += (W[i] - this.before[i]) ** 2;
      norm += W[i] * W[i];
    }
    const tol = 1e-12 * Math.sqrt(norm);
    if (!(norm > 0) || Math.sqrt(diff2) > tol) return null;
    return Math.sqrt(diff1) <= tol ? 'converged' : 'period-2';
  }

  /** Ends the threads, if any; the buffers and the instance go with the last reference. */
  dispose(): void {
    this.kernel.dispose?.();
  }
}
