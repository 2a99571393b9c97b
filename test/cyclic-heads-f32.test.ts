// The selection and gen heads in f32 (assembly/cyclic/selection.ts, assembly/cyclic/gen.ts instantiated at f32,
// and their TypeScript twins on Float32Array buffers) against f64.
//
// Tolerance: at a W exactly representable in f32, every f32 quantity is a chain of rounded
// operations, each off by at most u = 2^-24 ≈ 6e-8 relative: the scores (one product sum over
// ≤ d² terms for general E), the softmax (max, L exponentials, a sum of L terms, a scale), the
// masses and the loss (≤ V terms) and the backward pass (≤ 2L + V terms). With d ≤ 6, L ≤ 4,
// V ≤ 5 that is < 60 roundings, so relative errors stay below 60u ≈ 4e-6; we allow 1e-5 of the
// loss and of max|∇W| (gradient entries near 0 are compared on the scale of the largest); the
// errors measured are ≤ 1.6e-7 (≈ 3u). After 100 NGD steps from 0 the iterates differ by ≤ 1.7e-7
// of max|W| (measured), well inside the same 1e-5.
// Two f32 backends sum some temporaries differently (f32 in WebAssembly, f64 in JavaScript
// before the store), which the same bound covers.
import { describe, expect, it } from 'vitest';
import { example2Equicorrelated, packed } from './helpers/cyclic-examples.js';
import { createHeadModel, type HeadName } from '../src/tasks/cyclic/kernels/model.js';
import { cyclicData } from '../src/dataset/cyclic-orders.js';
import { datasetFromTargets, EXAMPLE_1 } from '../src/tasks/cyclic/examples.js';
import { train as trainCyclic } from '../src/tasks/cyclic/index.js';

const TOL = 1e-5;


const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

describe('stage-2 heads in f32', () => {
  for (const head of ['selection', 'gen'] as HeadName[]) {
    for (const [name, make] of [['one-hot', () => cyclicData(datasetFromTargets(EXAMPLE_1.vocab, EXAMPLE_1.samples))], ['equi-correlated', example2Equicorrelated]] as const) {
      it(`${head}, ${name}: f32 (wasm and js) agrees with f64 to ${TOL} relative in loss and gradient`, async () => {
        const data = make();
        const d = data.d;
        const opts = { E: data.E, d };
        const ref = await createHeadModel(head, packed(data), { ...opts, backend: 'wasm', precision: 'f64' });
        const models = [
          await createHeadModel(head, packed(data), { ...opts, backend: 'wasm', precision: 'f32' }),
          await createHeadModel(head, packed(data), { ...opts, backend: 'js', precision: 'f32' }),
        ];
        let seed = 11;
        for (let trial = 0; trial < 3; trial++) {
          // entries exact in f32, so both precisions start from the same W
          const W = Float64Array.from({ length: d * d }, () => Math.fround(((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 3));
          ref.setW(W);
          const g64 = ref.gradient();
          const scale = maxAbs(g64.W);
          expect(scale).toBeGreaterThan(1e-3); // a gradient worth comparing
          for (const m of models) {
            m.setW(W);
            expect(m.getW()).toEqual(W);
            const g32 = m.gradient();
            expect(Math.abs(g32.loss - g64.loss) / g64.loss, `${m.backend} loss`).toBeLessThan(TOL);
            for (let k = 0; k < d * d; k++) expect(Math.abs(g32.W[k] - g64.W[k]) / scale, `${m.backend} ∇W[${k}]`).toBeLessThan(TOL);
            // and f32 is really f32: the loss is not the f64 one to the last bit
            expect(g32.loss).not.toBe(g64.loss);
          }
        }
        // 100 NGD steps: each moves W by η = 0.05 with a direction off by ≤ TOL, so W drifts by ≪ 100·η·TOL
        const zero = new Float64Array(d * d);
        ref.setW(zero);
        ref.steps(100, 0.05, true);
        for (const m of models) {
          m.setW(zero);
          const c = m.steps(100, 0.05, true);
          expect(c.status).toBe('running');
          const a = m.getW();
          const b = ref.getW();
          expect(maxAbs(a.map((x, k) => x - b[k])) / maxAbs(b)).toBeLessThan(TOL);
          expect(Math.abs(m.loss() - ref.loss()) / ref.loss()).toBeLessThan(TOL);
        }
      });
    }
  }

  it('cyclic.train in f32: the gen head follows the f64 run toward W_svm (§7.10.1, GD from 0)', async () => {
    const ds = datasetFromTargets(EXAMPLE_1.vocab, EXAMPLE_1.samples);
    const run = (precision: 'f64' | 'f32') => trainCyclic(ds, { head: 'gen', optimizer: 'gd', eta: 1, steps: 400, every: 200, precision });
    const [a, b] = [await run('f64'), await run('f32')];
    expect(b.status).toBe('completed');
    const [x, y] = [a.records.at(-1)!, b.records.at(-1)!];
    expect(x.cosSvm!).toBeGreaterThan(0.79); // 0.795 at step 400, still rising
    expect(Math.abs(y.cosSvm! - x.cosSvm!)).toBeLessThan(TOL);
    expect(Math.abs(y.loss - x.loss) / x.loss).toBeLessThan(TOL);
    expect(y.loss).not.toBe(x.loss);
    await expect(trainCyclic(ds, { precision: 'f16' as never })).rejects.toThrow('option precision must be one of f64, f32 (got "f16")');
  });

  it('refuses an unknown precision, naming the option', async () => {
    const data = cyclicData(datasetFromTargets(EXAMPLE_1.vocab, EXAMPLE_1.samples));
    await expect(createHeadModel('gen', packed(data), { precision: 'f16' as never })).rejects.toThrow('option precision must be "f64" or "f32", got "f16"');
  });
});
