/**
 * The dataset file format and the programmatic builders.
 *
 * File format (JSON):
 *
 * ```json
 * {
 *   "vocab": ["S", "V", "O", "P"],
 *   "samples": [ { "context": ["S", "V"], "next": "O", "count": 2 } ],
 *   "sentences": [["S", "V", "O", "P"], ["V", "O", "P"]],
 *   "embedding": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]],
 *   "description": "free text, ignored"
 * }
 * ```
 *
 * A sample's optional `count` (a positive integer, default 1) is its multiplicity: a sample listed
 * twice and a sample with `"count": 2` are the same thing. {@link datasetToJSON} writes every
 * distinct sample once and a `count` field only when it is not 1, so files stay short and
 * {@link parseDataset} reads them back to the identical {@link Dataset}.
 *
 * Sample and sentence indices in error messages are 0-based positions in the JSON arrays.
 */
import { NtpError } from '../errors.js';
import { SampleIndex } from './sample-index.js';
import { findDuplicateKey } from '../io/json-keys.js';
import type { Dataset, Sample } from './types.js';
import { windowsFromTexts, type TextOptions } from './text.js';
import { datasetArg, stringArg } from '../api/arguments.js';

/** The JSON shape of a dataset file, as {@link datasetToJSON} writes it. */
export interface DatasetJSON {
  vocab: string[];
  samples?: { context: string[]; next: string; count?: number }[];
  sentences?: string[][];
  embedding?: number[][];
  description?: string;
}

/** A sample given to {@link fromArrays}: token names or token ids, optionally with a multiplicity. */
export interface ArraySample {
  context: readonly string[] | readonly number[];
  next: string | number;
  count?: number;
}

/** Options of {@link fromArrays}. */
export interface FromArraysOptions {
  /** One row per token; absent means one-hot. */
  embedding?: number[][];
}

/**
 * Sentences expand quadratically (a sentence of K tokens yields ~K²/2 context ids), so one long
 * line of text could exhaust memory; beyond this many ids we refuse with a clear message instead.
 */
export const MAX_TOTAL_CONTEXT_IDS = 50_000_000;

const TOP_LEVEL_KEYS = new Set(['vocab', 'samples', 'sentences', 'embedding', 'description']);
const SAMPLE_KEYS = new Set(['context', 'next', 'count']);

function fail(message: string): never {
  throw new NtpError('invalid-dataset', message);
}

/** Quotes a token name for messages; JSON quoting keeps odd names (spaces, quotes) readable. */
export function quoteToken(name: string): string {
  return JSON.stringify(name);
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/** Accumulates distinct samples with multiplicities, deduplicated through a {@link SampleIndex}. */
class DatasetBuilder {
  readonly samples: Sample[] = [];
  readonly counts: number[] = [];
  private readonly index = new SampleIndex(this.samples);
  private totalIds = 0;

  constructor(readonly vocab: string[]) {}

  add(context: number[], next: number, count: number, where: () => string): void {
    const at = this.index.find(context, next);
    if (at >= 0) {
      this.counts[at] += count;
      if (!Number.isSafeInteger(this.counts[at])) fail(`${where()}: its count adds up to more than 2^53 - 1 with the earlier copies of the same sample, past exact integers`);
      return;
    }
    this.totalIds += context.length;
    if (this.totalIds > MAX_TOTAL_CONTEXT_IDS) {
      fail(
        `${where()}: the samples would hold more than ${MAX_TOTAL_CONTEXT_IDS} context tokens in total ` +
          '(sentences expand to every prefix); split long sentences',
      );
    }
    this.samples.push({ context, next });
    this.counts.push(count);
    this.index.add(this.samples.length - 1);
  }

  build(embedding: number[][] | undefined): Dataset {
    if (this.samples.length === 0) fail('the dataset has no samples');
    let total = 0;
    for (const c of this.counts) total += c;
    if (!Number.isSafeInteger(total)) fail(`the counts add up to more than 2^53 - 1, past exact integers (frequencies π_n = count / Σ counts would be inexact)`);
    const ds: Dataset = { vocab: this.vocab, samples: this.samples, counts: this.counts };
    if (embedding !== undefined) ds.embedding = embedding;
    return ds;
  }
}

function checkVocab(vocab: unknown): Map<string, number> {
  if (!Array.isArray(vocab)) fail(`"vocab" must be an array of token strings (got ${describeValue(vocab)})`);
  if (vocab.length === 0) fail('"vocab" is empty');
  const index = new Map<string, number>();
  for (let i = 0; i < vocab.length; i++) {
    const t: unknown = vocab[i];
    if (typeof t !== 'string') fail(`vocab entry ${i} must be a string (got ${describeValue(t)})`);
    if (t.length === 0) fail(`vocab entry ${i} is an empty string`);
    const prev = index.get(t);
    if (prev !== undefined) fail(`duplicate vocab entry ${quoteToken(t)} (vocab positions ${prev} and ${i})`);
    index.set(t, i);
  }
  return index;
}

/**
 * Checks an embedding against the vocabulary size and returns a copy with plain number rows.
 * Orthonormality (the paper's Assumption 2) is the engine's concern, not the format's.
 */
export function checkEmbedding(embedding: unknown, vocab: readonly string[]): number[][] {
  if (!Array.isArray(embedding)) fail(`"embedding" must be an array of rows (got ${describeValue(embedding)})`);
  if (embedding.length !== vocab.length) {
    fail(`"embedding" has ${embedding.length} rows but vocab has ${vocab.length} tokens (one row per token)`);
  }
  let d = -1;
  const out: number[][] = new Array(embedding.length);
  for (let r = 0; r < embedding.length; r++) {
    const row: unknown = embedding[r];
    if (!Array.isArray(row)) fail(`embedding row ${r} (${quoteToken(vocab[r])}) must be an array of numbers (got ${describeValue(row)})`);
    if (row.length === 0) fail(`embedding row ${r} (${quoteToken(vocab[r])}) is empty`);
    if (d < 0) d = row.length;
    else if (row.length !== d) {
      fail(`embedding row ${r} (${quoteToken(vocab[r])}) has length ${row.length} but row 0 has length ${d} (rows must all have the same length)`);
    }
    const copy: number[] = new Array(d);
    for (let c = 0; c < row.length; c++) {
      const v: unknown = row[c];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        fail(`embedding row ${r} (${quoteToken(vocab[r])}), column ${c} is not a finite number (got ${describeValue(v)})`);
      }
      copy[c] = v;
    }
    out[r] = copy;
  }
  return out;
}

