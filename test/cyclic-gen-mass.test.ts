// The gen head sums Σ_{v≠o} e^{z_v − z_o} over the context's distinct tokens and counts every
// token outside the context (z_v = 0) once as (|V| − 1 − count)·e^{−z_o} (assembly/cyclic/gen.ts):
// checked against the definition over all |V| tokens, with contexts that repeat tokens and
// targets inside and outside their context, in both backends and precisions; and the gradient
// against central differences.
import { describe, expect, it } from 'vitest';
import { createHeadModel, packHeadData } from '../src/tasks/cyclic/kernels/model.js';

const V = 9;
const contexts = [[1, 2, 1, 3], [4, 4, 4], [0, 5, 6, 5, 2], [7, 8], [3, 1, 3, 3, 1, 8]];
const targets = [1, 2, 5, 0, 3];
const weights = [0.1, 0.3, 0.2, 0.15, 0.25];

/** Σ_n π_n (log Σ_v e^{z_v} − z_o) with z_v the attention mass on v, one-hot: K[t, q] = W[t·V + q]. */
function definition(W: ArrayLike<number>): number {
  let loss = 0;
  contexts.forEach((c, n) => {
    const q = c[c.length - 1];
    const s = c.map((t) => W[t * V + q]);
    const m = Math.max(...s);
    const e = s.map((x) => Math.exp(x - m));
    const sum = e.reduce((a, b) => a + b, 0);
    const z = new Array(V).fill(0);
    c.forEach((t, l) => (z[t] += e[l] / sum));
    const lse = Math.log(z.reduce((a, x) => a + Math.exp(x), 0));
    loss += weights[n] * (lse - z[targets[n]]);
  });
  return loss;
}

describe('gen head: the tokens outside the context as one term', () => {
  it('loss equals the definition over all |V| tokens (f64 1e-14, f32 1e-6); gradient equals central differences (1e-8)', async () => {
    const data = packHeadData(V, contexts, targets, weights);
    let seed = 5;
    const W = Array.from({ length: V * V }, () => Math.fround(((seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5) * 6));
    const want = definition(W);
    for (const backend of ['wasm', 'js'] as const) {
      for (const precision of ['f64', 'f32'] as const) {
        const m = await createHeadModel('gen', data, { backend, precision });
        m.setW(W);
        expect(Math.abs(m.loss() - want) / want).toBeLessThan(precision === 'f64' ? 1e-14 : 1e-6);
        if (precision === 'f32') continue;
        const g = m.gradient().W;
        const h = 1e-5;
        for (let k = 0; k < V * V; k++) {
          const up = W.slice(); up[k] += h;
          const down = W.slice(); down[k] -= h;
          expect(Math.abs((definition(up) - definition(down)) / (2 * h) - g[k])).toBeLessThan(1e-8);
        }
      }
    }
  });
});
