/**
 * Structure of a dataset in the paper's terms (Section 4.1): collocation, query-dependent partial
 * orders, token classes, and the checks of Assumptions 1 and 3. Sample indices in messages are
 * positions in `dataset.samples` (0-based).
 */
import { NtpError } from '../errors.js';
import { quoteToken } from './format.js';
import type { Dataset } from './types.js';
import { condense } from './scc.js';
import { datasetArg, objectArg, optionsArg } from '../api/arguments.js';

/** What a violation is about; all but 'assumption-3' break Assumption 1 (realizability). */
export type ViolationKind =
  | 'collocation-not-function'
  | 'collocation-not-injective'
  | 'no-optimal-token'
  | 'confused-token'
  | 'cyclic-order'
  | 'assumption-3';

/** One failed check, with the samples (indices) and tokens (names) it involves. */
export interface Violation {
  kind: ViolationKind;
  message: string;
  samples: number[];
  tokens: string[];
}

/** The partial order >_q of one query token q and the token classes it induces. */
export interface QueryAnalysis {
  /** The query token id. */
  query: number;
  /** Indices of the samples whose context ends in q (length-1 samples included). */
  samples: number[];
  /** Above some token and below none (O_q), ascending ids. */
  optimal: number[];
  /** Below some token and above none (N_q). */
  nonOptimal: number[];
  /** Above one token and below another. */
  confused: number[];
  /** Never compared under q (M_q): every other vocabulary token. Computed on first access. */
  readonly nonComparable: number[];
  /** The relation as distinct pairs [above, below], sorted. */
  order: [number, number][];
  /** Tokens of one cycle of >_q (t0 > t1 > … > t0, listed once each), or null when acyclic. */
  cycle: number[] | null;
  /**
   * Strongly connected components of the token-priority graph G_q (docs/theory/cyclic.md#token-priority-graphs-and-sccs: the edges o → j of
   * `order`), in topological order of the condensation (sources first), token ids ascending in
   * each. All singletons exactly when the order is acyclic.
   */
  components: number[][];
  /**
   * Every optimal token meets every non-optimal token in some sample. Proposition 2's closed form
   * for W*_kq's column q is exact in that case and in general is not.
   */
  complete: boolean;
}

/** Everything {@link analyze} finds. */
export interface Analysis {
  /** next[x] = n(x) from the length-1 samples, -1 where x has none (first one if several). */
  collocation: number[];
  /** Index of the length-1 sample defining collocation[x], -1 where none. */
  collocationSample: number[];
  /** One entry per token that ends some context, ascending query id. */
  queries: QueryAnalysis[];
  /** Token id → index into `queries`, -1 for tokens that never end a context. */
  queryIndex: number[];
  /** Per sample: its optimal token (the x in the context with n(x) = next), -1 if none. */
  optimalOf: number[];
  /** Per sample: the distinct other tokens of its context (first-appearance order); [] if no optimal token. */
  nonOptimalOf: number[][];
  /** All violations, Assumption 1 first, then Assumption 3. */
  violations: Violation[];
  /** Assumption 1 holds (no violation other than 'assumption-3'). */
  realizable: boolean;
  /** Assumption 3 holds in every sample that has an optimal token. */
  assumption3: boolean;
  /** Every query's order is acyclic (every SCC a singleton); a report, not a precondition of training. */
  acyclic: boolean;
  /**
   * Training is well defined: the collocation is a function and injective and every sample has an
   * optimal token. Cycles and confused tokens are allowed (docs/theory/cyclic.md#token-priority-graphs-and-sccs (c)); Assumption 1 is `realizable`.
   */
  trainable: boolean;
}

/** A context the trained model should predict in a set way although it never saw it (Theorem 3). */
export interface GeneralizationCase {
  context: number[];
  expected: number;
  /**
   * 'nonComparable': a non-comparable token o' among non-optimal tokens wins, expected n(o').
   * 'withOptimal': an optimal token (the query itself when q is optimal) beats o', expected n(o).
   */
  kind: 'nonComparable' | 'withOptimal';
  query: number;
}

