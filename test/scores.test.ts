import { describe, expect, it } from 'vitest';
import { svopExample } from '../src/dataset/svop.js';
import { createRng } from '../src/dataset/random.js';
import { keyScores, tokenScores } from '../src/model/scores.js';
import { predict } from '../src/model/predict.js';
import { train } from '../src/train/run.js';

describe('attention scores in token space', () => {
  it('tokenScores equals E_tᵀ W_kq E_q summed entry by entry, and keyScores is its column', () => {
    const rng = createRng(3);
    const V = 5;
    const d = 7;
    const E = Float64Array.from({ length: d * V }, () => rng.next() - 0.5);
    const W = Float64Array.from({ length: d * d }, () => rng.next() - 0.5);
    const K = tokenScores(W, E, V, d);
    for (let t = 0; t < V; t++) {
      for (let q = 0; q < V; q++) {
        let direct = 0;
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) direct += E[i * V + t] * W[i * d + j] * E[j * V + q];
        expect(K[t * V + q]).toBeCloseTo(direct, 14);
        expect(keyScores(W, E, V, d, q)[t]).toBe(K[t * V + q]);
      }
    }
    // one-hot: W_kq itself
    expect(Array.from(tokenScores(W.subarray(0, 25), null, 5, 5))).toEqual(Array.from(W.subarray(0, 25)));
  });

  it('predict on an orthonormal embedding reproduces the engine\'s loss', async () => {
    const ds = svopExample();
    const r = await train(ds, { embedding: 'orthonormal', d: 6, t0: 20, t1: 20 });
    const total = ds.counts.reduce((a, b) => a + b, 0);
    const loss = ds.samples.reduce((acc, s, n) => acc - (ds.counts[n] / total) * Math.log(predict(r.parameters, s.context).probabilities[s.next]), 0);
    expect(loss).toBeCloseTo(r.stage2[r.stage2.length - 1].loss, 12);
  });
});
