/**
 * A stage-2 model with a new head (selection or gen, docs/theory/cyclic.md#training-variants): one parameter W (= W_kq, d×d,
 * key side i, query side j), scores K = EᵀWE, a head kernel per backend (assembly/cyclic/selection.ts,
 * assembly/cyclic/gen.ts, or their TypeScript twins), and GD or NGD steps with exact-zero-gradient,
 * non-finite and period-2 orbit detection (docs/theory/cyclic.md#ngd-pathologies). The embedding products (K from W, ∇W from
 * ∇K) run in TypeScript for both backends; for one-hot E they are a transpose.
 */
import { NtpError } from '../../../errors.js';
import type { BackendName, Precision } from '../../../engine/backend.js';
import { instantiate } from '../../../engine/wasm.js';
import type { HeadBuffers, HeadKernel, HeadReal } from './buffers.js';
import { genBackward, genForward } from './gen.js';
import { selectionBackward, selectionForward } from './selection.js';

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
}

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
}

/** Builds a head model with W = 0. */
export async function createHeadModel(head: HeadName, data: HeadData, opts: HeadModelOptions = {}): Promise<HeadModel> {
  if (head !== 'selection' && head !== 'gen') throw new NtpError('invalid-option', `option head must be selection or gen (got ${String(head)})`);
  const backend = opts.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'js') throw new NtpError('invalid-option', `option backend must be "wasm" or "js", got "${String(backend)}"`);
  const precision = opts.precision ?? 'f64';
  if (precision !== 'f64' && precision !== 'f32') throw new NtpError('invalid-option', `option precision must be "f64" or "f32", got "${String(precision)}"`);
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
    const ex = (await instantiate()) as unknown as WasmHeadExports;
    // The head's buffers live past everything the module uses: grow the memory and take it from there.
    const at = ex.memory.buffer.byteLength;
    const addr: Record<string, number> = {};
    let end = at;
    for (const [k, len] of Object.entries(sizes)) {
      addr[k] = end;
      end += Math.ceil((len * R.BYTES_PER_ELEMENT + 16) / 16) * 16;
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
    const selF = f32 ? ex.selectionForward32 : ex.selectionForward;
    const selB = f32 ? ex.selectionBackward32 : ex.selectionBackward;
    const genF = f32 ? ex.genForward32 : ex.genForward;
    const genB = f32 ? ex.genBackward32 : ex.genBackward;
    kernel = head === 'selection'
      ? {
          forward: () => selF(a.offsets, a.tokens, a.targets, a.weights, n, a.Kt, V, a.phi),
          backward: () => selB(a.offsets, a.tokens, a.targets, a.weights, n, a.phi, V, a.dKt),
        }
      : {
          forward: () => genF(a.offsets, a.tokens, a.targets, a.weights, n, a.Kt, V, a.phi, a.z, a.p),
          backward: () => genB(a.offsets, a.tokens, a.targets, a.weights, n, a.phi, V, a.dKt, a.z, a.p, a.dphi),
        };
  }
  return new HeadModel(head, backend, buffers, kernel, E, d, precision);
}

/** A selection or gen head bound to one packed dataset. */
export class HeadModel {
  private readonly W: HeadReal;
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
  ) {
    const dd = d * d;
    const R = precision === 'f32' ? Float32Array : Float64Array;
    this.W = new R(dd);
    this.G = new R(dd);
    this.before = new R(dd);
    this.prev = new R(dd);
    this.Y = E === null ? null : new Float64Array(d * b.V);
  }

  get V(): number {
    return this.b.V;
  }

  /** W as a row-major d×d copy (in f64 either way). */
  getW(): Float64Array {
    return Float64Array.from(this.W);
  }

  /** Sets W (d×d row-major); forgets the orbit history. */
  setW(w: ArrayLike<number>): void {
    if (w.length !== this.W.length) throw new NtpError('invalid-option', `W has ${w.length} entries, expected d×d = ${this.W.length}`);
    this.W.set(w);
    this.hasPrev = false;
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
    if (E === null) {
      for (let q = 0; q < V; q++) for (let t = 0; t < V; t++) Kt[q * V + t] = W[t * V + q];
      return;
    }
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
    if (E === null) {
      for (let q = 0; q < V; q++) for (let t = 0; t < V; t++) G[t * V + q] = dKt[q * V + t];
      return;
    }
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
    return { loss, W: Float64Array.from(this.G) };
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

  /** Releases the buffers (the WebAssembly instance is dropped with them). */
  dispose(): void {
    // Nothing to free explicitly: the instance and its memory go with the last reference.
  }
}
