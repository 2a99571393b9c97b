import { NtpError } from '../errors.js';
import { createRng } from '../dataset/random.js';

/**
 * How tokens are embedded:
 * - `onehot` (default): E = I, d = |V|; the kernels skip every embedding product.
 * - `orthonormal`: a random rotation of the one-hot basis (the first |V| columns of a random
 *   d×d orthogonal matrix), d ≥ |V|; satisfies the paper's Assumption 2.
 * - `gaussian`: i.i.d. N(0, 1/d) entries, any d; violates Assumption 2, on purpose.
 * - a matrix: one row per token, each of length d.
 */
export type EmbeddingSpec = 'onehot' | 'orthonormal' | 'gaussian' | number[][];

/** A resolved embedding: E is d×|V| row-major (column v is token v), or null for one-hot. */
export interface Embedding {
  kind: 'onehot' | 'orthonormal' | 'gaussian' | 'matrix';
  d: number;
  E: Float64Array | null;
}

/** Resolves an embedding spec for a vocabulary of size V. `d` defaults to V; `seed` to 1. */
export function makeEmbedding(V: number, spec: EmbeddingSpec = 'onehot', opts: { d?: number; seed?: number } = {}): Embedding {
  if (Array.isArray(spec)) return fromRows(V, spec);
  const d = opts.d ?? V;
  if (!Number.isInteger(d) || d < 1) throw new NtpError('invalid-option', `option d must be a positive integer, got ${d}`);
  if (spec !== 'onehot' && d * V > 2 ** 31 - 1) throw new NtpError('too-large', `a ${String(spec)} embedding with d = ${d} has d·|V| = ${d * V} entries, more than a 32-bit index (|V| = ${V})`);
  const rng = createRng(opts.seed ?? 1);
  const gauss = () => {
    // Box–Muller; 1 − u keeps the logarithm's argument in (0, 1]
    const u = 1 - rng.next();
    const v = rng.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  switch (spec) {
    case 'onehot':
      if (d !== V) throw new NtpError('invalid-option', `a one-hot embedding has d = |V| = ${V}, got d = ${d}`);
      return { kind: 'onehot', d, E: null };
    case 'gaussian': {
      const E = new Float64Array(d * V);
      const sd = 1 / Math.sqrt(d);
      for (let i = 0; i < E.length; i++) E[i] = sd * gauss();
      return { kind: 'gaussian', d, E };
    }
    case 'orthonormal': {
      if (d < V) throw new NtpError('invalid-option', `an orthonormal embedding needs d >= |V| = ${V}, got d = ${d}`);
      const E = new Float64Array(d * V);
      for (let i = 0; i < E.length; i++) E[i] = gauss();
      orthonormalizeColumns(E, d, V);
      return { kind: 'orthonormal', d, E };
    }
    default:
      throw new NtpError('invalid-option', `unknown embedding "${String(spec)}" (expected onehot, orthonormal, gaussian or a matrix)`);
  }
}

/**
 * Checks a resolved Embedding handed to the API against the vocabulary: one-hot means E = null
 * and d = |V|; otherwise E holds d×|V| finite numbers. Returns it unchanged.
 */
export function checkEmbeddingObject(emb: Embedding, V: number): Embedding {
  const bad = (m: string): never => {
    throw new NtpError('bad-embedding', m);
  };
  const { kind, d, E } = emb;
  if (!['onehot', 'orthonormal', 'gaussian', 'matrix'].includes(kind)) bad(`embedding kind must be onehot, orthonormal, gaussian or matrix, got ${JSON.stringify(kind)}`);
  if (!Number.isInteger(d) || d < 1) bad(`embedding d must be a positive integer, got ${String(d)}`);
  if (kind === 'onehot') {
    if (E !== null) bad('a one-hot embedding has E = null');
    if (d !== V) bad(`a one-hot embedding has d = |V| = ${V}, got d = ${d}`);
    return emb;
  }
  if (!(E instanceof Float64Array)) bad(`a ${kind} embedding needs E, a Float64Array of d×|V| entries`);
  const e = E as Float64Array;
  if (e.length !== d * V) bad(`the embedding has ${e.length} entries, expected d×|V| = ${d * V}`);
  for (let k = 0; k < e.length; k++) if (!Number.isFinite(e[k])) bad(`embedding entry ${k} (row ${Math.floor(k / V)}, token ${k % V}) is not a finite number`);
  return emb;
}

function fromRows(V: number, rows: number[][]): Embedding {
  if (rows.length !== V) throw new NtpError('bad-embedding', `the embedding has ${rows.length} rows, expected one per token (${V})`);
  const d = rows[0]?.length ?? 0;
  if (d < 1) throw new NtpError('bad-embedding', 'embedding row 0 is empty');
  const E = new Float64Array(d * V);
  rows.forEach((row, v) => {
    if (row.length !== d) throw new NtpError('bad-embedding', `embedding row ${v} has length ${row.length}, expected ${d}`);
    row.forEach((x, i) => {
      if (!Number.isFinite(x)) throw new NtpError('bad-embedding', `embedding row ${v}, entry ${i} is not a finite number`);
      E[i * V + v] = x;
    });
  });
  return { kind: 'matrix', d, E };
}

/** Modified Gram–Schmidt, twice, on the columns of a d×n row-major matrix (n ≤ d). */
function orthonormalizeColumns(E: Float64Array, d: number, n: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += E[i * n + k] * E[i * n + j];
        for (let i = 0; i < d; i++) E[i * n + j] -= dot * E[i * n + k];
      }
      let norm = 0;
      for (let i = 0; i < d; i++) norm += E[i * n + j] ** 2;
      norm = Math.sqrt(norm);
      for (let i = 0; i < d; i++) E[i * n + j] /= norm;
    }
  }
}
