/**
 * One limits planner: a command states the memory its run will need from its options alone
 * (products of options included), and a plan past the budget is refused before anything is
 * allocated or expanded, with the sizes named.
 * @module
 */
import { NtpError } from '../errors.js';
import { formatBytes } from '../engine/limits.js';
import type { Plan } from './definition.js';

/**
 * The most a run may plan to hold: 4 GiB, what one WebAssembly instance can address (the js
 * backend keeps the same budget, so a run never depends on the backend to fit).
 */
export const MAX_RUN_BYTES = 2 ** 32;

/** Refuses a plan past `budget` bytes (or with a non-finite size), naming its sizes. */
export function checkPlan(plan: Plan, what: string, budget = MAX_RUN_BYTES): void {
  const sizes = Object.entries(plan.sizes).map(([k, v]) => `${k} = ${v}`).join(', ');
  if (!Number.isFinite(plan.bytes) || plan.bytes > budget) {
    const need = Number.isFinite(plan.bytes) ? formatBytes(plan.bytes) : 'more memory than can be counted';
    throw new NtpError('too-large', `${what} would need ${need}, more than the ${formatBytes(budget)} a run may hold (${sizes}); use smaller sizes`);
  }
}

/** Bytes of `n` numbers of a precision (8 for f64, 4 for f32). */
export function numberBytes(n: number, precision: 'f64' | 'f32' = 'f64'): number {
  return n * (precision === 'f32' ? 4 : 8);
}
