/**
 * The directions a run's cosines are measured against, chosen by the data in this one place:
 * realizable data (Assumption 1) have the max-margin W*_ov and W*_kq of docs/theory/core.md#max-margin-directions; trainable data
 * whose query orders have cycles or confused tokens have W*_ov (the collocation is still a
 * function) and the graph-SVM W_svm of docs/theory/cyclic.md#the-graph-svm for stage 2. On acyclic data the graph-SVM is
 * W*_kq bit for bit, so the choice never changes a realizable run's numbers.
 */
import type { Analysis } from '../dataset/analyze.js';
import type { Dataset } from '../dataset/types.js';
import type { Embedding } from '../engine/embedding.js';
import { solveMaxMargin } from '../maxmargin/index.js';
import type { MaxMarginProblem, MaxMarginSolution } from '../maxmargin/types.js';
import { cyclicData } from '../dataset/cyclic-orders.js';
import { graphSvm, type GraphSvm } from '../maxmargin/graph-svm.js';
import { objectArg, intArg, datasetArg } from '../api/arguments.js';

/** What {@link referenceDirections} found. */
export interface ReferenceDirections {
  /**
   * `max-margin`: realizable data, W*_ov and W*_kq (docs/theory/core.md#max-margin-directions); `graph-svm`: trainable data with
   * cyclic or confused orders, W*_ov and W_svm (docs/theory/cyclic.md#the-graph-svm); `none`: no reference (skipped, or the
   * data cannot be trained).
   */
  kind: 'max-margin' | 'graph-svm' | 'none';
  /** Stage-1 reference W*_ov, V×d row-major, or null. */
  Wov: Float64Array | null;
  /**
   * Stage-2 reference, d×d row-major (key side i, query side j): W*_kq or W_svm. Null when there
   * is none, and for a graph-SVM that is `infeasible`; all zeros when it is `no-direction`
   * (every cosine is then null).
   */
  Wkq: Float64Array | null;
  /** Name of the stage-2 reference in reports and figures. */
  label: 'W*_kq' | 'W_svm';
  /** The docs/theory/core.md#max-margin-directions solution (realizable data only). */
  maxMargin: MaxMarginSolution | null;
  /** The graph-SVM (kind `graph-svm` only). */
  graphSvm: GraphSvm | null;
  /** Largest KKT residual over the solves, NaN when nothing was solved. */
  kkt: number;
  /** Why a reference is missing or has no direction, null when both are there. */
  message: string | null;
}

/** No reference: every cosine is null (runs that skip the solve). */
export const NO_REFERENCE: Readonly<ReferenceDirections> = { kind: 'none', Wov: null, Wkq: null, label: 'W*_kq', maxMargin: null, graphSvm: null, kkt: NaN, message: null };

/**
 * The reference directions of a dataset under an embedding: the max-margin solver on realizable
 * data, the collocation max-margin plus the graph-SVM on data that are trainable but not
 * realizable, nothing on data that cannot be trained (with the reason in `message`).
 */
export function referenceDirections(dataset: Dataset, analysis: Analysis, embedding: Embedding): ReferenceDirections {
  datasetArg(dataset, 'referenceDirections(dataset, analysis, embedding): dataset');
  objectArg(analysis, 'referenceDirections(dataset, analysis, embedding): analysis');
  objectArg(embedding, 'referenceDirections(dataset, analysis, embedding): embedding');
  const V = dataset.vocab.length;
  const problem = { ...maxMarginProblem(analysis, V, embedding), vocab: dataset.vocab };
  if (analysis.realizable) {
    const mm = solveMaxMargin(problem);
    return { kind: 'max-margin', Wov: mm.Wov, Wkq: mm.Wkq, label: 'W*_kq', maxMargin: mm, graphSvm: null, kkt: mm.kktResidual, message: null };
  }
  if (!analysis.trainable) {
    const why = analysis.violations.find((v) => v.kind !== 'assumption-3' && v.kind !== 'cyclic-order' && v.kind !== 'confused-token');
    return { ...NO_REFERENCE, message: `the dataset cannot be trained: ${why?.message ?? 'Assumption 1 fails'}` };
  }
  // The collocation part of Assumption 1 holds (trainable), so W*_ov exists; stage 2's ordering
  // constraints conflict and the graph-SVM over the SCCs replaces W*_kq.
  const ov = solveMaxMargin({ ...problem, attention: [] });
  const svm = graphSvm(cyclicData(dataset, analysis, embedding.E, embedding.d));
  const kkt = svm.status === 'optimal' ? Math.max(ov.kktResidual, svm.kkt) : ov.kktResidual;
  return {
    kind: 'graph-svm',
    Wov: ov.Wov,
    Wkq: svm.status === 'infeasible' ? null : svm.W,
    label: 'W_svm',
    maxMargin: null,
    graphSvm: svm,
    kkt,
    message: svm.message,
  };
}

/** The two max-margin problems of a realizable dataset (docs/theory/core.md#max-margin-directions), from its analysis. */
export function maxMarginProblem(analysis: Analysis, V: number, embedding: Embedding): MaxMarginProblem {
  objectArg(analysis, 'maxMarginProblem(analysis, V, embedding): analysis');
  intArg(V, 'maxMarginProblem(analysis, V, embedding): V', 1);
  objectArg(embedding, 'maxMarginProblem(analysis, V, embedding): embedding');
  const collocation: Array<[number, number]> = [];
  analysis.collocation.forEach((y, x) => {
    if (y >= 0) collocation.push([x, y]);
  });
  const attention: MaxMarginProblem['attention'] = [];
  // one constraint set per distinct context would do; duplicates only repeat rows
  const seen = new Set<string>();
  for (const qa of analysis.queries) {
    for (const n of qa.samples) {
      const o = analysis.optimalOf[n];
      const nonOptimal = analysis.nonOptimalOf[n];
      if (o < 0 || nonOptimal.length === 0) continue;
      const key = `${qa.query}|${o}|${[...nonOptimal].sort((a, b) => a - b).join(',')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      attention.push({ query: qa.query, optimal: o, nonOptimal });
    }
  }
  return { V, embedding: embedding.E ? { d: embedding.d, E: embedding.E } : null, collocation, attention };
}
