import { NtpError } from '../errors.js';

/** How a value reads in an error message: its type, or the value when short. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return ArrayBuffer.isView(v) ? v.constructor.name : 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

/**
 * An options argument of a public function: undefined becomes `{}`; null, a number, a string or
 * an array is refused with NtpError('invalid-argument') naming the function and the argument.
 */
export function optionsArg<T extends object>(v: T | undefined | null, where: string): T {
  if (v === undefined) return {} as T;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new NtpError('invalid-argument', `${where} must be an object of options (got ${describeValue(v)})`);
  return v;
}

/** A required object argument: anything else is NtpError('invalid-argument') naming it. */
export function objectArg<T extends object>(v: T | undefined | null, where: string): T {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new NtpError('invalid-argument', `${where} must be an object (got ${describeValue(v)})`);
  return v;
}

/** A required array (or typed array) argument. */
export function arrayArg<T>(v: ArrayLike<T> | undefined | null, where: string): ArrayLike<T> {
  if (!(Array.isArray(v) || ArrayBuffer.isView(v))) throw new NtpError('invalid-argument', `${where} must be an array (got ${describeValue(v)})`);
  return v as ArrayLike<T>;
}

/** A required integer argument ≥ min. */
export function intArg(v: unknown, where: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new NtpError('invalid-argument', `${where} must be an integer ≥ ${min} (got ${describeValue(v)})`);
  return v;
}

/** A random stream argument (`createRng(seed)`): an object with `next()`. */
export function rngArg<T extends { next(): number }>(v: T | undefined | null, where: string): T {
  if (typeof v !== 'object' || v === null || typeof (v as { next?: unknown }).next !== 'function') throw new NtpError('invalid-argument', `${where} must be a random stream from createRng(seed) (got ${describeValue(v)})`);
  return v;
}

/** A Float64Array argument holding at least `length` numbers. */
export function float64Arg(v: unknown, where: string, length = 0): Float64Array {
  if (!(v instanceof Float64Array)) throw new NtpError('invalid-argument', `${where} must be a Float64Array (got ${describeValue(v)})`);
  if (v.length < length) throw new NtpError('invalid-argument', `${where} holds ${v.length} numbers; it needs ${length}`);
  return v;
}

/** A required string argument (text to parse, a path). */
export function stringArg(v: unknown, where: string): string {
  if (typeof v !== 'string') throw new NtpError('invalid-argument', `${where} must be a string (got ${describeValue(v)})`);
  return v;
}

/** A required finite number argument. */
export function numberArg(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new NtpError('invalid-argument', `${where} must be a finite number (got ${describeValue(v)})`);
  return v;
}

