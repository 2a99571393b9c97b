/**
 * Kernels of the autoregressive family's causal transformer (docs/theory/autoregressive.md):
 * the forward and backward pass of one sequence through n causal attention layers of H heads
 * with σ ∈ {identity, exp, row softmax}, MSE, Adam. Two interchangeable backends implement this
 * interface: WebAssembly SIMD (assembly/autoregressive/) and pure TypeScript (the twins in this
 * folder, the reference).
 *
 * Every buffer lives in one arena (`buf`); arguments are element offsets into it and sizes
 * (pointer-and-size style). Matrices are row-major. Score blocks are T×T; row t holds keys
 * j = 1 … t (0-based): the key at position 0 is always masked (it carries no (input, target) pair),
 * so row 0 is empty and its output is defined as 0 for every σ.
 */
import type { BackendName, Precision } from '../../../engine/backend.js';

/** The score nonlinearity σ of an attention layer. */
export type AttentionKind = 'linear' | 'exp' | 'softmax';

export const ATTENTION_KINDS: readonly AttentionKind[] = ['linear', 'exp', 'softmax'];

/** σ applied in place to the valid entries of a T×T score block, and its backward pass. */
export interface Sigma {
  /** A ← σ(S) on valid entries (row-wise for softmax); invalid entries stay 0 */
  forward(A: number, T: number): void;
  /** dA ← dS, the gradient with respect to the scores, given A = σ(S) */
  backward(dA: number, A: number, T: number): void;
}

/**
 * Where one sequence's pass reads and writes (element offsets into the arena), mirrored by the
 * i32 fields LAY_* of assembly/autoregressive/step.ts. The passes multiply by M = QᵀK and V
 * (docs/theory/autoregressive.md#compute): per set, the rows of one (2HD)×D matrix MV, per head
 * Mᵀ then V; MVT holds its transpose. The backward accumulates the gradient with respect to MV
 * (dMV: per head dMᵀ, dV) over the batch; the kernels turn it into G once per batch.
 */
export interface CausalLayout {
  attention: AttentionKind;
  d: number;
  T: number;
  layers: number;
  heads: number;
  tied: boolean;
  /** parameters [set][head][Q, K, V] D×D, their gradient */
  P: number;
  G: number;
  /**
   * per set: MV (2HD × D; per head Mᵀ = KᵀQ, V), its transpose MVT (D × 2HD), the gradient dMV
   * (2HD × D); then layer 0's folded weights MV0 (2HD × 2d, its V0 rows), MVT0 (2d × 2HD) and
   * their gradient dMV0 (2HD × 2d): `foldedElements` each
   */
  MV: number;
  MVT: number;
  dMV: number;
  /** e^l for l = 0 … n (T×D each), E·M and v of every head per layer (T × 2HD each), A per layer and head (T×T each) */
  E: number;
  EMV: number;
  A: number;
  /** backward scratch: dE, dPrev (T×D), dA (T×T), dEMV (T × 2HD), ET, vT (D×T) */
  dE: number;
  dPrev: number;
  dA: number;
  dEMV: number;
  ET: number;
  vT: number;
}

/** Elements of MV, of MVT and of dMV: every weight set's 2HD × D, then layer 0's 2d × 2HD. */
export function foldedElements(L: Pick<CausalLayout, 'd' | 'layers' | 'heads' | 'tied'>): number {
  const D = 4 * L.d;
  return ((L.tied ? 1 : L.layers) * D + 2 * L.d) * 2 * L.heads * D;
}

export const KIND_CODE: Record<AttentionKind, number> = { linear: 0, exp: 1, softmax: 2 };

export interface CausalKernels {
  readonly backend: BackendName;
  readonly precision: Precision;
  /** the arena, `elements` long; offsets below index it */
  readonly buf: Float64Array | Float32Array;
  /** threads the batch gradient runs on */
  readonly threads: number;
  /** MV, MVT from P for every weight set; after every change of P, before the passes */
  prepare(): void;
  /** forward pass of the sequence at x (T + 1 tokens, the first T read): fills E, EMV, A (the top layer's v and e^n only in the u-slot, the first d columns: all the loss reads) */
  forward(x: number): void;
  /** forward and backward of the sequence at x: returns Σ_t ‖u_t − x_{t+1}‖² (float64) and adds scale × its gradient into G */
  gradient(x: number, scale: number): number;
  /** {@link gradient} summed over the sequences at xs (on every thread, each running whole sequences) */
  gradientBatch(xs: ArrayLike<number>, scale: number): number;
  /** ends the threads, if any */
  dispose(): void;
  /** Adam step on n entries: m, v moments; bc1 = 1 − β1^k, bc2 = 1 − β2^k */
  adam(w: number, g: number, m: number, v: number, n: number, lr: number, b1: number, b2: number, eps: number, bc1: number, bc2: number): void;
  /** y += a·x */
  axpy(y: number, a: number, x: number, n: number): void;
}

/** An arena planner: element offsets aligned to 16 bytes. */
export class ArenaPlan {
  size = 0;
  constructor(readonly precision: Precision) {}
  take(n: number): number {
    const align = this.precision === 'f32' ? 4 : 2;
    const o = this.size;
    this.size = Math.ceil((o + n) / align) * align;
    return o;
  }
}
