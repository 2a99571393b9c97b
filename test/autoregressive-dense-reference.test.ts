// The causal transformer's loss and gradient against a dense reference written from the model's
// definition (docs/theory/autoregressive.md#model-and-loss): q, k, v of every head and position,
// every product over every position, no causal bands, no skipped columns. The kernels compute the
// scores through M = QᵀK, run layer 0 on z_t = (x_t, x_{t−1}) with folded weights, and in the top
// layer only the columns of dOut the loss reads (docs/theory/autoregressive.md#compute). Float64;
// both backends, every σ, tied and untied, 1 to 3 heads, d = 2, 3 and 5 (the benchmark's size),
// at the initial weights and after Adam steps (M and the folded weights formed again).
import { describe, expect, it } from 'vitest';
import type { BackendName } from '../src/engine/backend.js';
import type { AttentionKind } from '../src/tasks/autoregressive/kernels/kernels.js';
import { generateSequences, type Sequences } from '../src/tasks/autoregressive/data.js';
import { CausalTransformer } from '../src/tasks/autoregressive/transformer.js';

/** Loss and gradient (layout of getParams) by the definition, one sequence at a time. */
function denseReference(p: Float64Array, data: Sequences, T: number, layers: number, H: number, kind: AttentionKind, tied: boolean): { loss: number; grad: Float64Array } {
  const d = data.d;
  const D = 4 * d;
  const grad = new Float64Array(p.length);
  const w = (l: number, h: number, which: number) => ((tied ? 0 : l) * H + h) * 3 * D * D + which * D * D; // Q 0, K 1, V 2
  const mv = (o: number, x: Float64Array) => Float64Array.from({ length: D }, (_, i) => x.reduce((s, xc, c) => s + p[o + i * D + c] * xc, 0));
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
  let loss = 0;
  const scale = 1 / (data.S * T * d);
  for (let s = 0; s < data.S; s++) {
    const x = (t: number, c: number) => data.x[(s * data.L + t) * d + c];
    const E: Float64Array[][] = [Array.from({ length: T }, (_, t) => Float64Array.from({ length: D }, (_, i) => {
      const c = i % d;
      const slot = Math.floor(i / d);
      return slot === 0 ? 0 : slot === 1 ? (t > 0 ? x(t, c) : 0) : slot === 2 ? x(t, c) : t > 0 ? x(t - 1, c) : 0;
    }))];
    const cache: Array<Array<{ q: Float64Array[]; k: Float64Array[]; v: Float64Array[]; A: number[][] }>> = [];
    for (let l = 0; l < layers; l++) {
      const e = E[l];
      const next = e.map((r) => Float64Array.from(r));
      cache.push([]);
      for (let h = 0; h < H; h++) {
        const q = e.map((r) => mv(w(l, h, 0), r));
        const k = e.map((r) => mv(w(l, h, 1), r));
        const v = e.map((r) => mv(w(l, h, 2), r));
        const A = q.map((qt, t) => {
          const S = k.map((kj, j) => (j >= 1 && j <= t ? dot(qt, kj) : 0));
          if (kind === 'exp') return S.map((v, j) => (j >= 1 && j <= t ? Math.exp(v) : 0));
          if (kind === 'softmax') {
            if (t === 0) return S.map(() => 0);
            const m = Math.max(...S.slice(1, t + 1));
            const ex = S.map((v, j) => (j >= 1 && j <= t ? Math.exp(v - m) : 0));
            const z = ex.reduce((a, b) => a + b, 0);
            return ex.map((v) => v / z);
          }
          return S;
        });
        for (let t = 0; t < T; t++) for (let j = 0; j < T; j++) for (let i = 0; i < D; i++) next[t][i] += A[t][j] * v[j][i];
        cache[l].push({ q, k, v, A });
      }
      E.push(next);
    }
    let dE = E[layers].map((r, t) => Float64Array.from({ length: D }, (_, i) => (i < d ? 2 * scale * (r[i] - x(t + 1, i)) : 0)));
    for (let t = 0; t < T; t++) for (let c = 0; c < d; c++) loss += (E[layers][t][c] - x(t + 1, c)) ** 2;
    for (let l = layers - 1; l >= 0; l--) {
      const e = E[l];
      const dPrev = dE.map((r) => Float64Array.from(r));
      for (let h = 0; h < H; h++) {
        const { q, k, v, A } = cache[l][h];
        const dq = q.map(() => new Float64Array(D));
        const dk = q.map(() => new Float64Array(D));
        const dv = q.map(() => new Float64Array(D));
        for (let t = 0; t < T; t++) {
          const dA = v.map((vj) => dot(dE[t], vj));
          for (let j = 0; j < T; j++) for (let i = 0; i < D; i++) dv[j][i] += A[t][j] * dE[t][i];
          let dS = dA.map((g, j) => (j >= 1 && j <= t ? g : 0));
          if (kind === 'exp') dS = dS.map((g, j) => g * A[t][j]);
          if (kind === 'softmax') {
            const r = dS.reduce((a, g, j) => a + g * A[t][j], 0);
            dS = dS.map((g, j) => (j >= 1 && j <= t ? A[t][j] * (g - r) : 0));
          }
          for (let j = 0; j < T; j++) for (let i = 0; i < D; i++) {
            dq[t][i] += dS[j] * k[j][i];
            dk[j][i] += dS[j] * q[t][i];
          }
        }
        for (const [which, g] of [[0, dq], [1, dk], [2, dv]] as const) {
          const o = w(l, h, which);
          for (let t = 0; t < T; t++) for (let i = 0; i < D; i++) for (let c = 0; c < D; c++) {
            grad[o + i * D + c] += g[t][i] * e[t][c];
            dPrev[t][c] += p[o + i * D + c] * g[t][i];
          }
        }
      }
      dE = dPrev;
    }
  }
  return { loss: loss * scale, grad };
}

