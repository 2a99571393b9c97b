import { describe, expect, it } from 'vitest';
import type { BackendName, Precision } from '../src/engine/backend.js';
import type { AttentionKind } from '../src/tasks/autoregressive/kernels/kernels.js';
import { generateSequences, periodicSequence } from '../src/tasks/autoregressive/data.js';
import { ckdParams, ckdTransformerPredictions, constantSquaredNorm, constructionAlignment } from '../src/tasks/autoregressive/construction.js';
import { ckdPredictions } from '../src/tasks/autoregressive/references.js';
import { CausalTransformer } from '../src/tasks/autoregressive/transformer.js';

const BACKENDS: BackendName[] = ['js', 'wasm'];
const KINDS: AttentionKind[] = ['linear', 'exp', 'softmax'];

async function small(backend: BackendName, attention: AttentionKind, tied: boolean, precision: Precision = 'f64', seed = 1) {
  const train = generateSequences({ family: 'haar', d: 2, length: 6, sequences: 3, seed: 4 });
  return CausalTransformer.create({ d: 2, T: 6, layers: 2, heads: 2, attention, tied, backend, precision, train, seed, initScale: 0.15 });
}

describe('causal transformer gradients: central finite differences < 1e-6 (every tensor, σ, backend)', () => {
  for (const backend of BACKENDS) {
    for (const attention of KINDS) {
      for (const tied of [true, false]) {
        it(`${backend} ${attention} ${tied ? 'tied' : 'untied'}`, async () => {
          const m = await small(backend, attention, tied);
          const p0 = m.getParams();
          const { grad } = m.gradient('train');
          const sets = tied ? 1 : m.layers;
          const h = 1e-5;
          let worst = 0;
          for (let l = 0; l < sets; l++) {
            for (let hd = 0; hd < m.heads; hd++) {
              for (const w of ['Q', 'K', 'V'] as const) {
                const o = m.paramOffset(l, hd, w);
                // four entries per tensor, spread over the D×D block
                for (const i of [0, 9, 37, 63]) {
                  const p = Float64Array.from(p0);
                  p[o + i] += h;
                  m.setParams(p);
                  const lp = m.loss('train');
                  p[o + i] -= 2 * h;
                  m.setParams(p);
                  const lm = m.loss('train');
                  const fd = (lp - lm) / (2 * h);
                  worst = Math.max(worst, Math.abs(fd - grad[o + i]));
                }
              }
            }
          }
          expect(worst).toBeLessThan(1e-6);
          expect(Math.max(...grad.map(Math.abs))).toBeGreaterThan(1e-4);
        });
      }
    }
  }
});

describe('backends agree', () => {
  for (const attention of KINDS) {
    it(`${attention}: loss, gradient and five Adam steps, f64 to 1e-12, f32 to 1e-4`, async () => {
      for (const precision of ['f64', 'f32'] as const) {
        const a = await small('js', attention, false, precision);
        const b = await small('wasm', attention, false, precision);
        const ga = a.gradient('train');
        const gb = b.gradient('train');
        const tol = precision === 'f64' ? 1e-12 : 1e-4;
        expect(Math.abs(ga.loss - gb.loss)).toBeLessThan(tol);
        for (let i = 0; i < ga.grad.length; i++) expect(Math.abs(ga.grad[i] - gb.grad[i])).toBeLessThan(tol);
        for (let s = 0; s < 5; s++) {
          const ra = a.step([0, 1, 2], { lr: 1e-2 });
          const rb = b.step([0, 1, 2], { lr: 1e-2 });
          expect(Math.abs(ra.loss - rb.loss)).toBeLessThan(tol);
        }
        const pa = a.getParams();
        const pb = b.getParams();
        for (let i = 0; i < pa.length; i++) expect(Math.abs(pa[i] - pb[i])).toBeLessThan(precision === 'f64' ? 1e-12 : 1e-3);
      }
    });
  }

  it('at a size with every row and column tail of the blocked kernels (d = 3, T = 13, 3 heads, 3 layers): gradients f64 to 1e-12, f32 to 1e-4', async () => {
    const train = generateSequences({ family: 'haar', d: 3, length: 13, sequences: 4, seed: 9 });
    for (const attention of KINDS) {
      for (const precision of ['f64', 'f32'] as const) {
        const make = (backend: BackendName) => CausalTransformer.create({ d: 3, T: 13, layers: 3, heads: 3, attention, tied: false, backend, precision, train, seed: 2, initScale: attention === 'exp' ? 0.03 : 0.1 });
        const ga = (await make('js')).gradient('train');
        const gb = (await make('wasm')).gradient('train');
        const tol = precision === 'f64' ? 1e-12 : 1e-4;
        const scale = Math.max(...ga.grad.map(Math.abs));
        expect(Number.isFinite(ga.loss) && Number.isFinite(scale)).toBe(true);
        expect(scale).toBeGreaterThan(1e-4);
        expect(Math.abs(ga.loss - gb.loss)).toBeLessThan(tol);
        let worst = 0;
        for (let i = 0; i < ga.grad.length; i++) worst = Math.max(worst, Math.abs(ga.grad[i] - gb.grad[i]));
        expect(worst / scale).toBeLessThan(tol);
      }
    }
  });

  it('the attention blocks are never read past their band: NaN written over every score and score gradient leaves the gradient bit for bit (wasm, every σ and precision; T = 13 and 14 end the blocks in a 1-row and a 2-row tail)', async () => {
    for (const [T, attention] of [13, 14].flatMap((t) => KINDS.map((k) => [t, k] as const))) {
      const train = generateSequences({ family: 'haar', d: 3, length: T, sequences: 4, seed: 9 });
      for (const precision of ['f64', 'f32'] as const) {
        const make = () => CausalTransformer.create({ d: 3, T, layers: 2, heads: 2, attention, tied: false, backend: 'wasm', precision, train, seed: 2, initScale: attention === 'exp' ? 0.03 : 0.1 });
        const clean = (await make()).gradient('train');
        const model = await make();
        const L = (model as unknown as { L: { A: number; dA: number; T: number; layers: number; heads: number } }).L;
        model.kernels.buf.fill(NaN, L.A, L.A + L.layers * L.heads * L.T * L.T);
        model.kernels.buf.fill(NaN, L.dA, L.dA + L.T * L.T);
        const poisoned = model.gradient('train');
        expect(poisoned.loss).toBe(clean.loss);
        expect(Array.from(poisoned.grad)).toEqual(Array.from(clean.grad));
      }
    }
  });

  it('GD step is w − lr·∇ and Adam\'s first step moves every weight by lr·sign(g)', async () => {
    for (const backend of BACKENDS) {
      const m = await small(backend, 'softmax', true);
      const p0 = m.getParams();
      const { grad } = m.gradient('train');
      m.step([0, 1, 2], { optimizer: 'gd', lr: 0.5 });
      const p1 = m.getParams();
      for (let i = 0; i < p0.length; i++) expect(Math.abs(p1[i] - (p0[i] - 0.5 * grad[i]))).toBeLessThan(1e-15);
      m.setParams(p0);
      m.step([0, 1, 2], { optimizer: 'adam', lr: 1e-2, eps: 0 });
      const p2 = m.getParams();
      for (let i = 0; i < p0.length; i++) if (grad[i] !== 0) expect(Math.abs(p2[i] - (p0[i] - 1e-2 * Math.sign(grad[i])))).toBeLessThan(1e-15);
    }
  });
});

