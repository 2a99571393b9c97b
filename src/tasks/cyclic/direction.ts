/**
 * Whether a trainable dataset's stage 2 has a divergent direction (docs/theory/cyclic.md#the-graph-svm): the graph-SVM's
 * status without its full solve where the answer is known. With one-hot or orthonormal E the
 * graph-SVM is always feasible (heights in the condensation meet every margin), so one edge between
 * two SCCs means a direction; only a general E needs the projected-Gram LDP to decide.
 */
import type { Analysis } from '../../dataset/analyze.js';
import type { Dataset } from '../../dataset/types.js';
import { makeEmbedding } from '../../engine/embedding.js';
import { isOrthonormal, tokenRows } from '../../maxmargin/embedding.js';
import { cyclicData } from '../../dataset/cyclic-orders.js';
import { graphSvm, type GraphSvm } from '../../maxmargin/graph-svm.js';
import { objectArg, datasetArg } from '../../api/arguments.js';

/** The graph-SVM's status for a dataset, and why when it has no direction. */
export interface SvmDirection {
  status: GraphSvm['status'];
  /** null when `optimal`; else names the query (no direction) or the edge (infeasible) */
  message: string | null;
}

/**
 * The graph-SVM status of a trainable dataset under its own embedding (one-hot without one).
 * @throws NtpError from {@link cyclicData} when the dataset cannot be trained.
 */
export function svmDirection(ds: Dataset, analysis: Analysis): SvmDirection {
  datasetArg(ds, 'svmDirection(dataset, analysis): dataset');
  objectArg(analysis, 'svmDirection(dataset, analysis): analysis');
  const V = ds.vocab.length;
  const emb = ds.embedding ? makeEmbedding(V, ds.embedding) : null;
  const data = cyclicData(ds, analysis, emb?.E ?? null, emb?.d ?? V);
  const cross = data.graphs.some((g) => g.edges.length > 0);
  const orthonormal = emb === null || emb.E === null || isOrthonormal(tokenRows(emb.E, emb.d, V), emb.d, V, 1e-10);
  if (cross && orthonormal) return { status: 'optimal', message: null };
  const svm = graphSvm(data);
  return { status: svm.status, message: svm.message };
}
