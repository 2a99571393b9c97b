/**
 * The worked examples of docs/theory/cyclic.md#worked-examples as datasets, built from (context, target, count) triples with
 * the collocation n(v) = the next token in vocabulary order (cyclically), so that they are package
 * data: next = n(target).
 */
import type { Dataset } from '../../dataset/types.js';
import { NtpError } from '../../errors.js';
import { arrayArg, rowsArg } from '../../api/arguments.js';

/** A package dataset from target triples: collocation v → v+1 (mod |V|) plus next = n(target). */
export function datasetFromTargets(vocab: string[], samples: ReadonlyArray<[string[], string, number]>, embedding?: number[][]): Dataset {
  arrayArg(vocab, 'datasetFromTargets(vocab, samples, embedding): vocab');
  rowsArg(samples, 'datasetFromTargets(vocab, samples, embedding): samples');
  const V = vocab.length;
  const id = (t: string) => {
    const i = vocab.indexOf(t);
    if (i < 0) throw new NtpError('invalid-dataset', `token ${JSON.stringify(t)} is not in the vocabulary`);
    return i;
  };
  const out: Dataset = { vocab, samples: [], counts: [] };
  for (let v = 0; v < V; v++) {
    out.samples.push({ context: [v], next: (v + 1) % V });
    out.counts.push(1);
  }
  for (const [ctx, target, count] of samples) {
    out.samples.push({ context: ctx.map(id), next: (id(target) + 1) % V });
    out.counts.push(count);
  }
  if (embedding) out.embedding = embedding;
  return out;
}

/** Equi-correlated rows E_i = √ρ e_0 + √(1−ρ) e_{i+1} in R^{V+1} (docs/theory/cyclic.md#model-and-loss and example 2 of docs/theory/cyclic.md#worked-examples): ‖E_i‖ = 1, ⟨E_i, E_j⟩ = ρ. */
export function equiCorrelatedRows(V: number, rho: number): number[][] {
  const a = Math.sqrt(rho);
  const b = Math.sqrt(1 - rho);
  return Array.from({ length: V }, (_, i) => Array.from({ length: V + 1 }, (_, k) => (k === 0 ? a : k === i + 1 ? b : 0)));
}

/** §7.10.1: V = {a,b,c,q}; [a,b,q]→a ×2, [b,a,q]→b, [a,c,q]→a, [c,q]→c. */
export const EXAMPLE_1 = {
  vocab: ['a', 'b', 'c', 'q'],
  samples: [
    [['a', 'b', 'q'], 'a', 2],
    [['b', 'a', 'q'], 'b', 1],
    [['a', 'c', 'q'], 'a', 1],
    [['c', 'q'], 'c', 1],
  ] as Array<[string[], string, number]>,
};

/** §7.10.2: example 1 with q → q1 plus [c,a,q2]→c and [a,q2]→a. */
export const EXAMPLE_2 = {
  vocab: ['a', 'b', 'c', 'q1', 'q2'],
  samples: [
    [['a', 'b', 'q1'], 'a', 2],
    [['b', 'a', 'q1'], 'b', 1],
    [['a', 'c', 'q1'], 'a', 1],
    [['c', 'q1'], 'c', 1],
    [['c', 'a', 'q2'], 'c', 1],
    [['a', 'q2'], 'a', 1],
  ] as Array<[string[], string, number]>,
};

/** §7.10.3: a three-token SCC. */
export const EXAMPLE_3 = {
  vocab: ['a', 'b', 'c', 'q'],
  samples: [
    [['a', 'b', 'q'], 'a', 1],
    [['b', 'c', 'q'], 'b', 1],
    [['c', 'a', 'q'], 'c', 1],
    [['a', 'b', 'c', 'q'], 'a', 1],
  ] as Array<[string[], string, number]>,
};

/** §7.10.4: infeasible with E_a = e1, E_b = e2, E_c = (e1+e2)/2, E_q = e3. */
export const EXAMPLE_4 = {
  vocab: ['a', 'b', 'c', 'q'],
  samples: [
    [['a', 'b', 'q'], 'a', 1],
    [['b', 'a', 'q'], 'b', 1],
    [['a', 'c', 'q'], 'a', 1],
  ] as Array<[string[], string, number]>,
  embedding: [[1, 0, 0], [0, 1, 0], [0.5, 0.5, 0], [0, 0, 1]],
};

/** §7.10.5: one SCC, no direction: [a,q]→a ×3, [a,q]→q ×1. */
export const EXAMPLE_5 = {
  vocab: ['a', 'q'],
  samples: [
    [['a', 'q'], 'a', 3],
    [['a', 'q'], 'q', 1],
  ] as Array<[string[], string, number]>,
};
