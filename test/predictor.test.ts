import { describe, expect, it } from 'vitest';
import { analyze, generalizationCases } from '../src/dataset/analyze.js';
import { createRng, generateRealizable } from '../src/dataset/random.js';
import { svopExample } from '../src/dataset/svop.js';
import { predict, type Parameters } from '../src/model/predict.js';
import { predictMany, Predictor } from '../src/model/predictor.js';
import { keyScores } from '../src/model/scores.js';
import { generalization } from '../src/train/generalization.js';
import { train } from '../src/train/run.js';

/** Same numbers bit for bit (Object.is also separates 0 from −0). */
function expectIdentical(a: ArrayLike<number>, b: ArrayLike<number>) {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) expect.fail(`entry ${i}: ${a[i]} !== ${b[i]}`);
}

/** The generalization report as it was computed before the Predictor: predict per case, spreads over key scores. */
function referenceReport(ds: ReturnType<typeof svopExample>, params: Parameters) {
  const analysis = analyze(ds);
  const cases = generalizationCases(ds, analysis).map((c) => {
    const p = predict(params, c.context);
    return { predicted: ds.vocab[p.next], probability: p.probability, correct: p.next === c.expected };
  });
  const rankings = analysis.queries.filter((qa) => qa.optimal.length > 0).map((qa) => {
    const K = keyScores(params.Wkq, params.E, params.V, params.d, qa.query);
    const lo = (ts: number[]) => (ts.length ? Math.min(...ts.map((t) => K[t])) : null);
    const hi = (ts: number[]) => (ts.length ? Math.max(...ts.map((t) => K[t])) : null);
    return { optimalMin: lo(qa.optimal), nonComparableMax: hi(qa.nonComparable), nonComparableMin: lo(qa.nonComparable), nonOptimalMax: hi(qa.nonOptimal) };
  });
  return { cases, rankings };
}

describe('Predictor: predict over many contexts', () => {
  for (const embedding of ['onehot', 'gaussian'] as const) {
    it(`gives predict's numbers bit for bit (${embedding}), on the generalization cases and on contexts with repeated tokens`, async () => {
      const ds = generateRealizable({ vocab: 24, seed: 5 });
      const r = await train(ds, { embedding, d: embedding === 'onehot' ? undefined : 9, t0: 60, t1: 60, skipMaxMargin: true });
      const params = r.parameters;
      const rng = createRng(11);
      const contexts = generalizationCases(ds, analyze(ds)).map((c) => c.context);
      for (let k = 0; k < 40; k++) {
        const L = 1 + Math.floor(rng.next() * 8);
        // few distinct tokens, so most contexts repeat some
        contexts.push(Array.from({ length: L }, () => Math.floor(rng.next() * 6)));
      }
      expect(contexts.length).toBeGreaterThan(60);
      const many = predictMany(params, contexts);
      contexts.forEach((c, i) => {
        const want = predict(params, c);
        expect(many[i].next).toBe(want.next);
        expect(Object.is(many[i].probability, want.probability)).toBe(true);
        expectIdentical(many[i].probabilities, want.probabilities);
        expectIdentical(many[i].attention, want.attention);
      });
    });
  }

  it('the generalization report equals the per-case predict and the spreads it replaces', async () => {
    const ds = generateRealizable({ vocab: 30, seed: 2 });
    const r = await train(ds, { t0: 80, t1: 80, skipMaxMargin: true });
    const got = generalization(ds, analyze(ds), r.parameters);
    const want = referenceReport(ds, r.parameters);
    expect(got.cases.length).toBe(want.cases.length);
    expect(got.cases.length).toBeGreaterThan(10);
    got.cases.forEach((c, i) => {
      expect(c.predicted).toBe(want.cases[i].predicted);
      expect(Object.is(c.probability, want.cases[i].probability)).toBe(true);
      expect(c.correct).toBe(want.cases[i].correct);
    });
    expect(got.rankings.map(({ optimalMin, nonComparableMax, nonComparableMin, nonOptimalMax }) => ({ optimalMin, nonComparableMax, nonComparableMin, nonOptimalMax }))).toEqual(want.rankings);
  });

  it('rejects an empty context and a token outside the vocabulary, naming the position', () => {
    const p = new Predictor({ V: 3, d: 3, Wov: new Float64Array(9), Wkq: new Float64Array(9), E: null });
    expect(() => p.predict([])).toThrow(/empty context/);
    expect(() => p.predict([0, 3])).toThrow(/context position 1: token id 3/);
    // all-zero weights: uniform attention and next-token distribution, the first token wins ties
    const u = p.predict([2, 2, 1]);
    expectIdentical(u.attention, [1 / 3, 1 / 3, 1 / 3]);
    expect(u.next).toBe(0);
    expect(u.probability).toBe(1 / 3);
  });
});