function checkCount(v: unknown, where: string): number {
  if (v === undefined) return 1;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
    fail(`${where}: "count" must be a positive integer (got ${describeValue(v)})`);
  }
  return v;
}

/** Resolves one token given by name or id; `where` prefixes the message. */
function tokenId(t: unknown, index: Map<string, number>, vocabSize: number, where: string, role: string): number {
  if (typeof t === 'string') {
    const id = index.get(t);
    if (id === undefined) fail(`${where}: ${role}${quoteToken(t)} is not in vocab`);
    return id;
  }
  if (typeof t === 'number') {
    if (!Number.isInteger(t) || t < 0 || t >= vocabSize) {
      fail(`${where}: ${role}id ${t} is out of range (vocab has ${vocabSize} tokens)`);
    }
    return t;
  }
  fail(`${where}: ${role}must be a token string (got ${describeValue(t)})`);
}

function addSamples(b: DatasetBuilder, samples: unknown, index: Map<string, number>, allowIds: boolean): void {
  if (!Array.isArray(samples)) fail(`"samples" must be an array (got ${describeValue(samples)})`);
  const V = b.vocab.length;
  for (let n = 0; n < samples.length; n++) {
    const s: unknown = samples[n];
    const where = `sample ${n}`;
    if (typeof s !== 'object' || s === null || Array.isArray(s)) {
      fail(`${where}: must be an object {"context": [...], "next": ...} (got ${describeValue(s)})`);
    }
    const obj = s as Record<string, unknown>;
    for (const k in obj) {
      if (!SAMPLE_KEYS.has(k)) fail(`${where}: unknown field ${quoteToken(k)} (allowed: context, next, count)`);
    }
    const ctx = obj.context;
    if (ctx === undefined) fail(`${where}: missing "context"`);
    if (!Array.isArray(ctx)) fail(`${where}: "context" must be an array of tokens (got ${describeValue(ctx)})`);
    if (ctx.length === 0) fail(`${where}: context is empty (a sample needs at least its query token)`);
    if (obj.next === undefined) fail(`${where}: missing "next"`);
    const ids: number[] = new Array(ctx.length);
    for (let l = 0; l < ctx.length; l++) {
      const t: unknown = ctx[l];
      if (!allowIds && typeof t !== 'string') fail(`${where}: context token ${l} must be a string (got ${describeValue(t)})`);
      ids[l] = tokenId(t, index, V, where, 'token ');
    }
    if (!allowIds && typeof obj.next !== 'string') fail(`${where}: "next" must be a token string (got ${describeValue(obj.next)})`);
    const next = tokenId(obj.next, index, V, where, 'next token ');
    b.add(ids, next, checkCount(obj.count, where), () => where);
  }
}

