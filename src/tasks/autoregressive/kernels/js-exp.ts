/** Exponential attention σ(s) = e^s without normalisation (TS twin of assembly/autoregressive/causal-exp.ts). */
import type { Sigma } from './kernels.js';

export function jsExpSigma(buf: Float64Array | Float32Array): Sigma {
  return {
    forward(A, T) {
      for (let t = 1; t < T; t++) for (let j = 1; j <= t; j++) buf[A + t * T + j] = Math.exp(buf[A + t * T + j]);
    },
    // dS = dA ⊙ A: invalid entries of A are 0, so the whole block can be multiplied
    backward(dA, A, T) {
      for (let i = 0; i < T * T; i++) buf[dA + i] *= buf[A + i];
    },
  };
}
