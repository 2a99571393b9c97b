import { describe, expect, it } from 'vitest';
import { createEngineModel } from '../src/engine/create.js';
import type { WasmModel } from '../src/engine/wasm.js';
import { randomArray, randomPacked, relErr } from './helpers/random-data.js';

// The cheaper stage-2 kernels (rational exp, repeated tokens read once) against the kernels they
// replaced, kept for the benchmark's baseline: same loss and W_kq gradient up to rounding.
describe('stage-2 kernels against the baseline they replaced', () => {
  for (const V of [7, 32]) {
    it(`same dK and loss at |V| = ${V}, contexts with repeated tokens`, async () => {
      // contexts of up to 12 tokens over a small vocabulary repeat tokens often
      const data = randomPacked(V, 60, 12, V);
      const m = (await createEngineModel(data, { precision: 'f64' })) as WasmModel;
      const Wov = randomArray(V * V, 3, 1);
      m.setWov(Wov);
      m.setWkq(randomArray(V * V, 2, 2));
      const ex = m.exports;
      const dK = () => Float64Array.from(new Float64Array(ex.memory.buffer, ex.ptrGradWkqT(), V * V));
      const loss = ex.evaluate(1, 1, 0);
      const fresh = dK();
      const base = ex.kernelStage2GradientBaseline();
      const old = dK();
      expect(relErr(fresh, old)).toBeLessThan(1e-14);
      expect(old.reduce((a, b) => Math.max(a, Math.abs(b)), 0)).toBeGreaterThan(1e-3);
      // the baseline leaves out the samples whose context is one token repeated (their dK is
      // zero): their logits are the column of W_ov of that token, their loss log Σ e^z − z_y
      let fixedLoss = 0;
      for (let n = 0; n < data.N; n++) {
        if (!data.fixed[n]) continue;
        const x = data.tokens[data.offsets[n]];
        const zs = Array.from({ length: V }, (_, v) => Wov[v * V + x]);
        const mx = zs.reduce((a, b) => Math.max(a, b), -Infinity);
        const lse = mx + Math.log(zs.reduce((a, b) => a + Math.exp(b - mx), 0));
        fixedLoss += data.weights[n] * (lse - zs[data.labels[n]]);
      }
      expect(base).toBeGreaterThan(0.1);
      expect(Math.abs(base + fixedLoss - loss)).toBeLessThan(1e-13 * loss);
      m.dispose();
    });
  }
});
