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
