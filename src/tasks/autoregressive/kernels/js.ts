/**
 * The pure-TypeScript twin of the causal transformer's kernels (same algorithm as
 * assembly/autoregressive/). A float32 arena stores float32; arithmetic runs in float64 and
 * rounds on store.
 */
import type { Precision } from '../../../engine/backend.js';
import { foldedElements, type AttentionKind, type CausalKernels, type CausalLayout, type Sigma } from './kernels.js';
import { jsExpSigma } from './js-exp.js';
import { jsSoftmaxSigma } from './js-softmax.js';
import { finishGradient, forwardSequence, gradientSequence, prepareWeights } from './js-step.js';

/** Identity σ (linear attention): nothing to do forward, dS = dA backward. */
const linearSigma: Sigma = { forward() {}, backward() {} };

export function createJsCausalKernels(precision: Precision, elements: number, layout: CausalLayout): CausalKernels {
  const buf = precision === 'f32' ? new Float32Array(elements) : new Float64Array(elements);
  const sigmas: Record<AttentionKind, Sigma> = { linear: linearSigma, exp: jsExpSigma(buf), softmax: jsSoftmaxSigma(buf) };
  const sigma = sigmas[layout.attention];
  const L = layout;
  const dMVSize = foldedElements(L);
  // the batch's gradient with respect to MV, then G += its Q, K, V form
  const batch = (xs: ArrayLike<number>, scale: number): number => {
    buf.fill(0, L.dMV, L.dMV + dMVSize);
    let sum = 0;
    for (let i = 0; i < xs.length; i++) sum += gradientSequence(buf, L, sigma, xs[i], scale);
    finishGradient(buf, L);
    return sum;
  };
  return {
    backend: 'js',
    precision,
    buf,
    threads: 1,
    prepare: () => prepareWeights(buf, layout),
    forward: (x) => forwardSequence(buf, layout, sigma, x),
    gradient: (x, scale) => batch([x], scale),
    gradientBatch: batch,
    dispose() {},
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
