/**
 * Dataset generators of the cyclic family (docs/theory/cyclic.md#training-variants): Li et al.'s random cyclic generator
 * (`next_data`) and a deterministic one that plants a condensation DAG with cycles per query;
 * equi-correlated and normalized-Gaussian embeddings (§7.1). Both generators emit package data:
 * collocation n(v) = v+1 (mod |V|) and next token n(o) for target o.
 */
import { createRng } from '../../dataset/random.js';
import type { Dataset } from '../../dataset/types.js';
import { NtpError } from '../../errors.js';
import { fromTargets, hasCycle } from '../../dataset/cyclic-orders.js';
import { optionsArg, objectArg, arrayArg } from '../../api/arguments.js';

/** Options of {@link generateLiCyclic}. */
export interface LiCyclicOptions {
  /** samples n (default 6) */
  samples?: number;
  /** context length T, distinct tokens, the last is the query (default 4) */
  length?: number;
  /** vocabulary size K (default 6) */
  vocab?: number;
  /** seed (default 1) */
  seed?: number;
  /** attempts before giving up on a cycle (default 10 000) */
  maxAttempts?: number;
}

const names = (K: number) => Array.from({ length: K }, (_, i) => `t${i}`);

function withCollocation(vocab: string[], samples: Array<{ context: number[]; target: number }>): Dataset {
  const V = vocab.length;
  const ds: Dataset = { vocab, samples: [], counts: [] };
  for (let v = 0; v < V; v++) ds.samples.push({ context: [v], next: (v + 1) % V }), ds.counts.push(1);
  const index = new Map<string, number>();
  for (const s of samples) {
    const key = `${s.context.join(',')}>${s.target}`;
    const at = index.get(key);
    if (at !== undefined) ds.counts[at]++;
    else {
      index.set(key, ds.samples.length);
      ds.samples.push({ context: s.context, next: (s.target + 1) % V });
      ds.counts.push(1);
    }
  }
  return ds;
}

/**
 * Li et al.'s generator [code data_utils.py:14-88]: n samples of T distinct tokens out of K, label
 * uniform on [K], replaced by a random context token when absent; regenerated until some query's
 * token-priority graph has a cycle.
 * @throws NtpError 'invalid-option' naming the option; 'no-cycle' after maxAttempts.
 */
export function generateLiCyclic(opts: LiCyclicOptions = {}): Dataset {
  opts = optionsArg(opts, 'generateLiCyclic(options): options');
  const n = opts.samples ?? 6;
  const T = opts.length ?? 4;
  const K = opts.vocab ?? 6;
  const maxAttempts = opts.maxAttempts ?? 10_000;
  for (const [k, v, lo] of [['samples', n, 1], ['length', T, 2], ['vocab', K, 2], ['maxAttempts', maxAttempts, 1]] as const) {
    if (!Number.isInteger(v) || v < lo) throw new NtpError('invalid-option', `option ${k} must be an integer >= ${lo} (got ${v})`);
  }
  if (T > K) throw new NtpError('invalid-option', `option length (${T}) must not exceed vocab (${K}): tokens in a context are distinct`);
  const rng = createRng(opts.seed ?? 1);
  const vocab = names(K);
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const samples: Array<{ context: number[]; target: number }> = [];
    for (let i = 0; i < n; i++) {
      const perm = rng.shuffle(Array.from({ length: K }, (_, t) => t));
      const context = perm.slice(0, T);
      let target = rng.int(K);
      if (!context.includes(target)) target = context[rng.int(T)];
      samples.push({ context, target });
    }
    const data = fromTargets(vocab, samples.map((s) => ({ ...s, count: 1 })));
    if (hasCycle(data)) return withCollocation(vocab, samples);
  }
  throw new NtpError('no-cycle', `no dataset with a cycle in ${maxAttempts} attempts (samples ${n}, length ${T}, vocab ${K})`);
}

/** One query's planted structure: SCCs (token names) and condensed edges between them (indices). */
export interface PlantedQuery {
  query: string;
  sccs: string[][];
  edges: Array<[number, number]>;
}

/**
 * Deterministic generator: for every query, a cycle through each SCC ([c_i, c_{i+1}, q] → c_i) and
 * one sample per condensed edge ([C_0, D_0, q] → C_0). The query token is the sink SCC {q} below
 * every target (it may not be planted in an SCC).
 */
export function generatePlanted(vocab: string[], plan: readonly PlantedQuery[]): Dataset {
  arrayArg(vocab, 'generatePlanted(vocab, plan): vocab');
  arrayArg(plan, 'generatePlanted(vocab, plan): plan');
  plan.forEach((q, i) => objectArg(q, `generatePlanted(vocab, plan): plan[${i}]`));
  const id = (t: string, where: string) => {
    const i = vocab.indexOf(t);
    if (i < 0) throw new NtpError('invalid-option', `${where}: token ${JSON.stringify(t)} is not in the vocabulary`);
    return i;
  };
  const samples: Array<{ context: number[]; target: number }> = [];
  plan.forEach((p, k) => {
    const q = id(p.query, `plan[${k}].query`);
    const sccs = p.sccs.map((c, i) => c.map((t) => {
      const v = id(t, `plan[${k}].sccs[${i}]`);
      if (v === q) throw new NtpError('invalid-option', `plan[${k}].sccs[${i}]: the query ${JSON.stringify(t)} cannot be planted in an SCC (it is the sink)`);
      return v;
    }));
    for (const c of sccs) {
      for (let i = 0; c.length > 1 && i < c.length; i++) samples.push({ context: [c[i], c[(i + 1) % c.length], q], target: c[i] });
    }
    for (const [C, D] of p.edges) {
      if (!sccs[C] || !sccs[D]) throw new NtpError('invalid-option', `plan[${k}].edges: SCC index ${sccs[C] ? D : C} out of range`);
      samples.push({ context: [sccs[C][0], sccs[D][0], q], target: sccs[C][0] });
    }
  });
  return withCollocation(vocab, samples);
}

/** Equi-correlated embedding rows E_i = √ρ e_0 + √(1−ρ) e_{i+1} in R^{V+1}: ‖E_i‖ = 1, ⟨E_i, E_j⟩ = ρ (docs/theory/cyclic.md#model-and-loss). */
export function equiCorrelated(V: number, rho: number): number[][] {
  if (!(rho >= 0 && rho < 1)) throw new NtpError('invalid-option', `option rho must be in [0, 1) (got ${rho})`);
  const a = Math.sqrt(rho);
  const b = Math.sqrt(1 - rho);
  return Array.from({ length: V }, (_, i) => Array.from({ length: V + 1 }, (_, k) => (k === 0 ? a : k === i + 1 ? b : 0)));
}

/** Li et al.'s `random` embedding: Gaussian rows normalized to unit length, V rows of length d. */
export function normalizedGaussian(V: number, d: number, seed: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: V }, () => {
    const row = Array.from({ length: d }, () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next()));
    const s = Math.sqrt(row.reduce((a, x) => a + x * x, 0));
    return row.map((x) => x / s);
  });
}
