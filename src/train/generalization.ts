import { generalizationCases, type Analysis, type GeneralizationCase } from '../dataset/analyze.js';
import type { Dataset } from '../dataset/types.js';
import { predict, type ModelParameters } from '../model/predict.js';
import { keyScores } from '../model/scores.js';

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
  const cases = generalizationCases(ds, analysis).map((c): GeneralizationResult => {
    const p = predict(params, c.context);
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
      const K = keyScores(params.Wkq, params.E, params.V, params.d, qa.query);
      const score = (t: number) => K[t];
      const lo = (ts: number[]) => (ts.length ? Math.min(...ts.map(score)) : null);
      const hi = (ts: number[]) => (ts.length ? Math.max(...ts.map(score)) : null);
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
