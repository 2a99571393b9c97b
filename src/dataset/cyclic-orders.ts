/**
 * A dataset seen as the cyclic-orders family sees it (docs/theory/cyclic.md): every sample's target token
 * o_n (the optimal token, n(o_n) = y_n), its weight π_n, and per query token q the token-priority
 * graph G_q with its SCCs and condensation.
 */
import { analyze, type Analysis, formatContext } from './analyze.js';
import { quoteToken } from './format.js';
import type { Dataset } from './types.js';
import { NtpError } from '../errors.js';
import { condense, type Condensation } from './scc.js';
import { cyclicDataArg, objectArg, datasetArg, arrayArg } from '../api/arguments.js';

/** One query's token-priority graph G_q. */
export interface QueryGraph extends Condensation {
  query: number;
  /** Samples (indices) whose context ends in q, length ≥ 2 only. */
  samples: number[];
  /** Distinct edges [o_n, j], sorted. */
  order: [number, number][];
  /** The same edges in order of first appearance over the samples (the order today's W*_kq solver sees). */
  edgeSeq: [number, number][];
}

/** A dataset with its targets and token-priority graphs. */
export interface CyclicData {
  V: number;
  /** Embedding dimension (|V| for one-hot). */
  d: number;
  /** d×|V| row-major (column v = E_v), or null for one-hot. */
  E: Float64Array | null;
  /** Context token ids per sample (length-1 collocation samples left out). */
  contexts: number[][];
  /** Target token o_n per sample. */
  targets: number[];
  /** Next token y_n per sample (the package's label, n(o_n)); −1 when built from targets alone. */
  labels: number[];
  /** π_n per sample, normalized over the kept samples. */
  weights: number[];
  /** Index of each kept sample in the source dataset, for messages. */
  source: number[];
  /** One graph per query token that ends a context of length ≥ 2, ascending query id. */
  graphs: QueryGraph[];
  /** Token id → index into `graphs`, −1 when none. */
  graphOf: Int32Array;
  vocab: string[];
}

/**
 * Builds the cyclic view of a package dataset: targets are the optimal tokens of the analysis
 * (the collocation must be a function and injective), samples of length ≥ 2 only.
 * @throws NtpError 'target-absent' naming the first sample whose target is not in its context,
 *   'not-trainable' when the collocation is not a function or not injective.
 */
export function cyclicData(ds: Dataset, analysis?: Analysis, E: Float64Array | null = null, d?: number): CyclicData {
  datasetArg(ds, 'cyclicData(dataset, analysis, E, d): dataset');
  if (analysis === undefined) analysis = analyze(ds);
  if (d === undefined) d = ds.vocab.length;
  objectArg(analysis, 'cyclicData(dataset, analysis, E, d): analysis');
  for (const v of analysis.violations) {
    if (v.kind === 'no-optimal-token') {
      const n = v.samples[0];
      const s = ds.samples[n];
      throw new NtpError('target-absent', `sample ${n} (${formatContext(ds, s.context)} → ${quoteToken(ds.vocab[s.next])}): its target (the token x with n(x) = ${quoteToken(ds.vocab[s.next])}) is absent from its context`);
    }
    if (v.kind === 'collocation-not-function' || v.kind === 'collocation-not-injective') throw new NtpError('not-trainable', v.message);
  }
  return fromTargets(ds.vocab, ds.samples.map((s, n) => ({ context: s.context, target: analysis.optimalOf[n], count: ds.counts[n], label: s.next })), E, d);
}

/**
 * The cyclic view from explicit targets (Li et al.'s convention: the label is the target).
 * Length-1 samples are left out (they carry no attention). Throws NtpError 'target-absent'
 * naming the sample when a target is not in its context.
 */
export function fromTargets(
  vocab: string[],
  samples: ReadonlyArray<{ context: readonly number[]; target: number; count: number; label?: number }>,
  E: Float64Array | null = null,
  d?: number,
): CyclicData {
  arrayArg(vocab, 'fromTargets(vocab, samples, E, d): vocab');
  if (d === undefined) d = vocab.length;
  arrayArg(samples, 'fromTargets(vocab, samples, E, d): samples');
  samples.forEach((s, n) => objectArg(s, `fromTargets(vocab, samples, E, d): samples[${n}]`));
  const V = vocab.length;
  const contexts: number[][] = [];
  const targets: number[] = [];
  const weights: number[] = [];
  const labels: number[] = [];
  const source: number[] = [];
  let total = 0;
  samples.forEach((s, n) => {
    if (s.context.length < 2) return;
    if (!s.context.includes(s.target)) {
      const names = s.context.map((t) => vocab[t] ?? String(t)).join(' ');
      throw new NtpError('target-absent', `sample ${n} (${quoteToken(names)}): its target ${quoteToken(vocab[s.target] ?? String(s.target))} is absent from its context`);
    }
    contexts.push([...s.context]);
    targets.push(s.target);
    labels.push(s.label ?? -1);
    weights.push(s.count);
    source.push(n);
    total += s.count;
  });
  for (let i = 0; i < weights.length; i++) weights[i] /= total;
  const byQuery = new Map<number, { samples: number[]; edges: Set<number> }>();
  contexts.forEach((c, i) => {
    const q = c[c.length - 1];
    let g = byQuery.get(q);
    if (g === undefined) byQuery.set(q, (g = { samples: [], edges: new Set() }));
    g.samples.push(i);
    const o = targets[i];
    for (const j of c) if (j !== o) g.edges.add(o * V + j);
  });
  const graphOf = new Int32Array(V).fill(-1);
  const graphs: QueryGraph[] = [];
  for (const q of [...byQuery.keys()].sort((a, b) => a - b)) {
    const g = byQuery.get(q)!;
    const edgeSeq = [...g.edges].map((k): [number, number] => [Math.floor(k / V), k % V]);
    const order = [...edgeSeq].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    graphOf[q] = graphs.length;
    graphs.push({ query: q, samples: g.samples, order, edgeSeq, ...condense(order) });
  }
  return { V, d: E === null ? V : d, E, contexts, targets, labels, weights, source, graphs, graphOf, vocab };
}

/** True when some query graph has an SCC of two or more tokens. */
export function hasCycle(data: CyclicData): boolean {
  cyclicDataArg(data, 'hasCycle(data): data');
  return data.graphs.some((g) => g.components.some((c) => c.length > 1));
}
