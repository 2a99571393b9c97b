/**
 * One limits planner: a command states the memory its run will need from its options alone
 * (products of options included), and a plan past the budget is refused before anything is
 * allocated or expanded, with the sizes named.
 * @module
 */
import { MAX_RUN_BYTES, refuseTooLarge } from '../engine/limits.js';
import type { Plan } from './definition.js';

export { MAX_RUN_BYTES };

/** Refuses a plan past `budget` bytes (or with a non-finite size), naming its sizes. */
export function checkPlan(plan: Plan, what: string, budget = MAX_RUN_BYTES): void {
  refuseTooLarge(what, plan.bytes, Object.entries(plan.sizes).map(([k, v]) => `${k} = ${v}`).join(', '), budget);
}

/** Bytes of `n` numbers of a precision (8 for f64, 4 for f32). */
export function numberBytes(n: number, precision: 'f64' | 'f32' = 'f64'): number {
  return n * (precision === 'f32' ? 4 : 8);
}