function addSentences(b: DatasetBuilder, sentences: unknown, index: Map<string, number>): void {
  if (!Array.isArray(sentences)) fail(`"sentences" must be an array of token arrays (got ${describeValue(sentences)})`);
  for (let s = 0; s < sentences.length; s++) {
    const sent: unknown = sentences[s];
    if (!Array.isArray(sent)) fail(`sentence ${s}: must be an array of tokens (got ${describeValue(sent)})`);
    if (sent.length < 2) {
      fail(`sentence ${s}: has ${sent.length} token${sent.length === 1 ? '' : 's'}; a sentence needs at least 2 to give a sample`);
    }
    const ids: number[] = new Array(sent.length);
    for (let k = 0; k < sent.length; k++) {
      const t: unknown = sent[k];
      if (typeof t !== 'string') fail(`sentence ${s}, token ${k}: must be a string (got ${describeValue(t)})`);
      const id = index.get(t);
      if (id === undefined) fail(`sentence ${s}, token ${k}: ${quoteToken(t)} is not in vocab`);
      ids[k] = id;
    }
    for (let l = 1; l < ids.length; l++) {
      b.add(ids.slice(0, l), ids[l], 1, () => `sentence ${s}`);
    }
  }
}

/** Finds where JSON text stops being valid; V8 only sometimes reports the position itself. */
export function jsonErrorPosition(text: string): number {
  const n = text.length;
  let i = 0;
  const stack: number[] = []; // 0 = array, 1 = object
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const scanString = (): boolean => {
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 92) {
        const e = text[i + 1];
        if (e === undefined) {
          i = n;
          return false;
        }
        if ('"\\/bfnrt'.includes(e)) i += 2;
        else if (e === 'u') {
          for (let k = 2; k < 6; k++) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) {
              i = Math.min(i + k, n);
              return false;
            }
          }
          i += 6;
        } else {
          i++;
          return false;
        }
      } else i++;
    }
    return false;
  };
  const digits = (): number => {
    const s = i;
    while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
    return i - s;
  };
  const scanNumber = (): boolean => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (digits() === 0) return false;
    if (text[i] === '.') {
      i++;
      if (digits() === 0) return false;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (digits() === 0) return false;
    }
    return true;
  };
  const scanLiteral = (word: string): boolean => {
    for (let k = 0; k < word.length; k++) {
      if (text[i] !== word[k]) return false;
      i++;
    }
    return true;
  };
  // States: 0 value, 1 first array element or ']', 2 first key or '}', 3 key, 4 after value.
  let state = 0;
  for (;;) {
    ws();
    if (state === 0 || state === 1 || state === 2 || state === 3) {
      if (i >= n) return n;
      const ch = text[i];
      if (state === 1 && ch === ']') {
        stack.pop();
        i++;
        state = 4;
        continue;
      }
      if (state === 2 && ch === '}') {
        stack.pop();
        i++;
        state = 4;
        continue;
      }
      if (state === 2 || state === 3) {
        if (ch !== '"' || !scanString()) return i;
        ws();
        if (text[i] !== ':') return i;
        i++;
        state = 0;
        continue;
      }
      if (ch === '[') {
        stack.push(0);
        i++;
        state = 1;
      } else if (ch === '{') {
        stack.push(1);
        i++;
        state = 2;
      } else {
        let ok: boolean;
        if (ch === '"') ok = scanString();
        else if (ch === '-' || (ch >= '0' && ch <= '9')) ok = scanNumber();
        else if (ch === 't') ok = scanLiteral('true');
        else if (ch === 'f') ok = scanLiteral('false');
        else if (ch === 'n') ok = scanLiteral('null');
        else ok = false;
        if (!ok) return Math.min(i, n);
        state = 4;
      }
      continue;
    }
    // state 4: after a value
    if (stack.length === 0) return i >= n ? -1 : i;
    if (i >= n) return n;
    const top = stack[stack.length - 1];
    const ch = text[i];
    if (ch === ',') {
      i++;
      state = top === 0 ? 0 : 3;
    } else if ((top === 0 && ch === ']') || (top === 1 && ch === '}')) {
      stack.pop();
      i++;
    } else return i;
  }
}

function lineColumn(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: pos - lineStart + 1 };
}

