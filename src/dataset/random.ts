import { NtpError } from '../errors.js';
import { SampleIndex } from './sample-index.js';
import type { Dataset, Sample } from './types.js';
import { optionsArg } from '../api/arguments.js';

/** A seeded pseudo-random generator. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n); n must be a positive integer ≤ 2^32. */
  int(n: number): number;
  /** Shuffles `a` in place (Fisher–Yates) and returns it. */
  shuffle<T>(a: T[]): T[];
  /**
   * Fills out[start … end) with base + int(n): the same draws as end − start calls of `int(n)`, in
   * one loop without a call per draw (streamed data generators fill 10^5 tokens per batch).
   */
  fillInt(out: Int32Array, start: number, end: number, base: number, n: number): void;
}

/**
 * mulberry32: 32-bit integer arithmetic only (Math.imul, shifts), so a seed gives the same stream
 * in every JavaScript engine, Node or browser. Seeds are taken modulo 2^32.
 */
export function createRng(seed: number): Rng {
  if (!Number.isInteger(seed)) throw new NtpError('invalid-option', `option seed must be an integer (got ${seed})`);
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    fillInt(out: Int32Array, start: number, end: number, base: number, n: number): void {
      // next() with its state in a local: the same arithmetic, so the same stream
      let s = a;
      for (let i = start; i < end; i++) {
        s = (s + 0x6d2b79f5) | 0;
        let t = Math.imul(s ^ (s >>> 15), 1 | s);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        out[i] = base + Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
      }
      a = s;
    },
    shuffle<T>(arr: T[]): T[] {
      for (let i = arr.length - 1; i > 0; i--) {
        const j = int(i + 1);
        const tmp = arr[i];
        arr[i] = arr[j];
        arr[j] = tmp;
      }
      return arr;
    },
  };
}

/** Options of {@link generateRealizable}. */
export interface GenerateOptions {
  /** Vocabulary size |V| (default 20). */
  vocab?: number;
  /** PRNG seed, an integer in [0, 2^32) (default 1). */
  seed?: number;
  /** Samples of length ≥ 2 per query token (default 6). */
  samplesPerQuery?: number;
  /** Longest context (default 8). */
  maxContextLength?: number;
  /** |O_q|, optimal tokens per query (default 2). */
  optimalPerQuery?: number;
  /** |N_q|, non-optimal tokens per query, the query itself included when it is non-optimal (default 4). */
  nonOptimalPerQuery?: number;
  /**
   * false (default): every optimal token of a query meets every non-optimal one in some sample,
   * the case where Proposition 2's closed form for W*_kq is exact. true: for every query one
   * optimal token meets only the query itself among the non-optimal tokens (the shape of the
   * counter-example in docs/theory/core.md#proposition-2-is-not-always-exact); with more non-optimal than optimal tokens per query the closed
   * form is then provably not the max-margin solution.
   */
  incomplete?: boolean;
  /**
   * Embedding name ('onehot' by default). Recorded nowhere: the generator always leaves
   * `Dataset.embedding` undefined and the engine builds non-one-hot embeddings itself.
   */
  embedding?: string;
}

type IntOption = 'vocab' | 'seed' | 'samplesPerQuery' | 'maxContextLength' | 'optimalPerQuery' | 'nonOptimalPerQuery';

/** Fully resolved generator options. */
export type ResolvedGenerateOptions = Required<Omit<GenerateOptions, 'embedding'>> & { embedding: string };

/** Largest |V| the generator accepts: the per-query analysis lists (O(|V|²) ids in total) and the |V|×|V| weights grow too big beyond it. */
export const MAX_GENERATED_VOCAB = 4096;

const ceilDiv = (a: number, b: number): number => (a <= 0 ? 0 : b <= 0 ? Infinity : Math.ceil(a / b));

/**
 * Resolves defaults and validates the options. `nameOf` maps an option to the name the user
 * typed (the CLI passes its flag names) so errors point at what the user can fix.
 */
