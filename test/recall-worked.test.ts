// docs/theory/recall.md#worked-examples: the worked examples, exact, on both backends (f64).
import { describe, expect, it } from 'vitest';
import { batchOf } from '../src/tasks/recall/data.js';
import { createRecallModel } from '../src/tasks/recall/model.js';
import type { RecallAttention, RecallModelKind } from '../src/tasks/recall/config.js';

const tiny = { vocab: 6, triggers: 2, outputs: 2, context: 6, alpha: 0 };
const noiseless = batchOf([[2, 0, 3, 4, 2, 0], [4, 1, 2, 3, 3, 1], [3, 4, 0, 2, 4, 0]], [3, 2, 2]);
const noisyTask = { vocab: 6, triggers: 2, outputs: 2, context: 8, alpha: 0.5 };
const noisy = batchOf([[0, 3, 4, 0, 5, 2, 4, 0], [4, 0, 5, 2, 0, 2, 3, 0], [2, 3, 0, 2, 4, 0, 5, 0]], [3, 5, 2], [3, 2, 2]);

const table: Array<[string, RecallModelKind, RecallAttention, 0 | 1, number[], number]> = [
  ['Origin-Linear-FA', 'origin', 'linear', 1, [1.720375916, 1.616383863, 1.4493816805, 1.2313299707], 1e-10],
  ['Origin-ReLU-FA', 'origin', 'relu', 1, [1.7203759121, 1.5877315124, 1.3972467264, 1.1633121717], 1e-10],
  ['Origin-Softmax-F', 'origin', 'softmax', 0, [1.6818475062, 1.5742721125, 1.4691912391, 1.3667313271], 1e-10],
  ['Origin-Softmax-FA', 'origin', 'softmax', 1, [1.6523261028, 1.5151909928, 1.3807961042, 1.2495699152], 1e-10],
  ['Origin-Linear-F', 'origin', 'linear', 0, [1.72037591603, 1.650276217857, 1.581512577743, 1.514136641902], 1e-12],
  ['Reparam-Linear', 'reparam', 'linear', 1, [1.7300709985, 1.6692623496, 1.6093800080, 1.5504704331], 1e-10],
  ['Reparam-ReLU', 'reparam', 'relu', 1, [1.7300709985, 1.6692623496, 1.6093800080, 1.5504704331], 1e-9],
  ['Reparam-Softmax', 'reparam', 'softmax', 1, [1.7901252047, 1.7787039911, 1.7667294639, 1.7542018558], 1e-10],
];

