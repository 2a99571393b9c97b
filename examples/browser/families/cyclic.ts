// The cyclic-orders family (Li et al. 2024) in the lab: datasets whose token-priority graphs have
// cycles, trained by Algorithm 1 (the cross-entropy head with W_ov frozen after stage 1), the
// direction measured against the graph-SVM W_svm and the finite part W_fin,
// docs/theory/cyclic.md. The lab's only contact with the family's API.
import { analyze, cyclicData, finitePart, generateLiCyclic, graphSvm, type Dataset } from 'ntp-dynamics';
// not public yet: the worked examples (package data, also used by the tests)
import { datasetFromTargets, EXAMPLE_1, EXAMPLE_2, EXAMPLE_3, EXAMPLE_4, EXAMPLE_5 } from '../../../src/tasks/cyclic/examples.js';

type Worked = { vocab: string[]; samples: Array<[string[], string, number]>; embedding?: number[][] };
const worked = (ex: Worked) => () => datasetFromTargets(ex.vocab, ex.samples, ex.embedding);

export const EXAMPLES: Readonly<Record<string, { label: string; dataset: () => Dataset }>> = {
  example1: { label: 'worked example 1: a two-token cycle a ⇄ b under q', dataset: worked(EXAMPLE_1) },
  example2: { label: 'worked example 2: two queries sharing tokens', dataset: worked(EXAMPLE_2) },
  example3: { label: 'worked example 3: a three-token SCC', dataset: worked(EXAMPLE_3) },
  example4: { label: 'worked example 4: infeasible graph-SVM (a dependent embedding)', dataset: worked(EXAMPLE_4 as Worked) },
  example5: { label: 'worked example 5: one SCC, no direction', dataset: worked(EXAMPLE_5) },
  li1: { label: "Li et al.'s generator: 6 samples, T = 4, K = 6, seed 1", dataset: () => generateLiCyclic({ seed: 1 }) },
  li2: { label: "Li et al.'s generator: 6 samples, T = 4, K = 6, seed 2", dataset: () => generateLiCyclic({ seed: 2 }) },
};

export const DEFAULT_EXAMPLE = 'example1';

/**
 * The graph-SVM W_svm (where stage 2's direction goes, if it is feasible) and the selection head's
 * finite part W_fin, as token scores K[v·|V| + q]; none for acyclic data or |V| > 256.
 */
export function references(ds: Dataset, E: Float64Array | null, d: number): Array<{ title: string; values: Float64Array }> {
  const analysis = analyze(ds);
  if (analysis.acyclic || !analysis.trainable || ds.vocab.length > 256) return [];
  const data = cyclicData(ds, analysis, E, d);
  const svm = graphSvm(data);
  const out = svm.status === 'optimal' ? [{ title: 'graph-SVM W_svm', values: svm.K }] : [];
  return [...out, { title: 'finite part W_fin (selection head)', values: finitePart(data).K }];
}
