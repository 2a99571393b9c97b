import type { Real } from './kernels/attention.js';

/** Which tensor of the model: W (2N×2N), V or F (N×2N, rows of 2N). */
export type RecallTensor = 'W' | 'V' | 'F';

/**
 * What a backend provides for the recall model: the weights and gradients (views into its
 * memory), staging buffers for one batch, and the kernels. The WebAssembly and pure-TS
 * backends implement it with the same algorithm (assembly/recall-*.ts and their twins).
 */
export interface RecallBackend {
  readonly name: 'wasm' | 'js';
  readonly W: Real;
  readonly V: Real;
  readonly F: Real;
  readonly gW: Real;
  readonly gV: Real;
  readonly gF: Real;
  /** staging for up to maxBatch sentences (B×H tokens, B targets, B outputs y) */
  readonly tokens: Int32Array;
  readonly targets: Int32Array;
  readonly outputs: Int32Array;
  readonly maxBatch: number;
  /** threads forwardBackward runs on (each a contiguous share of the sentences) */
  readonly threads: number;
  /** ends the threads, if any (the backend keeps working on one) */
  dispose(): void;
  /** mean loss of the staged B sentences; gradients of the flagged tensors into gW, gV, gF */
  forwardBackward(B: number, gW: boolean, gV: boolean, gF: boolean): number;
  /** per-sentence metrics of the staged sentences (EVAL_FIELDS per sentence), a view valid until the next call */
  evaluate(B: number): Float64Array;
  /** one NGD step of a tensor from its gradient buffer; returns ‖∇‖_F, 0 if skipped, NaN if not finite */
  ngd(which: RecallTensor, eta: number): number;
}

/** Sizes and switches the kernels take. */
export interface RecallShape {
  N: number;
  H: number;
  sigma: number;
  kappa: number;
  useF: boolean;
  f32: boolean;
  tau: number;
}