describe.each(['wasm', 'js'] as const)('docs/theory/recall.md#worked-examples noiseless batch (%s, f64)', (backend) => {
  it.each(table)('%s: losses after t = 1 … 4 NGD steps (η = 0.1)', async (_name, model, attention, kappa, expected, tol) => {
    const m = await createRecallModel({ task: tiny, model, attention, kappa, backend, maxBatch: 3 });
    const t0 = m.loss(noiseless);
    expect(t0).toBeCloseTo(model === 'reparam' && attention === 'softmax' ? 1.8009973806 : Math.log(6), 10);
    const losses: number[] = [];
    for (let t = 0; t < 4; t++) {
      m.step(noiseless, 0.1);
      losses.push(m.loss(noiseless));
    }
    for (let t = 0; t < 4; t++) expect(Math.abs(losses[t] - expected[t]), `t = ${t + 1}`).toBeLessThan(tol);
    if (model === 'origin' && attention === 'linear' && kappa === 0) {
      // W = 0 ⇒ a = 0 ⇒ ∇V = 0 and ∇W = 0: attention never trains
      expect(m.W.every((x) => x === 0)).toBe(true);
      expect(m.V.every((x) => x === 0)).toBe(true);
    }
  });

  it('Origin-Linear-FA gradient norms at t = 0, 1, 2', async () => {
    const m = await createRecallModel({ task: tiny, model: 'origin', attention: 'linear', kappa: 1, backend, maxBatch: 3 });
    const want = [[0, 0, 0.7200822998], [0.1736339375, 0, 0.7075057322], [0.3372046040, 0.1750900771, 0.8574466860]];
    for (const w of want) {
      const r = m.step(noiseless, 0.1);
      expect(r.normW).toBeCloseTo(w[0], 10);
      expect(r.normV).toBeCloseTo(w[1], 10);
      expect(r.normF).toBeCloseTo(w[2], 10);
    }
  });

  it('Origin-Softmax from zero init: V moves at step 1 (uniform attention), W does not', async () => {
    for (const kappa of [0, 1] as const) {
      const m = await createRecallModel({ task: tiny, model: 'origin', attention: 'softmax', kappa, backend, maxBatch: 3 });
      const r = m.step(noiseless, 0.1);
      expect(r.normV).toBeGreaterThan(0.01);
      expect(r.normW).toBe(0);
      expect(Math.hypot(...m.V)).toBeCloseTo(0.1, 12);
    }
  });

  it('Origin-ReLU-FA: ‖∇V‖ = 2.38e−8 at t = 0, and NGD takes a full step of 0.1 on V', async () => {
    const m = await createRecallModel({ task: tiny, model: 'origin', attention: 'relu', kappa: 1, backend, maxBatch: 3 });
    const r = m.step(noiseless, 0.1);
    expect(r.normV / 2.38e-8).toBeCloseTo(1, 2);
    const V = m.V;
    expect(Math.hypot(...V)).toBeCloseTo(0.1, 12);
  });

  it('Reparam-Linear λ trajectory to 1e-10 (closed form ℓ = ln(1 + 5e^{−λ_q}), q = 0 twice, q = 1 once)', async () => {
    const m = await createRecallModel({ task: tiny, model: 'reparam', attention: 'linear', backend, maxBatch: 3 });
    const want = [[0.0894427191, 0.0447213595], [0.178743698499, 0.089725082489], [0.267886481942, 0.135041350650], [0.356853346142, 0.180702023820]];
    for (const w of want) {
      m.step(noiseless, 0.1);
      expect(Math.abs(m.lambda[0] - w[0])).toBeLessThan(1e-10);
      expect(Math.abs(m.lambda[1] - w[1])).toBeLessThan(1e-10);
    }
  });

  it('Origin κ = 1 at a fixed non-zero point: loss, gradient norms, ∇W[0,2], loss after one step', async () => {
    const N = 6;
    const n2 = 12;
    const W = Float64Array.from({ length: n2 * n2 }, (_, k) => 0.1 * (((7 * Math.floor(k / n2) + 3 * (k % n2)) % 11) - 5));
    const V = Float64Array.from({ length: N * n2 }, (_, k) => 0.1 * (((5 * Math.floor(k / n2) + (k % n2)) % 7) - 3));
    const F = Float64Array.from({ length: N * n2 }, (_, k) => 0.1 * (((Math.floor(k / n2) + 2 * (k % n2)) % 5) - 2));
    const rows: Array<[RecallAttention, number[]]> = [
      ['linear', [2.179114776903, 1.497451944376, 1.971219976553, 1.429747395385, -0.035580128533, 1.74725447284]],
      ['relu', [1.65802352404, 0.557448190218, 0.827767154697, 0.959085481281, -0.047656136405, 1.44925613747]],
      ['softmax', [1.591857259708, 0.172845854278, 0.37675927084, 0.852676336249, -0.03224860597, 1.455706000584]],
    ];
    for (const [attention, w] of rows) {
      const m = await createRecallModel({ task: tiny, model: 'origin', attention, kappa: 1, backend, maxBatch: 3 });
      m.setTensor('W', W);
      m.setTensor('V', V);
      m.setTensor('F', F);
      const g = m.gradients(noiseless);
      const norm = (x: Float64Array) => Math.hypot(...x);
      const got = [g.loss, norm(g.W!), norm(g.V!), norm(g.F!), g.W![0 * n2 + 2]];
      for (let i = 0; i < 5; i++) expect(Math.abs(got[i] - w[i]), `${attention} ${i}`).toBeLessThan(1e-11);
      m.step(noiseless, 0.1);
      expect(Math.abs(m.loss(noiseless) - w[5]), attention).toBeLessThan(1e-11);
    }
  });

  it('noisy batch (γ = 0, κ = 1): Reparam-Linear Λ_t = 0.1t exactly and ln(2e^Λ + 4) − Λ; ReLU ≈ −3e−9; Softmax table', async () => {
    const lin = await createRecallModel({ task: noisyTask, model: 'reparam', attention: 'linear', kappa: 1, gamma: 0, backend, maxBatch: 3 });
    const relu = await createRecallModel({ task: noisyTask, model: 'reparam', attention: 'relu', kappa: 1, gamma: 0, backend, maxBatch: 3 });
    const soft = await createRecallModel({ task: noisyTask, model: 'reparam', attention: 'softmax', kappa: 1, gamma: 0, backend, maxBatch: 3 });
    const linLoss = [1.791759469228, 1.72621594051, 1.662964084433, 1.602065378516, 1.543571616144];
    const softLoss = [1.7595963185, 1.7516085119, 1.7430553975, 1.7339225396, 1.7241997776];
    for (let t = 0; t <= 4; t++) {
      expect(Math.abs(lin.lambda[0] - 0.1 * t)).toBeLessThan(1e-15);
      const L = lin.loss(noisy);
      expect(Math.abs(L - linLoss[t])).toBeLessThan(1e-12);
      expect(Math.abs(L - (Math.log(2 * Math.exp(0.1 * t) + 4) - 0.1 * t))).toBeLessThan(1e-14);
      const dr = lin.loss(noisy) - relu.loss(noisy);
      expect(dr).toBeGreaterThan(1e-9);
      expect(dr).toBeLessThan(1e-8);
      expect(Math.abs(soft.loss(noisy) - softLoss[t])).toBeLessThan(1e-10);
      lin.step(noisy, 0.1);
      relu.step(noisy, 0.1);
      soft.step(noisy, 0.1);
    }
  });
});

describe.each(['wasm', 'js'] as const)('docs/theory/recall.md#worked-examples in float32 (%s)', (backend) => {
  it.each(table.filter((r) => r[1] === 'origin'))('%s: losses after t = 1 … 4 within float32 resolution', async (_name, model, attention, kappa, expected) => {
    const m = await createRecallModel({ task: tiny, model, attention, kappa, backend, precision: 'f32', maxBatch: 3 });
    for (let t = 0; t < 4; t++) {
      m.step(noiseless, 0.1);
      expect(Math.abs(m.loss(noiseless) - expected[t]), `t = ${t + 1}`).toBeLessThan(2e-6);
    }
  });
});
