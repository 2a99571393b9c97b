/** Float buffers of a head: Float64Array in f64, Float32Array in f32. */
export type HeadReal = Float64Array | Float32Array;

/**
 * The buffers a stage-2 head kernel reads and writes, as typed arrays. For the WebAssembly backend
 * they are views into the instance's memory at the addresses passed to the kernels. Float buffers
 * are all Float64Array (f64) or all Float32Array (f32).
 */
export interface HeadBuffers {
  /** samples */
  n: number;
  /** vocabulary size */
  V: number;
  /** CSR contexts: sample i is tokens[offsets[i] … offsets[i+1]), its query the last token */
  offsets: Int32Array;
  tokens: Int32Array;
  /** target token o_i per sample */
  targets: Int32Array;
  /** π_i per sample */
  weights: HeadReal;
  /** Kt[q·V + t] = K[t, q], the scores */
  Kt: HeadReal;
  /** ∂loss/∂K in the same layout (the kernels add into it) */
  dKt: HeadReal;
  /** attention per position (total context length), written by the forward pass, read by the backward */
  phi: HeadReal;
  /** per-sample scratch: the attention gradient (longest context), logits and probabilities (V) */
  dphi: HeadReal;
  z: HeadReal;
  p: HeadReal;
  /** W and ∇W (d×d), where the kernel's embedding products read and write them (WebAssembly with an embedding) */
  W?: HeadReal;
  G?: HeadReal;
  /** the iterate before last (d×d), where the kernel's update keeps it (WebAssembly) */
  prev?: HeadReal;
}

/**
 * The exponential the kernels use: in f32 (`phi` a Float32Array) arguments below −60 give 0, as in
 * assembly/exp.ts (FLUSH_F32), so that subnormals stay out of the arithmetic.
 */
export function headExp(b: HeadBuffers): (x: number) => number {
  return b.phi instanceof Float32Array ? expF32 : Math.exp;
}

const expF32 = (x: number): number => (x >= -60 ? Math.exp(x) : 0);

/** A head's two passes over all samples: forward returns the loss (and keeps φ), backward adds ∇K into dKt. */
export interface HeadKernel {
  forward(): number;
  backward(): void;
  /** K from W (the embedding products, where the backend has them as kernels; else the model's TypeScript) */
  scores?(): void;
  /** ∇W from dKt, likewise */
  weightGradient?(): void;
  /**
   * The update of W from ∇W with the orbit test (assembly/cyclic/ngd.ts), where the backend has it
   * as a kernel (else the model's TypeScript): a STEP_* code; the gradient norm in `stepNorm()`.
   */
  ngdStep?(eta: number, normalized: boolean, hasPrev: boolean): number;
  stepNorm?(): number;
  /** threads the passes run on (1 if absent) */
  threads?: number;
  /** ends the threads, if any */
  dispose?(): void;
}

/** Codes of `ngdStep` (assembly/cyclic/ngd.ts STEP_*). */
export const STEP = { RUNNING: 0, ZERO_GRADIENT: 1, DIVERGED: 2, PERIOD_2: 3, FIXED_POINT: 4 } as const;