/** The model's loss and gradient on its whole training set against the dense definition at its current weights. */
function expectDense(model: CausalTransformer, train: Sequences, kind: AttentionKind): void {
  const got = model.gradient('train');
  const want = denseReference(model.getParams(), train, model.T, model.layers, model.heads, kind, model.tied);
  expect(Math.abs(got.loss - want.loss)).toBeLessThanOrEqual(1e-12 * want.loss);
  const scale = Math.max(...want.grad.map(Math.abs));
  expect(scale).toBeGreaterThan(1e-3);
  let worst = 0;
  for (let i = 0; i < want.grad.length; i++) worst = Math.max(worst, Math.abs(got.grad[i] - want.grad[i]));
  expect(worst / scale).toBeLessThan(1e-12);
}

describe('causal transformer against the dense definition (f64, relative 1e-12)', () => {
  // d, T, layers, tied, heads
  const cases: Array<[number, number, number, boolean, number]> = [[5, 9, 2, true, 2], [5, 7, 3, false, 2], [3, 8, 1, true, 2], [3, 6, 2, false, 2], [2, 7, 2, false, 3], [3, 5, 2, true, 1]];
  for (const backend of ['wasm', 'js'] as BackendName[]) {
    for (const attention of ['linear', 'exp', 'softmax'] as AttentionKind[]) {
      it(`${backend} ${attention}: d, T, layers, tied, heads ∈ ${cases.map((c) => `(${c.join(', ')})`).join(' ')}; then after three Adam steps`, async () => {
        for (const [d, T, layers, tied, heads] of cases) {
          const train = generateSequences({ family: 'haar', d, length: T, sequences: 3, seed: 7 });
          const model = await CausalTransformer.create({ d, T, layers, heads, attention, tied, backend, train, seed: 3, initScale: attention === 'exp' ? 0.05 : 0.2 });
          expectDense(model, train, attention);
          // the steps change Q, K, V: the kernels' M = QᵀK and layer 0's folded weights must follow
          for (let s = 0; s < 3; s++) expect(model.step([0, 1, 2], { lr: 0.01 }).status).toBe('running');
          expectDense(model, train, attention);
        }
      });
    }
  }
});