export function resolveGenerateOptions(
  opts: GenerateOptions = {},
  nameOf: (key: keyof GenerateOptions) => string = (k) => k,
): ResolvedGenerateOptions {
  const bad = (msg: string): never => {
    throw new NtpError('invalid-option', msg);
  };
  const int = (key: IntOption, dflt: number, min: number, max: number, what: string): number => {
    const v = opts[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      bad(`option ${nameOf(key)} must be ${what} (got ${String(v)})`);
    }
    return v;
  };
  const V = int('vocab', 20, 2, MAX_GENERATED_VOCAB, `an integer >= 2 and <= ${MAX_GENERATED_VOCAB}`);
  const seed = int('seed', 1, 0, 0xffffffff, 'an integer in [0, 4294967295]');
  const S = int('samplesPerQuery', 6, 1, 1_000_000, 'an integer >= 1');
  const L = int('maxContextLength', 8, 2, 1_000_000, 'an integer >= 2');
  const kO = int('optimalPerQuery', 2, 1, V, 'an integer >= 1');
  const kN = int('nonOptimalPerQuery', 4, 1, V, 'an integer >= 1');
  const incomplete = opts.incomplete ?? false;
  if (typeof incomplete !== 'boolean') bad(`option ${nameOf('incomplete')} must be a boolean`);
  const embedding = opts.embedding ?? 'onehot';
  if (typeof embedding !== 'string') bad(`option ${nameOf('embedding')} must be a string`);
  const names = `${nameOf('optimalPerQuery')}=${kO}, ${nameOf('nonOptimalPerQuery')}=${kN}, ${nameOf('maxContextLength')}=${L}`;
  if (kO + kN > V) {
    bad(`options ${nameOf('optimalPerQuery')} (${kO}) + ${nameOf('nonOptimalPerQuery')} (${kN}) must be <= ${nameOf('vocab')} (${V}): a query's optimal and non-optimal tokens are distinct tokens`);
  }
  if (kN >= 2 && L < 3) {
    bad(`option ${nameOf('maxContextLength')} must be >= 3 when ${nameOf('nonOptimalPerQuery')} >= 2: an optimal token and the query already fill a context of length 2`);
  }
  if (incomplete && (kO < 2 || kN <= kO)) {
    bad(`option ${nameOf('incomplete')} needs ${nameOf('optimalPerQuery')} >= 2 and ${nameOf('nonOptimalPerQuery')} > ${nameOf('optimalPerQuery')} (got ${kO} and ${kN}): otherwise Proposition 2's closed form can still be exact`);
  }
  const need = coverageSamples(kO, kN, L, incomplete);
  if (S < need) {
    bad(`option ${nameOf('samplesPerQuery')} must be >= ${need} with ${names}${incomplete ? ` and ${nameOf('incomplete')}` : ''}: every optimal token must meet every non-optimal token it is meant to meet`);
  }
  return { vocab: V, seed, samplesPerQuery: S, maxContextLength: L, optimalPerQuery: kO, nonOptimalPerQuery: kN, incomplete, embedding };
}

/** How many samples per query it takes to realise the planned comparison graph, worst case. */
function coverageSamples(kO: number, kN: number, L: number, incomplete: boolean): number {
  // Query non-optimal: each sample holds the optimal token, the query and up to L-2 others.
  const perO = (others: number) => Math.max(1, ceilDiv(others, L - 2));
  let need = incomplete ? 1 + (kO - 1) * perO(kN - 1) : kO * perO(kN - 1);
  // Query optimal (only drawn when kO = 1): the query and up to L-1 non-optimal tokens.
  if (kO === 1 && !incomplete) need = Math.max(need, Math.max(1, ceilDiv(kN, L - 1)));
  return need;
}

/** Token names t0 … t(|V|-1). */
export function generatedTokenNames(V: number): string[] {
  return Array.from({ length: V }, (_, i) => `t${i}`);
}

/**
 * Draws k distinct tokens from 0..V-1 outside `exclude`. Rejection sampling keeps large
 * vocabularies at O(k) per query; when k is a big share of the candidates, a partial
 * Fisher–Yates over the candidate list is faster and never stalls.
 */
function drawDistinct(rng: Rng, V: number, k: number, exclude: Set<number>): number[] {
  const out: number[] = [];
  if (4 * (k + exclude.size) <= V) {
    const taken = new Set<number>();
    while (out.length < k) {
      const t = rng.int(V);
      if (exclude.has(t) || taken.has(t)) continue;
      taken.add(t);
      out.push(t);
    }
    return out;
  }
  const pool: number[] = [];
  for (let t = 0; t < V; t++) if (!exclude.has(t)) pool.push(t);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(pool.length - i);
    const tmp = pool[i];
    pool[i] = pool[j];
    pool[j] = tmp;
    out.push(pool[i]);
  }
  return out;
}

/**
 * Generates a random realizable dataset (Assumptions 1 and 3 hold by construction):
 * - a random permutation n of the tokens is the collocation, one length-1 sample [x] → n(x) each;
 * - for every query q, disjoint optimal tokens O_q and non-optimal tokens N_q (q ∈ N_q unless q
 *   is drawn as the single optimal token, which is only possible with optimalPerQuery = 1: an
 *   optimal q would otherwise be below the other optimal tokens, i.e. confused);
 * - samplesPerQuery samples per q: one o ∈ O_q (label n(o)), some tokens of N_q, q last, o
 *   repeated at least as often as any non-optimal token (Assumption 3).
 * Every comparison is o >_q j with o ∈ O_q, j ∈ N_q, so no token is confused and the orders are
 * acyclic. Tokens outside O_q ∪ N_q are non-comparable under q. Duplicate samples (rare, only
 * when the option space is tiny) raise counts.
 */
