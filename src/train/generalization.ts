import { generalizationCases, type Analysis, type GeneralizationCase } from '../dataset/analyze.js';
import type { Dataset } from '../dataset/types.js';
import type { ModelParameters } from '../model/predict.js';
import { Predictor } from '../model/predictor.js';

/** One unseen context and what the trained model says of it. */
export interface GeneralizationResult {
  context: string[];
  kind: GeneralizationCase['kind'];
  query: string;
  expected: string;
  predicted: string;
  probability: number;
  correct: boolean;
}

/** Under one query, whether the learned scores rank optimal > non-comparable > non-optimal. */
export interface QueryRanking {
  query: string;
  holds: boolean;
  /** least score of an optimal token, greatest and least of a non-comparable one, greatest of a non-optimal one */
  optimalMin: number | null;
  nonComparableMax: number | null;
  nonComparableMin: number | null;
  nonOptimalMax: number | null;
}

/** Theorem 3 measured: predictions on the theory's unseen contexts and the learned rankings. */
export interface GeneralizationReport {
  cases: GeneralizationResult[];
  /** fraction of cases predicted as the theory says; null without cases */
  accuracy: number | null;
  rankings: QueryRanking[];
  /** fraction of queries whose ranking holds */
  rankingHolds: number | null;
}

/** Predicts the theory's generalization cases with trained parameters and reads the rankings off W_kq. */
export function generalization(ds: Dataset, analysis: Analysis, params: ModelParameters): GeneralizationReport {
  const name = (t: number) => ds.vocab[t];
  // one Predictor: key scores once per query, one-hot logits by gathers (same numbers as predict)
  const predictor = new Predictor(params);
  const cases = generalizationCases(ds, analysis).map((c): GeneralizationResult => {
    const p = predictor.predict(c.context);
    return {
      context: c.context.map(name),
      kind: c.kind,
      query: name(c.query),
      expected: name(c.expected),
      predicted: name(p.next),
      probability: p.probability,
      correct: p.next === c.expected,
    };
  });
  const rankings = analysis.queries
    .filter((qa) => qa.optimal.length > 0)
    .map((qa): QueryRanking => {
      const K = predictor.keyScores(qa.query);
      // loops, not Math.min(...): a spread of |V| arguments can overflow the stack
      const lo = (ts: readonly number[]) => {
        let m = Infinity;
        for (const t of ts) m = Math.min(m, K[t]);
        return ts.length ? m : null;
      };
      const hi = (ts: readonly number[]) => {
        let m = -Infinity;
        for (const t of ts) m = Math.max(m, K[t]);
        return ts.length ? m : null;
      };
      const r = {
        query: name(qa.query),
        optimalMin: lo(qa.optimal),
        nonComparableMax: hi(qa.nonComparable),
        nonComparableMin: lo(qa.nonComparable),
        nonOptimalMax: hi(qa.nonOptimal),
      };
      const above = (a: number | null, b: number | null) => a === null || b === null || a > b;
      const holds = above(r.optimalMin, r.nonComparableMax) && above(r.nonComparableMin, r.nonOptimalMax) && above(r.optimalMin, r.nonOptimalMax);
      return { ...r, holds };
    });
  const frac = (xs: boolean[]) => (xs.length ? xs.filter(Boolean).length / xs.length : null);
  return { cases, accuracy: frac(cases.map((c) => c.correct)), rankings, rankingHolds: frac(rankings.map((r) => r.holds)) };
}
