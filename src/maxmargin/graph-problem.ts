/**
 * The token-priority graphs of a max-margin problem's attention constraints (Li et al. 2024;
 * docs/theory/cyclic.md#the-graph-svm): under query q, an edge o → j per constraint (q, o, j). When a
 * graph has a cycle, W*_kq's constraints conflict and the graph-SVM over the SCCs replaces it.
 */
import type { CyclicData, QueryGraph } from '../dataset/cyclic-orders.js';
import { condense } from '../dataset/scc.js';
import type { MaxMarginProblem } from './types.js';

/** The graphs of the problem's attention constraints, as the graph-SVM reads them (no samples: only the orders matter). */
export function constraintGraphs(problem: MaxMarginProblem, E: Float64Array | null, d: number): CyclicData {
  const V = problem.V;
  const byQuery = new Map<number, number[]>();
  const seen = new Set<number>();
  for (const c of problem.attention) {
    let seq = byQuery.get(c.query);
    if (seq === undefined) byQuery.set(c.query, (seq = []));
    for (const j of c.nonOptimal) {
      const key = (c.query * V + c.optimal) * V + j;
      if (seen.has(key)) continue;
      seen.add(key);
      seq.push(c.optimal * V + j);
    }
  }
  const graphOf = new Int32Array(V).fill(-1);
  const graphs: QueryGraph[] = [];
  for (const q of [...byQuery.keys()].sort((a, b) => a - b)) {
    const edgeSeq = byQuery.get(q)!.map((k): [number, number] => [Math.floor(k / V), k % V]);
    if (edgeSeq.length === 0) continue;
    const order = [...edgeSeq].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    graphOf[q] = graphs.length;
    graphs.push({ query: q, samples: [], order, edgeSeq, ...condense(order) });
  }
  const vocab = Array.from({ length: V }, (_, t) => problem.vocab?.[t] ?? `token ${t}`);
  return { V, d: E === null ? V : d, E, contexts: [], targets: [], labels: [], weights: [], source: [], graphs, graphOf, vocab };
}

/** Whether some query's graph has an SCC of two or more tokens. */
export function graphsHaveCycle(data: CyclicData): boolean {
  return data.graphs.some((g) => g.components.some((c) => c.length > 1));
}
