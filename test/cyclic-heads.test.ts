import { describe, expect, it } from 'vitest';
import { example2Equicorrelated, packed } from './helpers/cyclic-examples.js';
import { createHeadModel, type HeadName } from '../src/tasks/cyclic/kernels/model.js';
import { cyclicData } from '../src/dataset/cyclic-orders.js';
import { datasetFromTargets, EXAMPLE_1 } from '../src/tasks/cyclic/examples.js';
import { graphSvm } from '../src/maxmargin/graph-svm.js';

const cos = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) (ab += a[i] * b[i]), (aa += a[i] * a[i]), (bb += b[i] * b[i]);
  return ab / Math.sqrt(aa * bb);
};

describe('stage-2 heads: backends and gradients', () => {
  for (const head of ['selection', 'gen'] as HeadName[]) {
    for (const [name, make] of [['one-hot', () => cyclicData(datasetFromTargets(EXAMPLE_1.vocab, EXAMPLE_1.samples))], ['equi-correlated', example2Equicorrelated]] as const) {
      it(`${head}, ${name}: wasm and js agree to 1e-12; central differences < 1e-6`, async () => {
        const data = make();
        const d = data.d;
        const js = await createHeadModel(head, packed(data), { backend: 'js', E: data.E, d });
        const wa = await createHeadModel(head, packed(data), { backend: 'wasm', E: data.E, d });
        let seed = 7;
        const W = Float64Array.from({ length: d * d }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 3);
        js.setW(W);
        wa.setW(W);
        const gj = js.gradient();
        const gw = wa.gradient();
        expect(Math.abs(gj.loss - gw.loss)).toBeLessThan(1e-12);
        for (let k = 0; k < d * d; k++) expect(Math.abs(gj.W[k] - gw.W[k])).toBeLessThan(1e-12);
        const h = 1e-5;
        for (let k = 0; k < d * d; k++) {
          const Wp = W.slice(); Wp[k] += h;
          const Wm = W.slice(); Wm[k] -= h;
          js.setW(Wp);
          const lp = js.loss();
          js.setW(Wm);
          const lm = js.loss();
          expect(Math.abs((lp - lm) / (2 * h) - gj.W[k])).toBeLessThan(1e-6);
        }
        js.setW(W);
        wa.setW(W);
        const cj = js.steps(50, 0.1, true);
        const cw = wa.steps(50, 0.1, true);
        expect(cj.status).toBe('running');
        const a = js.getW();
        const b = wa.getW();
        for (let k = 0; k < d * d; k++) expect(Math.abs(a[k] - b[k])).toBeLessThan(1e-11);
        expect(Math.abs(cj.loss - cw.loss)).toBeLessThan(1e-12);
      });
    }
  }
});

describe('selection head training (§7.10.1)', () => {
  const data = cyclicData(datasetFromTargets(EXAMPLE_1.vocab, EXAMPLE_1.samples));
  const svm = graphSvm(data);
  const delta = (K: Float64Array) => K[0 * 4 + 3] - K[1 * 4 + 3];

  it('GD, lr 5, from zero: loss → 0.381914, cos(W, W_svm) = 0.999563, δ → ln 2 at t = 1e5', async () => {
    const m = await createHeadModel('selection', packed(data), { backend: 'wasm' });
    const c = m.steps(100_000, 5, false);
    expect(c.status).toBe('running');
    const K = m.scores();
    expect(Math.abs(m.loss() - 0.381914)).toBeLessThan(1e-6);
    expect(Math.abs(cos(K, svm.K) - 0.999563)).toBeLessThan(1e-6);
    expect(Math.abs(delta(K) - 0.693158)).toBeLessThan(1e-6);
    let n2 = 0;
    for (const x of K) n2 += x * x;
    expect(Math.abs(Math.sqrt(n2) - 18.25)).toBeLessThan(0.01);
  });

  it('NGD, η = 0.025: δ zigzags 0.7109 / 0.6755 around ln 2 (no exact orbit: ‖W‖ grows)', async () => {
    const m = await createHeadModel('selection', packed(data), { backend: 'wasm' });
    expect(m.steps(20_000, 0.025, true).status).toBe('running');
    const d1 = delta(m.scores());
    m.steps(1, 0.025, true);
    const d2 = delta(m.scores());
    const [lo, hi] = [Math.min(d1, d2), Math.max(d1, d2)];
    expect(Math.abs(hi - 0.7109)).toBeLessThan(5e-4);
    expect(Math.abs(lo - 0.6755)).toBeLessThan(5e-4);
  });
});