function parseJSONText(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    const dup = findDuplicateKey(text);
    if (dup) throw new NtpError('invalid-json', `duplicate key ${quoteToken(dup.key)} at line ${dup.line}, column ${dup.column}: JSON would keep only its last value, so the file is ambiguous`);
    return value;
  } catch (e) {
    if (e instanceof NtpError) throw e;
    const raw = e instanceof Error ? e.message : String(e);
    // V8 sometimes echoes the whole input; drop that and its own position, we give ours.
    const reason = raw
      .replace(/, (?:\.\.\.)?"[\s\S]*" is not valid JSON$/, '')
      .replace(/ in JSON at position \d+[\s\S]*$/, '')
      .replace(/ after JSON at position \d+[\s\S]*$/, ' after the JSON value');
    const pos = jsonErrorPosition(text);
    if (pos < 0) throw new NtpError('invalid-json', `malformed JSON: ${raw}`);
    const { line, column } = lineColumn(text, pos);
    throw new NtpError('invalid-json', `malformed JSON at line ${line}, column ${column} (position ${pos}): ${reason}`);
  }
}

/**
 * Parses a dataset file (see the module comment for the format) into token ids with
 * multiplicities. Throws NtpError naming the offending sample/sentence index and token.
 */
export function parseDataset(text: string): Dataset {
  stringArg(text, 'parseDataset(text): text');
  // A UTF-8 BOM (common from Windows editors) is not JSON whitespace.
  const json = parseJSONText(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    fail(`a dataset file must be a JSON object with "vocab" and "samples" or "sentences" (got ${describeValue(json)})`);
  }
  const obj = json as Record<string, unknown>;
  for (const k in obj) {
    if (!TOP_LEVEL_KEYS.has(k)) fail(`unknown field ${quoteToken(k)} (allowed: vocab, samples, sentences, embedding, description)`);
  }
  if (obj.vocab === undefined) fail('missing "vocab"');
  const index = checkVocab(obj.vocab);
  const vocab = obj.vocab as string[];
  if (obj.samples === undefined && obj.sentences === undefined) fail('the dataset needs "samples" or "sentences" (neither is present)');
  if (obj.description !== undefined && typeof obj.description !== 'string') fail('"description" must be a string');
  const embedding = obj.embedding === undefined ? undefined : checkEmbedding(obj.embedding, vocab);
  const b = new DatasetBuilder(vocab.slice());
  if (obj.samples !== undefined) addSamples(b, obj.samples, index, false);
  if (obj.sentences !== undefined) addSentences(b, obj.sentences, index);
  return b.build(embedding);
}

/**
 * Checks a Dataset built elsewhere (ids in range, counts positive integers, samples distinct,
 * embedding shape) so that writers never emit a file the parser would reject.
 */
export function validateDataset(ds: Dataset): void {
  checkVocab(ds.vocab);
  const V = ds.vocab.length;
  if (!Array.isArray(ds.samples) || !Array.isArray(ds.counts)) fail('dataset.samples and dataset.counts must be arrays');
  if (ds.counts.length !== ds.samples.length) {
    fail(`dataset has ${ds.samples.length} samples but ${ds.counts.length} counts`);
  }
  if (ds.samples.length === 0) fail('the dataset has no samples');
  const index = new SampleIndex(ds.samples);
  for (let n = 0; n < ds.samples.length; n++) {
    const { context, next } = ds.samples[n];
    if (!Array.isArray(context) || context.length === 0) fail(`sample ${n}: context is empty`);
    for (const t of context) {
      if (!Number.isInteger(t) || t < 0 || t >= V) fail(`sample ${n}: token id ${t} is out of range (vocab has ${V} tokens)`);
    }
    if (!Number.isInteger(next) || next < 0 || next >= V) fail(`sample ${n}: next token id ${next} is out of range (vocab has ${V} tokens)`);
    const c = ds.counts[n];
    if (!Number.isSafeInteger(c) || c < 1) fail(`sample ${n}: count must be a positive integer (got ${describeValue(c)})`);
    const prev = index.find(context, next);
    if (prev >= 0) fail(`samples ${prev} and ${n} are identical; merge them by adding their counts`);
    index.add(n);
  }
  if (ds.embedding !== undefined) checkEmbedding(ds.embedding, ds.vocab);
}

/**
 * Converts a dataset to the file format: token names, each distinct sample once, `count` only
 * when it is not 1, so that `parseDataset(JSON.stringify(datasetToJSON(ds)))` equals `ds`.
 */
export function datasetToJSON(ds: Dataset): DatasetJSON {
  datasetArg(ds, 'datasetToJSON(dataset): dataset');
  validateDataset(ds);
  const v = ds.vocab;
  const samples = ds.samples.map((s, n) => {
    const out: { context: string[]; next: string; count?: number } = {
      context: s.context.map((t) => v[t]),
      next: v[s.next],
    };
    if (ds.counts[n] !== 1) out.count = ds.counts[n];
    return out;
  });
  const json: DatasetJSON = { vocab: v.slice(), samples };
  if (ds.embedding !== undefined) json.embedding = ds.embedding.map((r) => r.slice());
  return json;
}

