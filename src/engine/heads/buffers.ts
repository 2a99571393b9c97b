/**
 * The buffers a stage-2 head kernel reads and writes, as typed arrays. For the WebAssembly backend
 * they are views into the instance's memory at the addresses passed to the kernels.
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
  weights: Float64Array;
  /** Kt[q·V + t] = K[t, q], the scores */
  Kt: Float64Array;
  /** ∂loss/∂K in the same layout (the kernels add into it) */
  dKt: Float64Array;
  /** attention per position (total context length), written by the forward pass, read by the backward */
  phi: Float64Array;
  /** per-sample scratch: the attention gradient (longest context), logits and probabilities (V) */
  dphi: Float64Array;
  z: Float64Array;
  p: Float64Array;
}

/** A head's two passes over all samples: forward returns the loss (and keeps φ), backward adds ∇K into dKt. */
export interface HeadKernel {
  forward(): number;
  backward(): void;
}
