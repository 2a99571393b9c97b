import { NtpError } from '../errors.js';
import { findDuplicateKey } from '../io/json-keys.js';
import type { ModelParameters } from './predict.js';
import { objectArg, arrayArg, stringArg } from '../api/arguments.js';

/** The model.json format: vocabulary, W_ov (|V|×d), W_kq (d×d), embedding rows per token (null: one-hot). */
export interface ModelJSON {
  format: 'ntp-dynamics/model@1';
  vocab: string[];
  d: number;
  Wov: number[][];
  Wkq: number[][];
  embedding: number[][] | null;
}

/** Nested row-major arrays of a rows×cols matrix. */
export function toRows(a: ArrayLike<number>, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => a[i * cols + j]));
}

/** A trained model as JSON-ready data. */
export function modelToJSON(vocab: readonly string[], p: ModelParameters): ModelJSON {
  arrayArg(vocab, 'modelToJSON(vocab, parameters): vocab');
  objectArg(p, 'modelToJSON(vocab, parameters): parameters');
  const { V, d } = p;
  return {
    format: 'ntp-dynamics/model@1',
    vocab: [...vocab],
    d,
    Wov: toRows(p.Wov, V, d),
    Wkq: toRows(p.Wkq, d, d),
    // E is d×|V|; the file stores one row per token, as the dataset format does
    embedding: p.E ? Array.from({ length: V }, (_, v) => Array.from({ length: d }, (_, i) => (p.E as ArrayLike<number>)[i * V + v])) : null,
  };
}

/** Parses model.json, checking every shape and value. */
export function parseModel(text: string): { vocab: string[]; parameters: ModelParameters } {
  stringArg(text, 'parseModel(text): text');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new NtpError('bad-model', `model file is not valid JSON: ${(e as Error).message}`);
  }
  const dup = findDuplicateKey(text);
  if (dup) throw new NtpError('bad-model', `model file has the key ${JSON.stringify(dup.key)} twice (line ${dup.line}, column ${dup.column})`);
  const m = raw as Partial<ModelJSON>;
  if (typeof m !== 'object' || m === null || m.format !== 'ntp-dynamics/model@1') {
    throw new NtpError('bad-model', 'not a model file (expected "format": "ntp-dynamics/model@1")');
  }
  if (!Array.isArray(m.vocab) || m.vocab.length === 0 || m.vocab.some((t) => typeof t !== 'string')) throw new NtpError('bad-model', 'model "vocab" must be a non-empty array of strings');
  const seen = new Map<string, number>();
  m.vocab.forEach((t: string, i) => {
    if (t.length === 0) throw new NtpError('bad-model', `model vocab entry ${i} is an empty string`);
    const prev = seen.get(t);
    if (prev !== undefined) throw new NtpError('bad-model', `model vocab entry ${JSON.stringify(t)} appears twice (positions ${prev} and ${i})`);
    seen.set(t, i);
  });
  const V = m.vocab.length;
  const d = m.d;
  if (!Number.isInteger(d) || (d as number) < 1) throw new NtpError('bad-model', 'model "d" must be a positive integer');
  const flat = (name: string, rows: unknown, r: number, c: number): Float64Array => {
    if (!Array.isArray(rows) || rows.length !== r) throw new NtpError('bad-model', `model "${name}" must have ${r} rows`);
    // every shape is checked before the allocation: a 126-byte file may claim d = 2^31
    rows.forEach((row: unknown, i) => {
      if (!Array.isArray(row) || row.length !== c) throw new NtpError('bad-model', `model "${name}" row ${i} must have ${c} entries`);
    });
    const out = new Float64Array(r * c);
    (rows as unknown[][]).forEach((row, i) => {
      row.forEach((x: unknown, j) => {
        if (typeof x !== 'number' || !Number.isFinite(x)) throw new NtpError('bad-model', `model "${name}"[${i}][${j}] is not a finite number`);
        out[i * c + j] = x;
      });
    });
    return out;
  };
  const D = d as number;
  let E: Float64Array | null = null;
  if (m.embedding !== null && m.embedding !== undefined) {
    const rowsPerToken = flat('embedding', m.embedding, V, D);
    E = new Float64Array(D * V);
    for (let v = 0; v < V; v++) for (let i = 0; i < D; i++) E[i * V + v] = rowsPerToken[v * D + i];
  } else if (D !== V) {
    throw new NtpError('bad-model', `a model without embedding is one-hot and needs d = |V| = ${V}, got ${D}`);
  }
  return { vocab: m.vocab, parameters: { V, d: D, Wov: flat('Wov', m.Wov, V, D), Wkq: flat('Wkq', m.Wkq, D, D), E } };
}
