/**
 * Kernels of multi-layer causal attention over real-valued token arrays (used by the
 * autoregressive family, docs/theory/autoregressive.md#compute): batched small products, causal lower-triangular score
 * blocks with σ ∈ {identity, exp, row softmax} and their backward passes, MSE and Adam.
 * Two interchangeable backends implement this interface: WebAssembly SIMD (assembly/causal-*.ts,
 * mse.ts, adam.ts) and pure TypeScript (the twins in this folder).
 *
 * Every buffer lives in one arena (`buf`); arguments are element offsets into it and sizes
 * (pointer-and-size style). Matrices are row-major. Score blocks are T×T; row t holds keys
 * j = 1 … t (0-based): the key at position 0 is always masked (it carries no (input, target) pair,
 * docs/theory/autoregressive.md#model-and-loss), so row 0 is empty and its output is defined as 0 for every σ.
 */
import type { BackendName, Precision } from '../backend.js';

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

export interface CausalKernels {
  readonly backend: BackendName;
  readonly precision: Precision;
  /** the arena, `elements` long; offsets below index it */
  readonly buf: Float64Array | Float32Array;
  /** σ of each attention kind */
  readonly sigma: Record<AttentionKind, Sigma>;
  /** C (m×n) = A (m×k) · B (n×k)ᵀ */
  gemmNT(c: number, a: number, b: number, m: number, n: number, k: number): void;
  /** C (m×n) += A (m×k) · B (k×n) */
  gemmNNAcc(c: number, a: number, b: number, m: number, n: number, k: number): void;
  /** C (m×n) += A (k×m)ᵀ · B (k×n) */
  gemmTNAcc(c: number, a: number, b: number, m: number, n: number, k: number): void;
  /** S[t, j] = q_t · k_j for 1 ≤ j ≤ t, 0 elsewhere (q, k: T×D) */
  scores(S: number, q: number, k: number, T: number, D: number): void;
  /** dq_t = Σ_j dS[t, j] k_j, dk_j = Σ_t dS[t, j] q_t (overwritten) */
  scoresBackward(dq: number, dk: number, dS: number, q: number, k: number, T: number, D: number): void;
  /** out_t += Σ_j A[t, j] v_j */
  apply(out: number, A: number, v: number, T: number, D: number): void;
  /** dA[t, j] = dOut_t · v_j on valid entries (0 elsewhere), dv_j = Σ_t A[t, j] dOut_t (overwritten) */
  applyBackward(dA: number, dv: number, A: number, v: number, dOut: number, T: number, D: number): void;
  /**
   * Σ_t Σ_{c<d} (e[t, c] − target[t, c])² over T rows (e: T×D, its first d columns; target: T×d),
   * in float64; writes dE[t, c] = 2·scale·(e − target) on those columns and 0 on the others.
   */
  mse(dE: number, e: number, target: number, T: number, D: number, d: number, scale: number): number;
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
