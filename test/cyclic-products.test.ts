// The heads' embedding products as WebAssembly matrix products (assembly/cyclic/products.ts):
// K = EᵀWE and ∇W = E ∇K Eᵀ against the TypeScript twin's loops and against the definition, at
// sizes that are not multiples of the kernels' blocks (d = 7, |V| = 30 and 33). f64: the two
// backends sum in different orders, so they agree to rounding (1e-12 of the largest entry);
// f32: each entry is a sum of ≤ d·|V| rounded products, within ~d·|V|·2^-24 ≈ 1.4e-5 relative
// of the largest in the worst case; we allow 1e-4 (the errors measured are below 1e-6).
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/dataset/analyze.js';
import { cyclicData } from '../src/dataset/cyclic-orders.js';
import { generateLiCyclic, normalizedGaussian } from '../src/tasks/cyclic/generators.js';
import { createHeadModel, type HeadName } from '../src/tasks/cyclic/kernels/model.js';
import { packed } from './helpers/cyclic-examples.js';

function embedded(V: number, d: number, seed: number) {
  const ds = generateLiCyclic({ vocab: V, samples: 120, length: 5, seed });
  const E = new Float64Array(d * V);
  normalizedGaussian(V, d, seed).forEach((r, v) => r.forEach((x, i) => (E[i * V + v] = x)));
  return cyclicData(ds, analyze(ds), E, d);
}

const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const worst = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0) / maxAbs(b);

describe('cyclic heads: embedding products in WebAssembly', () => {
  for (const [V, d] of [[30, 7], [33, 7]]) {
    for (const head of ['selection', 'gen'] as HeadName[]) {
      it(`${head}, |V| ${V}, d ${d}: scores match EᵀWE, gradients and 20 NGD steps match the TypeScript twin (f64 1e-12, f32 1e-4)`, async () => {
        const data = embedded(V, d, V + d);
        const E = data.E!;
        let seed = 3;
        // entries exact in f32, so both precisions start from the same W
        const W = Array.from({ length: d * d }, () => Math.fround(((seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5) * 3));
        const K = new Float64Array(V * V);
        for (let t = 0; t < V; t++) for (let q = 0; q < V; q++) {
          let s = 0;
          for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s += E[i * V + t] * W[i * d + j] * E[j * V + q];
          K[t * V + q] = s;
        }
        const run = async (backend: 'wasm' | 'js', precision: 'f64' | 'f32') => {
          const m = await createHeadModel(head, packed(data), { E, d, backend, precision });
          m.setW(W);
          const scores = m.scores();
          const g = m.gradient();
          m.steps(20, 0.05);
          return { scores, g, W: m.getW() };
        };
        const js = await run('js', 'f64');
        const wasm = await run('wasm', 'f64');
        const f32 = await run('wasm', 'f32');
        expect(worst(js.scores, K)).toBeLessThan(1e-13);
        expect(worst(wasm.scores, K)).toBeLessThan(1e-13);
        expect(maxAbs(wasm.g.W)).toBeGreaterThan(1e-4);
        expect(worst(wasm.g.W, js.g.W)).toBeLessThan(1e-12);
        expect(Math.abs(wasm.g.loss - js.g.loss) / js.g.loss).toBeLessThan(1e-12);
        expect(worst(wasm.W, js.W)).toBeLessThan(1e-12);
        expect(worst(f32.scores, K)).toBeLessThan(1e-4);
        expect(worst(f32.g.W, js.g.W)).toBeLessThan(1e-4);
      });
    }
  }
});