/**
 * Serializes a dataset as file text with one sample per line: diff-friendly and far smaller
 * than `JSON.stringify(…, null, 2)`, which puts every token on its own line.
 */
export function stringifyDataset(ds: Dataset): string {
  datasetArg(ds, 'stringifyDataset(dataset): dataset');
  validateDataset(ds);
  const q = ds.vocab.map((t) => JSON.stringify(t));
  const lines: string[] = ['{', `  "vocab": [${q.join(',')}],`, '  "samples": ['];
  const N = ds.samples.length;
  for (let n = 0; n < N; n++) {
    const s = ds.samples[n];
    let ctx = q[s.context[0]];
    for (let l = 1; l < s.context.length; l++) ctx += `,${q[s.context[l]]}`;
    const count = ds.counts[n] === 1 ? '' : `,"count":${ds.counts[n]}`;
    lines.push(`    {"context":[${ctx}],"next":${q[s.next]}${count}}${n + 1 < N ? ',' : ''}`);
  }
  if (ds.embedding !== undefined) {
    lines.push('  ],', '  "embedding": [');
    const e = ds.embedding;
    for (let r = 0; r < e.length; r++) lines.push(`    ${JSON.stringify(e[r])}${r + 1 < e.length ? ',' : ''}`);
  }
  lines.push('  ]', '}', '');
  return lines.join('\n');
}

/**
 * Builds a dataset from samples whose tokens are names or ids (both may appear, even in one
 * sample). Duplicates and `count` fields add up into counts.
 */
export function fromArrays(vocab: readonly string[], samples: readonly ArraySample[], opts: FromArraysOptions = {}): Dataset {
  const index = checkVocab(vocab);
  const embedding = opts.embedding === undefined ? undefined : checkEmbedding(opts.embedding, vocab);
  const b = new DatasetBuilder(vocab.slice());
  addSamples(b, samples, index, true);
  return b.build(embedding);
}

/** Adds every token of `sentences` to a fresh vocabulary in order of first appearance. */
function inferVocab(sentences: readonly (readonly string[])[]): string[] {
  const seen = new Set<string>();
  const vocab: string[] = [];
  for (let s = 0; s < sentences.length; s++) {
    const sent = sentences[s];
    if (!Array.isArray(sent)) fail(`sentence ${s}: must be an array of tokens (got ${describeValue(sent)})`);
    for (let k = 0; k < sent.length; k++) {
      const t: unknown = sent[k];
      if (typeof t !== 'string') fail(`sentence ${s}, token ${k}: must be a string (got ${describeValue(t)})`);
      if (t.length === 0) fail(`sentence ${s}, token ${k}: is an empty string`);
      if (!seen.has(t)) {
        seen.add(t);
        vocab.push(t);
      }
    }
  }
  return vocab;
}

/**
 * Builds a dataset from sentences; each sentence [s1..sK] gives the samples ([s1..sl], s(l+1)).
 * With `vocab` null the vocabulary is inferred in order of first appearance.
 */
export function fromSentences(vocab: readonly string[] | null, sentences: readonly (readonly string[])[]): Dataset {
  if (!Array.isArray(sentences)) fail(`sentences must be an array of token arrays (got ${describeValue(sentences)})`);
  const v = vocab === null ? inferVocab(sentences) : vocab.slice();
  const index = checkVocab(v);
  const b = new DatasetBuilder(v);
  addSentences(b, sentences, index);
  return b.build(undefined);
}

/**
 * Builds a dataset from plain text. Without options: sentences end at . ! ? or a line break, words
 * are separated by whitespace, every prefix of a sentence is a sample, the vocabulary is inferred;
 * one-word sentences are skipped because they give no sample, and ordinary prose has them
 * ("Yes."). With options (real corpora): sliding windows, each token the next token of the ≤ H
 * tokens before it, words or characters, rare tokens mapped to `<unk>` (see {@link TextOptions}).
 */
export function fromText(text: string, options?: TextOptions): Dataset {
  if (typeof text !== 'string') fail(`the text must be a string (got ${describeValue(text)})`);
  if (options !== undefined) return windowsFromTexts([text], options);
  const sentences = text
    .split(/[.!?\r\n]+/)
    .map((s) => s.split(/\s+/).filter((w) => w.length > 0))
    .filter((words) => words.length >= 2);
  if (sentences.length === 0) fail('the text has no sentence with at least 2 words');
  return fromSentences(null, sentences);
}
