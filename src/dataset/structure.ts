/**
 * How much of a dataset has the paper's structure (Section 4.1), measured instead of judged: on
 * real text Assumption 1 fails somewhere almost surely, and the useful question is by how much.
 * Fractions are by count (a window seen 3 times counts 3 times).
 */
import type { Analysis } from './analyze.js';
import { condense } from './scc.js';
import type { Dataset } from './types.js';
import { objectArg, datasetArg } from '../api/arguments.js';

/** What {@link measureStructure} reports. */
export interface StructureReport {
  /** Σ counts */
  total: number;
  /** fraction of samples (by count) with an optimal token: some x in the context has n(x) = next, n the collocation of the length-1 samples */
  withOptimal: number;
  /**
   * The same with the bigram collocation n̂(x), the token that most often follows x anywhere (the
   * query's most frequent next token; ties to the smaller id): the collocation a corpus of
   * sliding windows, which has length-1 samples only at the start of each text, implies.
   */
  withOptimalBigram: number;
  /** How far the collocation is from a function, over tokens that end some context. */
  collocation: {
    /** tokens that end some context */
    tokens: number;
    /** tokens with a length-1 sample (n(x) defined) */
    defined: number;
    /** of those, tokens whose length-1 samples have more than one next token */
    conflicting: number;
    /** mean number of distinct next tokens per query token (1 for a function) */
    meanNextTokens: number;
    /** fraction of samples (by count) whose next token is n̂ of their query (1 for a function) */
    bigramMass: number;
  };
  /** Strongly connected components of the query graphs G_q (edges o → j of samples with an optimal token o). */
  scc: SccStats;
  /** The same with the bigram collocation n̂: the optimal token of a sample is its first context token o with n̂(o) = next. */
  sccBigram: SccStats;
}

/** SCC statistics of a dataset's query graphs. */
export interface SccStats {
    /** queries with at least one edge */
    queries: number;
    /** of those, queries whose graph is acyclic (every component a singleton) */
    acyclic: number;
    /** components of more than one token, over all queries */
    cyclicComponents: number;
    /** tokens in the largest component */
    largest: number;
}

/** Measures a dataset's structure from its analysis; linear in the total context length. */
export function measureStructure(ds: Dataset, analysis: Analysis): StructureReport {
  datasetArg(ds, 'measureStructure(dataset, analysis): dataset');
  objectArg(analysis, 'measureStructure(dataset, analysis): analysis');
  const V = ds.vocab.length;
  const N = ds.samples.length;
  let total = 0;
  for (const c of ds.counts) total += c;
  // bigram counts per query: next token → count, and the most frequent
  const perQuery = new Map<number, Map<number, number>>();
  for (let n = 0; n < N; n++) {
    const { context, next } = ds.samples[n];
    const q = context[context.length - 1];
    let m = perQuery.get(q);
    if (m === undefined) perQuery.set(q, (m = new Map()));
    m.set(next, (m.get(next) ?? 0) + ds.counts[n]);
  }
  const nhat = new Int32Array(V).fill(-1);
  let distinct = 0;
  for (const [q, m] of perQuery) {
    distinct += m.size;
    let best = -1;
    let bestCount = -1;
    for (const [y, c] of m) if (c > bestCount || (c === bestCount && y < best)) [best, bestCount] = [y, c];
    nhat[q] = best;
  }
  let withOptimal = 0;
  let withOptimalBigram = 0;
  let bigramMass = 0;
  for (let n = 0; n < N; n++) {
    const { context, next } = ds.samples[n];
    const c = ds.counts[n];
    if (analysis.optimalOf[n] >= 0) withOptimal += c;
    if (nhat[context[context.length - 1]] === next) bigramMass += c;
    for (const t of context) {
      if (nhat[t] === next) {
        withOptimalBigram += c;
        break;
      }
    }
  }
  const conflicting = new Set<number>();
  let defined = 0;
  for (let x = 0; x < V; x++) if (analysis.collocation[x] >= 0) defined++;
  for (const v of analysis.violations) {
    if (v.kind === 'collocation-not-function') conflicting.add(ds.samples[v.samples[0]].context[0]);
  }
  const scc = sccStats(analysis.queries.map((qa) => qa.components));
  // the query graphs under n̂: per query, edges o → j for the other tokens j of each sample's context
  const edges = new Map<number, Map<number, [number, number]>>();
  for (let n = 0; n < N; n++) {
    const { context, next } = ds.samples[n];
    const o = context.find((t) => nhat[t] === next);
    if (o === undefined) continue;
    const q = context[context.length - 1];
    let e = edges.get(q);
    if (e === undefined) edges.set(q, (e = new Map()));
    for (const j of context) if (j !== o && !e.has(o * V + j)) e.set(o * V + j, [o, j]);
  }
  const sccBigram = sccStats([...edges.values()].map((e) => condense([...e.values()]).components));
  return {
    total,
    withOptimal: withOptimal / total,
    withOptimalBigram: withOptimalBigram / total,
    collocation: { tokens: perQuery.size, defined, conflicting: conflicting.size, meanNextTokens: distinct / perQuery.size, bigramMass: bigramMass / total },
    scc,
    sccBigram,
  };
}

/** Statistics of the queries' SCCs (each query's components; a query without edges has none). */
function sccStats(perQuery: readonly (readonly number[][])[]): SccStats {
  let queries = 0;
  let acyclic = 0;
  let cyclicComponents = 0;
  let largest = 0;
  for (const components of perQuery) {
    if (components.length === 0) continue;
    queries++;
    let cyclic = false;
    for (const comp of components) {
      if (comp.length > 1) {
        cyclicComponents++;
        cyclic = true;
      }
      largest = Math.max(largest, comp.length);
    }
    if (!cyclic) acyclic++;
  }
  return { queries, acyclic, cyclicComponents, largest };
}

/** The report in a few lines of text (`ntp analyze`, `ntp train`). */
export function formatStructure(r: StructureReport): string[] {
  objectArg(r, 'formatStructure(report): report');
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const c = r.collocation;
  return [
    `samples with an optimal token: ${pct(r.withOptimal)} by count (collocation of the length-1 samples); ${pct(r.withOptimalBigram)} with the bigram collocation n̂(x), each token's most frequent next token`,
    `collocation: ${c.defined} of ${c.tokens} query tokens have a length-1 sample, ${c.conflicting} of them with conflicting next tokens; ${c.meanNextTokens.toFixed(2)} distinct next tokens per query token (1 for a function); the most frequent next token is the label of ${pct(c.bigramMass)} of the samples`,
    ...([['query graphs', r.scc], ['query graphs under n̂', r.sccBigram]] as const).map(([name, g]) =>
      `${name}: ${g.queries} queries with an order, ${g.acyclic} acyclic; ${g.cyclicComponents} strongly connected components of more than one token, the largest of ${g.largest}`),
  ];
}