/** Renders a context for messages, eliding the middle of very long ones. */
export function formatContext(ds: Dataset, context: readonly number[]): string {
  const names = (ids: readonly number[]) => ids.map((t) => ds.vocab[t]).join(' ');
  if (context.length <= 12) return quoteToken(names(context));
  return quoteToken(`${names(context.slice(0, 5))} … ${names(context.slice(-5))}`) + ` (${context.length} tokens)`;
}

function describeSample(ds: Dataset, n: number): string {
  const s = ds.samples[n];
  return `sample ${n} (${formatContext(ds, s.context)} → ${quoteToken(ds.vocab[s.next])})`;
}

/**
 * Analyzes a dataset: collocation, per-query partial orders and token classes, per-sample optimal
 * tokens, and Assumption 1 and 3 violations. Linear in the total context length plus O(|V|) per
 * query, so it is fine for millions of samples.
 */
export function analyze(ds: Dataset): Analysis {
  datasetArg(ds, 'analyze(dataset): dataset');
  const V = ds.vocab.length;
  const N = ds.samples.length;
  const tok = (t: number) => quoteToken(ds.vocab[t]);
  const violations: Violation[] = [];
  const a3: Violation[] = [];

  // Collocation. Extra next tokens of a token (a violation) are still kept, so a sample whose
  // label is one of them finds its optimal token and does not pile up a second violation.
  const collocation = new Array<number>(V).fill(-1);
  const collocationSample = new Array<number>(V).fill(-1);
  const extraNext = new Map<number, Map<number, number>>();
  const preimage = new Array<number>(V).fill(-1);
  const preimageSample = new Array<number>(V).fill(-1);
  for (let n = 0; n < N; n++) {
    const { context, next: y } = ds.samples[n];
    if (context.length !== 1) continue;
    const x = context[0];
    if (collocation[x] < 0) {
      collocation[x] = y;
      collocationSample[x] = n;
    } else if (collocation[x] !== y) {
      let extra = extraNext.get(x);
      if (extra === undefined) extraNext.set(x, (extra = new Map()));
      if (extra.has(y)) continue;
      extra.set(y, n);
      const m = collocationSample[x];
      violations.push({
        kind: 'collocation-not-function',
        message: `collocation is not a function: token ${tok(x)} is followed by ${tok(collocation[x])} in sample ${m} and by ${tok(y)} in sample ${n}`,
        samples: [m, n],
        tokens: [ds.vocab[x], ds.vocab[collocation[x]], ds.vocab[y]],
      });
    } else continue; // the same pair again (only in hand-built datasets with duplicates)
    if (preimage[y] < 0) {
      preimage[y] = x;
      preimageSample[y] = n;
    } else if (preimage[y] !== x) {
      const m = preimageSample[y];
      const x0 = preimage[y];
      violations.push({
        kind: 'collocation-not-injective',
        message: `collocation is not injective: tokens ${tok(x0)} (sample ${m}) and ${tok(x)} (sample ${n}) both have next token ${tok(y)}`,
        samples: [m, n],
        tokens: [ds.vocab[x0], ds.vocab[x], ds.vocab[y]],
      });
    }
  }
  const mapsTo = (x: number, y: number) => collocation[x] === y || (extraNext.get(x)?.has(y) ?? false);

  // Queries in ascending id order.
  const queryIndex = new Array<number>(V).fill(-1);
  for (let n = 0; n < N; n++) {
    const c = ds.samples[n].context;
    queryIndex[c[c.length - 1]] = 0;
  }
  const queryIds: number[] = [];
  for (let q = 0; q < V; q++) if (queryIndex[q] === 0) {
    queryIndex[q] = queryIds.length;
    queryIds.push(q);
  }
  const qSamples: number[][] = queryIds.map(() => []);
  // Edge o*V + j → first sample showing o >_q j; V ≤ ~10^5 keeps keys exact integers.
  const qEdges: Map<number, number>[] = queryIds.map(() => new Map());

  const optimalOf = new Array<number>(N).fill(-1);
  const nonOptimalOf: number[][] = new Array(N);
  const cnt = new Int32Array(V);
  const touched: number[] = [];
  for (let n = 0; n < N; n++) {
    const { context, next: y } = ds.samples[n];
    const qi = queryIndex[context[context.length - 1]];
    qSamples[qi].push(n);
    let o = -1;
    for (let l = 0; l < context.length; l++) {
      if (mapsTo(context[l], y)) {
        o = context[l];
        break;
      }
    }
    optimalOf[n] = o;
    if (o < 0) {
      nonOptimalOf[n] = [];
      violations.push({
        kind: 'no-optimal-token',
        message: `${describeSample(ds, n)}: no token x of the context has n(x) = ${tok(y)}, so the sample has no optimal token`,
        samples: [n],
        tokens: [...new Set(context.map((t) => ds.vocab[t])), ds.vocab[y]],
      });
      continue;
    }
    touched.length = 0;
    for (const t of context) {
      if (cnt[t] === 0) touched.push(t);
      cnt[t]++;
    }
    const nonOpt: number[] = [];
    const edges = qEdges[qi];
    const offenders: number[] = [];
    for (const j of touched) {
      if (j === o) continue;
      nonOpt.push(j);
      const key = o * V + j;
      if (!edges.has(key)) edges.set(key, n);
      if (cnt[j] > cnt[o]) offenders.push(j);
    }
    nonOptimalOf[n] = nonOpt;
    if (offenders.length > 0) {
      const list = offenders.map((j) => `${tok(j)} occurs ${cnt[j]} times`).join(', ');
      a3.push({
        kind: 'assumption-3',
        message: `${describeSample(ds, n)}: optimal token ${tok(o)} occurs ${cnt[o]} time${cnt[o] === 1 ? '' : 's'} but non-optimal ${list} (Assumption 3)`,
        samples: [n],
        tokens: [ds.vocab[o], ...offenders.map((j) => ds.vocab[j])],
      });
    }
    for (const t of touched) cnt[t] = 0;
  }

  const queries: QueryAnalysis[] = [];
  const flags = new Uint8Array(V); // bit 1: above something, bit 2: below something
  for (let qi = 0; qi < queryIds.length; qi++) {
    const q = queryIds[qi];
    const edges = qEdges[qi];
    const order: [number, number][] = [];
    const compared: number[] = [];
    for (const key of edges.keys()) {
      const above = Math.floor(key / V);
      const below = key - above * V;
      order.push([above, below]);
      if (flags[above] === 0) compared.push(above);
      flags[above] |= 1;
      if (flags[below] === 0) compared.push(below);
      flags[below] |= 2;
    }
    order.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    // Classify only the compared tokens: a pass over all |V| tokens per query would make
    // analyze O(|V|²) on text-derived datasets with large vocabularies.
    compared.sort((a, b) => a - b);
    const optimal: number[] = [];
    const nonOptimal: number[] = [];
    const confused: number[] = [];
    for (const t of compared) {
      const f = flags[t];
      if (f === 1) optimal.push(t);
      else if (f === 2) nonOptimal.push(t);
      else confused.push(t);
      flags[t] = 0;
    }
    let cycle: number[] | null = null;
    if (confused.length > 0) {
      // Every token on a cycle is above and below something, so acyclicity needs no search
      // unless there are confused tokens.
      const firstAbove = new Map<number, [number, number]>();
      const firstBelow = new Map<number, [number, number]>();
      for (const [key, n] of edges) {
        const above = Math.floor(key / V);
        const below = key - above * V;
        const prevA = firstAbove.get(above);
        if (prevA === undefined || n < prevA[1]) firstAbove.set(above, [below, n]);
        const prevB = firstBelow.get(below);
        if (prevB === undefined || n < prevB[1]) firstBelow.set(below, [above, n]);
      }
      for (const t of confused) {
        const [b, nb] = firstAbove.get(t)!;
        const [a, na] = firstBelow.get(t)!;
        violations.push({
          kind: 'confused-token',
          message: `query ${tok(q)}: token ${tok(t)} is confused: above ${tok(b)} in sample ${nb} but below ${tok(a)} in sample ${na}`,
          samples: nb === na ? [nb] : [nb, na],
          tokens: [ds.vocab[q], ds.vocab[t], ds.vocab[b], ds.vocab[a]],
        });
      }
      cycle = findCycle(order);
      if (cycle !== null) {
        const cyc = cycle;
        const samples = cyc.map((t, i) => edges.get(t * V + cyc[(i + 1) % cyc.length])!);
        const path = [...cyc, cyc[0]].map(tok).join(' > ');
        violations.push({
          kind: 'cyclic-order',
          message: `query ${tok(q)}: the order has a cycle ${path} (samples ${[...new Set(samples)].join(', ')})`,
          samples: [...new Set(samples)],
          tokens: [ds.vocab[q], ...cyc.map((t) => ds.vocab[t])],
        });
      }
    }
    const components = condense(order).components;
    let met = 0;
    const isOpt = new Set(optimal);
    const isNon = new Set(nonOptimal);
    for (const [a, b] of order) if (isOpt.has(a) && isNon.has(b)) met++;
    queries.push(
      withLazyNonComparable(
        { query: q, samples: qSamples[qi], optimal, nonOptimal, confused, order, cycle, components, complete: met === optimal.length * nonOptimal.length },
        compared,
        V,
      ),
    );
  }

  const realizable = violations.length === 0;
  const trainable = violations.every((v) => v.kind === 'confused-token' || v.kind === 'cyclic-order');
  const acyclic = queries.every((qa) => qa.cycle === null);
  return {
    collocation,
    collocationSample,
    queries,
    queryIndex,
    optimalOf,
    nonOptimalOf,
    violations: violations.concat(a3),
    realizable,
    assumption3: a3.length === 0,
    acyclic,
    trainable,
  };
}