describe('transformer realisation of causal kernel descent equals the recursion to 1e-12', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: linear and exp kernels, Haar d = 3 and periodic d = 2, depths 1 … 6, η ∈ {1, 0.5}`, async () => {
      const haar = generateSequences({ family: 'haar', d: 3, length: 10, sequences: 1, seed: 7 }).x;
      const per = periodicSequence(Float64Array.of(1, 0, 0, 1, -1, 0), 2, 11);
      let worst = 0;
      for (const [x, d] of [[haar, 3], [per, 2]] as const) {
        for (const kernel of ['linear', 'exp'] as const) {
          for (const depth of [1, 3, 6]) {
            for (const eta of [1, 0.5]) {
              const want = ckdPredictions(x, d, 10, { kernel, depth, eta });
              const got = await ckdTransformerPredictions(x, d, 10, { kernel, depth, eta, backend });
              for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
            }
          }
        }
      }
      expect(worst).toBeLessThan(1e-12);
    });
  }

  it('alignment: the construction itself has cosines 1 (both heads, QᵀK and V), swapped heads are matched back', async () => {
    const m = await CausalTransformer.create({ d: 2, T: 4, layers: 2, heads: 2, tied: true, attention: 'exp', backend: 'js' });
    const p = ckdParams(m, 'exp', 0.5, Math.E);
    m.setParams(p);
    const a = constructionAlignment(m);
    for (const c of [...a.qk[0], ...a.v[0]]) expect(Math.abs(c - 1)).toBeLessThan(1e-15);
    const D2 = 3 * m.D * m.D;
    const swapped = new Float64Array(p.length);
    swapped.set(p.subarray(D2), 0);
    swapped.set(p.subarray(0, D2), D2);
    m.setParams(swapped);
    const b = constructionAlignment(m);
    for (const c of [...b.qk[0], ...b.v[0]]) expect(Math.abs(c - 1)).toBeLessThan(1e-15);
    // head_pred's QᵀK block (q-slot × k-slot) is orthogonal to head_corr's (k-slot × k-slot)
    const one = new Float64Array(p.length);
    one.set(p.subarray(0, D2), 0);
    one.set(p.subarray(0, D2), D2);
    m.setParams(one);
    expect(constructionAlignment(m).qk[0].slice().sort()).toEqual([0, 1]);
  });

  it('refuses tokens of non-constant norm', async () => {
    const x = Float64Array.of(1, 0, 0, 2, -1, 0);
    expect(() => constantSquaredNorm(x, 2, 3)).toThrow(/token 2: ‖x‖² = 4.00000 differs/);
    await expect(ckdTransformerPredictions(x, 2, 3, { depth: 1 })).rejects.toThrow(/one norm/);
  });
});

describe('edge cases of the model', () => {
  it('softmax row 1 has no valid key: u_1 = 0 exactly, every output finite', async () => {
    for (const backend of BACKENDS) {
      const m = await small(backend, 'softmax', false);
      const x = generateSequences({ family: 'haar', d: 2, length: 6, sequences: 1, seed: 2 }).x;
      const u = m.predict(x);
      expect([u[0], u[1]]).toEqual([0, 0]);
      for (const v of u) expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('refuses non-finite tokens, naming the sequence and token', async () => {
    const train = generateSequences({ family: 'haar', d: 2, length: 6, sequences: 3, seed: 4 });
    train.x[7 * 2 + 3 * 2 + 1] = NaN;
    await expect(CausalTransformer.create({ d: 2, T: 6, train, backend: 'js' })).rejects.toThrow(/train sequence 2, token 4 is not finite/);
  });

  it('exp attention overflow is reported as diverged and no update is made', async () => {
    for (const backend of BACKENDS) {
      const m = await small(backend, 'exp', true, 'f64');
      const big = m.getParams().map(() => 40);
      m.setParams(big);
      const r = m.step([0, 1, 2]);
      expect(r.status).toBe('diverged');
      expect(Array.from(m.getParams())).toEqual(Array.from(big));
    }
  });
});
