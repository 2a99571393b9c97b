/**
 * Softmax attention over the valid keys of each row (TS twin of assembly/autoregressive/causal-softmax.ts).
 * Row 0 has no valid key: its weights stay 0 (never 0/0).
 */
import type { Sigma } from './kernels.js';

export function jsSoftmaxSigma(buf: Float64Array | Float32Array): Sigma {
  return {
    forward(A, T) {
      for (let t = 1; t < T; t++) {
        const o = A + t * T + 1;
        let m = -Infinity;
        for (let j = 0; j < t; j++) m = Math.max(m, buf[o + j]);
        let sum = 0;
        for (let j = 0; j < t; j++) {
          const e = Math.exp(buf[o + j] - m);
          buf[o + j] = e;
          sum += e;
        }
        const inv = 1 / sum;
        for (let j = 0; j < t; j++) buf[o + j] *= inv;
      }
    },
    // dS = A ⊙ (dA − rowsum(A ⊙ dA))
    backward(dA, A, T) {
      for (let t = 1; t < T; t++) {
        const a = A + t * T + 1;
        const g = dA + t * T + 1;
        let s = 0;
        for (let j = 0; j < t; j++) s += buf[a + j] * buf[g + j];
        for (let j = 0; j < t; j++) buf[g + j] = buf[a + j] * (buf[g + j] - s);
      }
    },
  };
}