/**
 * Adds `nonComparable` as an enumerable, memoized getter: it is the complement of the compared
 * tokens and, materialized for every query, would take |V|² ids. Enumerable, so JSON output,
 * structuredClone and deep equality see it like a plain field.
 */
function withLazyNonComparable(qa: Omit<QueryAnalysis, 'nonComparable'>, compared: readonly number[], V: number): QueryAnalysis {
  let memo: number[] | null = null;
  Object.defineProperty(qa, 'nonComparable', {
    enumerable: true,
    configurable: true,
    get(): number[] {
      if (memo === null) {
        memo = [];
        let k = 0;
        for (let t = 0; t < V; t++) {
          if (k < compared.length && compared[k] === t) k++;
          else memo.push(t);
        }
      }
      return memo;
    },
  });
  return qa as QueryAnalysis;
}

/** One cycle of a directed graph given as sorted edges, by iterative DFS (no recursion limits). */
function findCycle(order: [number, number][]): number[] | null {
  const adj = new Map<number, number[]>();
  for (const [a, b] of order) {
    let l = adj.get(a);
    if (l === undefined) adj.set(a, (l = []));
    l.push(b);
  }
  const color = new Map<number, number>(); // 1 on the current path, 2 done
  for (const start of adj.keys()) {
    if (color.has(start)) continue;
    const path: number[] = [start];
    const pos: number[] = [0];
    color.set(start, 1);
    while (path.length > 0) {
      const v = path[path.length - 1];
      const nbrs = adj.get(v) ?? [];
      const i = pos[pos.length - 1];
      if (i >= nbrs.length) {
        color.set(v, 2);
        path.pop();
        pos.pop();
        continue;
      }
      pos[pos.length - 1] = i + 1;
      const w = nbrs[i];
      const c = color.get(w);
      if (c === 1) return path.slice(path.indexOf(w));
      if (c === undefined) {
        color.set(w, 1);
        path.push(w);
        pos.push(0);
      }
    }
  }
  return null;
}