export function generateRealizable(opts: GenerateOptions = {}, nameOf?: (key: keyof GenerateOptions) => string): Dataset {
  opts = optionsArg(opts, 'generateRealizable(options): options');
  const o = resolveGenerateOptions(opts, nameOf);
  const V = o.vocab;
  const L = o.maxContextLength;
  const kO = o.optimalPerQuery;
  const kN = o.nonOptimalPerQuery;
  const rng = createRng(o.seed);
  const perm = rng.shuffle(Array.from({ length: V }, (_, i) => i));

  const samples: Sample[] = [];
  const counts: number[] = [];
  const index = new SampleIndex(samples);
  const add = (context: number[], next: number) => {
    const at = index.find(context, next);
    if (at >= 0) counts[at]++;
    else {
      samples.push({ context, next });
      counts.push(1);
      index.add(samples.length - 1);
    }
  };
  for (let x = 0; x < V; x++) add([x], perm[x]);

  for (let q = 0; q < V; q++) {
    // With several optimal tokens q cannot be one of them (it would be confused), see above.
    const O = kO === 1 && !o.incomplete ? [rng.int(V)] : drawDistinct(rng, V, kO, new Set([q]));
    const qOptimal = O[0] === q;
    const N = qOptimal ? drawDistinct(rng, V, kN, new Set([q])) : [q, ...drawDistinct(rng, V, kN - 1, new Set([q, ...O]))];
    // Non-optimal tokens other than the query, which itself is in every context anyway.
    const others = qOptimal ? N : N.slice(1);
    // incomplete: O[0] meets only the query (O is random already, so a fixed position suffices).
    const allowed = (opt: number) => (opt === O[0] && o.incomplete ? [] : others);
    const slots = qOptimal ? L - 1 : L - 2;

    /** Builds a context: `opt` and its non-optimal tokens with multiplicities, q last. */
    const makeContext = (opt: number, chosen: number[], extra: number): number[] => {
      const cnt = new Map<number, number>();
      cnt.set(opt, 1);
      for (const j of chosen) cnt.set(j, 1);
      if (!qOptimal) cnt.set(q, 1);
      // Extra copies keep count(j) <= count(opt) at every step, hence Assumption 3.
      for (let e = 0; e < extra; e++) {
        const copt = cnt.get(opt)!;
        const cands = [opt];
        for (const [t, c] of cnt) if (t !== opt && c < copt) cands.push(t);
        const t = cands[rng.int(cands.length)];
        cnt.set(t, cnt.get(t)! + 1);
      }
      const body: number[] = [];
      for (const [t, c] of cnt) for (let r = t === q ? 1 : 0; r < c; r++) body.push(t);
      rng.shuffle(body);
      body.push(q);
      return body;
    };

    let made = 0;
    // Coverage first: every optimal token meets each allowed non-optimal token.
    for (const opt of O) {
      const need = allowed(opt);
      const chunks = Math.max(1, ceilDiv(need.length, slots));
      for (let c = 0; c < chunks; c++) {
        const chunk = need.slice(c * slots, (c + 1) * slots);
        if (qOptimal && chunk.length === 0) continue;
        add(makeContext(opt, chunk, 0), perm[opt]);
        made++;
      }
    }
    // Then random samples; a few retries avoid duplicates without ever looping forever.
    for (; made < o.samplesPerQuery; made++) {
      let context: number[] = [];
      let opt = O[0];
      for (let attempt = 0; attempt < 16; attempt++) {
        opt = O[rng.int(O.length)];
        const pool = allowed(opt).slice();
        const maxM = Math.min(pool.length, slots);
        const minM = qOptimal ? 1 : 0;
        const m = minM + rng.int(maxM - minM + 1);
        rng.shuffle(pool);
        const chosen = pool.slice(0, m);
        const len = 1 + m + (qOptimal ? 0 : 1);
        // Half the samples without repeats, so repeated tokens season the data rather than dominate it.
        const extra = rng.next() < 0.5 ? 0 : rng.int(L - len + 1);
        context = makeContext(opt, chosen, extra);
        if (index.find(context, perm[opt]) < 0) break;
      }
      add(context, perm[opt]);
    }
  }
  return { vocab: generatedTokenNames(V), samples, counts };
}
