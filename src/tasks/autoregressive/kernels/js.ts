/**
 * The pure-TypeScript twin of the causal attention kernels (same algorithm as assembly/autoregressive/causal-*.ts,
 * mse.ts, adam.ts). A float32 arena stores float32; arithmetic runs in float64 and rounds on store.
 */
import type { Precision } from '../../../engine/backend.js';
import type { AttentionKind, CausalKernels, Sigma } from './kernels.js';
import { jsExpSigma } from './js-exp.js';
import { jsSoftmaxSigma } from './js-softmax.js';

/** Identity σ (linear attention): nothing to do forward, dS = dA backward. */
const linearSigma: Sigma = { forward() {}, backward() {} };

export function createJsCausalKernels(precision: Precision, elements: number): CausalKernels {
  const buf = precision === 'f32' ? new Float32Array(elements) : new Float64Array(elements);
  const sigma: Record<AttentionKind, Sigma> = { linear: linearSigma, exp: jsExpSigma(buf), softmax: jsSoftmaxSigma(buf) };
  return {
    backend: 'js',
    precision,
    buf,
    sigma,
    gemmNT(c, a, b, m, n, k) {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += buf[a + i * k + p] * buf[b + j * k + p];
          buf[c + i * n + j] = s;
        }
      }
    },
    gemmNNAcc(c, a, b, m, n, k) {
      for (let i = 0; i < m; i++) {
        for (let p = 0; p < k; p++) {
          const x = buf[a + i * k + p];
          for (let j = 0; j < n; j++) buf[c + i * n + j] += x * buf[b + p * n + j];
        }
      }
    },
    gemmTNAcc(c, a, b, m, n, k) {
      for (let p = 0; p < k; p++) {
        for (let i = 0; i < m; i++) {
          const x = buf[a + p * m + i];
          for (let j = 0; j < n; j++) buf[c + i * n + j] += x * buf[b + p * n + j];
        }
      }
    },
    scores(S, q, k, T, D) {
      buf.fill(0, S, S + T * T);
      for (let t = 1; t < T; t++) {
        for (let j = 1; j <= t; j++) {
          let s = 0;
          for (let c = 0; c < D; c++) s += buf[q + t * D + c] * buf[k + j * D + c];
          buf[S + t * T + j] = s;
        }
      }
    },
    scoresBackward(dq, dk, dS, q, k, T, D) {
      buf.fill(0, dq, dq + T * D);
      buf.fill(0, dk, dk + T * D);
      for (let t = 1; t < T; t++) {
        for (let j = 1; j <= t; j++) {
          const g = buf[dS + t * T + j];
          for (let c = 0; c < D; c++) {
            buf[dq + t * D + c] += g * buf[k + j * D + c];
            buf[dk + j * D + c] += g * buf[q + t * D + c];
          }
        }
      }
    },
    apply(out, A, v, T, D) {
      for (let t = 1; t < T; t++) {
        for (let j = 1; j <= t; j++) {
          const a = buf[A + t * T + j];
          for (let c = 0; c < D; c++) buf[out + t * D + c] += a * buf[v + j * D + c];
        }
      }
    },
    applyBackward(dA, dv, A, v, dOut, T, D) {
      buf.fill(0, dA, dA + T * T);
      buf.fill(0, dv, dv + T * D);
      for (let t = 1; t < T; t++) {
        for (let j = 1; j <= t; j++) {
          let s = 0;
          const a = buf[A + t * T + j];
          for (let c = 0; c < D; c++) {
            s += buf[dOut + t * D + c] * buf[v + j * D + c];
            buf[dv + j * D + c] += a * buf[dOut + t * D + c];
          }
          buf[dA + t * T + j] = s;
        }
      }
    },
    mse(dE, e, target, T, D, d, scale) {
      let sum = 0;
      buf.fill(0, dE, dE + T * D);
      for (let t = 0; t < T; t++) {
        for (let c = 0; c < d; c++) {
          const diff = buf[e + t * D + c] - buf[target + t * d + c];
          sum += diff * diff;
          buf[dE + t * D + c] = 2 * scale * diff;
        }
      }
      return sum;
    },
    adam(w, g, m, v, n, lr, b1, b2, eps, bc1, bc2) {
      for (let i = 0; i < n; i++) {
        const gi = buf[g + i];
        const mi = b1 * buf[m + i] + (1 - b1) * gi;
        const vi = b2 * buf[v + i] + (1 - b2) * gi * gi;
        buf[m + i] = mi;
        buf[v + i] = vi;
        buf[w + i] -= (lr * (mi / bc1)) / (Math.sqrt(vi / bc2) + eps);
      }
    },
    axpy(y, a, x, n) {
      for (let i = 0; i < n; i++) buf[y + i] += a * buf[x + i];
    },
  };
}
