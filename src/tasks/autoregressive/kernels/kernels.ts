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
 * i32 fields LAY_* of assembly/autoregressive/step.ts. The heads' Q, K, V weights of a set are the
 * rows of one (3HD)×D matrix; WT holds its transpose per set.
 */
export interface CausalLayout {
  attention: AttentionKind;
  d: number;
  T: number;
  layers: number;
  heads: number;
  tied: boolean;
  /** parameters [set][head][Q, K, V] D×D, their gradient, and the transposes WT (D × 3HD per set) */
  P: number;
  G: number;
  WT: number;
  /** e^l for l = 0 … n (T×D each), q/k/v per layer (T × 3HD each), A per layer and head (T×T each) */
  E: number;
  QKV: number;
  A: number;
  /** backward scratch: dE, dPrev (T×D), dA (T×T), dQKV (T × 3HD), kT, vT (D×T) */
  dE: number;
  dPrev: number;
  dA: number;
  dQKV: number;
  kT: number;
  vT: number;
}

export const KIND_CODE: Record<AttentionKind, number> = { linear: 0, exp: 1, softmax: 2 };

export interface CausalKernels {
  readonly backend: BackendName;
  readonly precision: Precision;
  /** the arena, `elements` long; offsets below index it */
  readonly buf: Float64Array | Float32Array;
  /** threads the batch gradient runs on */
  readonly threads: number;
  /** WT ← Wᵀ for every weight set; after every change of P, before the passes */
  prepare(): void;
  /** forward pass of the sequence at x (T + 1 tokens, the first T read): fills E, QKV, A (the top layer's v and e^n only in the u-slot, the first d columns: all the loss reads) */
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