/** Most violation messages an error message lists; a broken 10^6-sample file must not build a 100 MB string. */
export const MAX_LISTED_VIOLATIONS = 100;

/** Joins violation messages, listing at most {@link MAX_LISTED_VIOLATIONS}. */
export function formatViolations(violations: readonly Violation[], indent = '  - '): string {
  const shown = violations.slice(0, MAX_LISTED_VIOLATIONS).map((v) => `${indent}${v.message}`);
  if (violations.length > MAX_LISTED_VIOLATIONS) shown.push(`${indent}… and ${violations.length - MAX_LISTED_VIOLATIONS} more`);
  return shown.join('\n');
}

/**
 * Analyzes `ds` and throws NtpError('not-realizable') listing every Assumption-1 violation
 * (up to {@link MAX_LISTED_VIOLATIONS}) unless it is realizable. Returns the analysis.
 */
export function assertRealizable(ds: Dataset): Analysis {
  datasetArg(ds, 'assertRealizable(dataset): dataset');
  const analysis = analyze(ds);
  if (!analysis.realizable) {
    const a1 = analysis.violations.filter((v) => v.kind !== 'assumption-3');
    throw new NtpError(
      'not-realizable',
      `the dataset is not realizable (Assumption 1 fails, ${a1.length} violation${a1.length === 1 ? '' : 's'}):\n${formatViolations(a1)}`,
    );
  }
  return analysis;
}