/** A required iterable argument (an array, a Set, a generator); a string is refused, it iterates characters. */
export function iterableArg<T>(v: Iterable<T> | undefined | null, where: string): Iterable<T> {
  if (typeof v !== 'object' || v === null || typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function') throw new NtpError('invalid-argument', `${where} must be an array or another iterable (got ${describeValue(v)})`);
  return v;
}

/** A required array of arrays (contexts, edges): the outer array and each row, the first bad row named. */
export function rowsArg<T>(v: ReadonlyArray<ArrayLike<T>> | undefined | null, where: string): ReadonlyArray<ArrayLike<T>> {
  if (!Array.isArray(v)) throw new NtpError('invalid-argument', `${where} must be an array of arrays (got ${describeValue(v)})`);
  for (let i = 0; i < v.length; i++) {
    if (!(Array.isArray(v[i]) || ArrayBuffer.isView(v[i]))) throw new NtpError('invalid-argument', `${where}[${i}] must be an array (got ${describeValue(v[i])})`);
  }
  return v;
}

/**
 * A Dataset argument, by shape only (object; vocab, samples and counts arrays; each sample an
 * object with a context array), so that what reads it meets no null. Its content (ids in range,
 * counts) stays the business of the function, which may report rather than refuse it (analyze).
 */
export function datasetArg<T>(v: T | undefined | null, where: string): T {
  const o = v as Record<string, unknown> | null | undefined;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new NtpError('invalid-dataset', `${where} must be a Dataset {vocab, samples, counts} (got ${describeValue(v)})`);
  for (const k of ['vocab', 'samples', 'counts']) {
    if (!Array.isArray(o[k])) throw new NtpError('invalid-dataset', `${where}.${k} must be an array (got ${describeValue(o[k])})`);
  }
  const samples = o.samples as unknown[];
  for (let n = 0; n < samples.length; n++) {
    const s = samples[n] as Record<string, unknown> | null;
    if (typeof s !== 'object' || s === null || Array.isArray(s) || !Array.isArray(s.context)) throw new NtpError('invalid-dataset', `${where}: sample ${n} must be an object {context: array, next} (got ${describeValue(s === null || typeof s !== 'object' ? s : s.context)})`);
  }
  return v as T;
}

/**
 * A CyclicData argument (what `cyclicData(dataset)` builds), by shape: the fields its readers
 * walk, so that a hand-made or stale object is named here instead of meeting a TypeError inside
 * a solver. The values themselves (token ids, weights) stay the business of the function.
 */
export function cyclicDataArg<T>(v: T | undefined | null, where: string): T {
  const o = objectArg(v as object | null | undefined, where) as Record<string, unknown>;
  const bad = (field: string, want: string, got: unknown) =>
    new NtpError('invalid-argument', `${where}.${field} must be ${want} (got ${describeValue(got)}); cyclicData(dataset) builds a whole one`);
  for (const k of ['V', 'd']) if (!Number.isInteger(o[k]) || (o[k] as number) < 1) throw bad(k, 'a positive integer', o[k]);
  if (o.E !== null && !(o.E instanceof Float64Array)) throw bad('E', 'a Float64Array or null', o.E);
  rowsArg(o.contexts as ReadonlyArray<ArrayLike<number>>, `${where}.contexts`);
  for (const k of ['targets', 'labels', 'weights', 'source', 'vocab']) if (!Array.isArray(o[k])) throw bad(k, 'an array', o[k]);
  if (!(o.graphOf instanceof Int32Array)) throw bad('graphOf', 'an Int32Array', o.graphOf);
  if (!Array.isArray(o.graphs)) throw bad('graphs', 'an array', o.graphs);
  o.graphs.forEach((g: Record<string, unknown> | null, i: number) => {
    if (typeof g !== 'object' || g === null || !['edges', 'components', 'samples', 'order', 'edgeSeq'].every((k) => Array.isArray(g[k]))) {
      throw bad(`graphs[${i}]`, 'a query graph {query, samples, components, edges, order, edgeSeq}', g);
    }
  });
  return v as T;
}

/**
 * A MaxMarginProblem argument (what `maxMarginProblem(dataset)` builds), by shape: V, the
 * embedding, the collocation pairs and the attention constraints, the first bad entry named.
 */
export function maxMarginProblemArg<T>(v: T | undefined | null, where: string): T {
  const o = objectArg(v as object | null | undefined, where) as Record<string, unknown>;
  const bad = (field: string, want: string, got: unknown) => new NtpError('invalid-problem', `${where}.${field} must be ${want} (got ${describeValue(got)})`);
  const e = o.embedding as Record<string, unknown> | null | undefined;
  if (e !== null && (typeof e !== 'object' || !(e.E instanceof Float64Array) || !Number.isInteger(e.d))) throw bad('embedding', 'null or {d, E: Float64Array}', e);
  rowsArg(o.collocation as ReadonlyArray<ArrayLike<number>>, `${where}.collocation`);
  if (!Array.isArray(o.attention)) throw bad('attention', 'an array', o.attention);
  o.attention.forEach((c: Record<string, unknown> | null, i: number) => {
    if (typeof c !== 'object' || c === null || !Array.isArray(c.nonOptimal)) throw bad(`attention[${i}]`, 'a constraint {query, optimal, nonOptimal: array}', c);
  });
  return v as T;
}