/** Options of {@link generalizationCases}. */
export interface GeneralizationOptions {
  /** Non-comparable tokens used per query (default 4), so |V| = 1024 stays at a few thousand cases. */
  maxPerQuery?: number;
}

/**
 * Unseen contexts whose prediction Theorem 3 fixes, since the trained W_kq ranks
 * optimal > non-comparable > non-optimal under each query q:
 * - q non-optimal: [o', N_q without q…, q] → n(o') ('nonComparable'), and
 *   [o, o', N_q without q…, q] → n(o) ('withOptimal');
 * - q optimal (then O_q = {q}, else q would be confused): [o', N_q…, q] → n(q) ('withOptimal'),
 *   because q itself outranks o'.
 * o' runs over the non-comparable tokens of q that have a collocation (at most maxPerQuery), o over
 * O_q in turn. On SVOP this gives "S P" → V and "O S P" → P among others. Throws NtpError when
 * the dataset is not realizable, where the theorem says nothing.
 */
export function generalizationCases(ds: Dataset, analysis?: Analysis, opts: GeneralizationOptions = {}): GeneralizationCase[] {
  datasetArg(ds, 'generalizationCases(dataset, analysis, options): dataset');
  if (analysis === undefined) analysis = analyze(ds);
  objectArg(analysis, 'generalizationCases(dataset, analysis, options): analysis');
  opts = optionsArg(opts, 'generalizationCases(dataset, analysis, options): options');
  const maxPerQuery = opts.maxPerQuery ?? 4;
  if (!Number.isInteger(maxPerQuery) || maxPerQuery < 0) {
    throw new NtpError('invalid-option', `option maxPerQuery must be an integer >= 0 (got ${maxPerQuery})`);
  }
  if (!analysis.realizable) {
    throw new NtpError('not-realizable', 'generalization cases need a realizable dataset (Assumption 1 fails; run analyze for the violations)');
  }
  const cases: GeneralizationCase[] = [];
  for (const qa of analysis.queries) {
    const q = qa.query;
    if (qa.optimal.length === 0) continue;
    const qOptimal = qa.optimal.includes(q);
    const rest = qa.nonOptimal.filter((j) => j !== q);
    let used = 0;
    // Walk the complement directly rather than qa.nonComparable, which would materialize |V| ids per query.
    const comparable = new Set([...qa.optimal, ...qa.nonOptimal, ...qa.confused]);
    for (let o2 = 0; o2 < analysis.collocation.length && used < maxPerQuery; o2++) {
      if (comparable.has(o2)) continue;
      const n2 = analysis.collocation[o2];
      if (n2 < 0) continue;
      if (qOptimal) {
        cases.push({ context: [o2, ...rest, q], expected: analysis.collocation[q], kind: 'withOptimal', query: q });
      } else {
        const o = qa.optimal[used % qa.optimal.length];
        cases.push({ context: [o2, ...rest, q], expected: n2, kind: 'nonComparable', query: q });
        cases.push({ context: [o, o2, ...rest, q], expected: analysis.collocation[o], kind: 'withOptimal', query: q });
      }
      used++;
    }
  }
  return cases;
}
