import { NtpError } from '../errors.js';
import { formatBytes } from './limits.js';

/**
 * Bytes one run may plan to hold: WebAssembly's 4 GiB address space, which bounds every model's
 * arena, and a size past which a run on a shared laptop or CI runner is more likely a typo
 * (`--length 10000000`) than an intent.
 */
export const MEMORY_BUDGET = 2 ** 32;

/** What a run will hold, computed from its options before anything is allocated. */
export interface MemoryPlan {
  /** the run, as the user would name it ("autoregressive reference") */
  name: string;
  /** bytes the run will hold at its peak (an estimate from the options, not a measurement) */
  bytes: number;
  /** the sizes the bytes come from, as the user gave them ("T = 10000000, 256 sequences of d = 5") */
  work: string;
  /** defaults to {@link MEMORY_BUDGET} */
  budget?: number;
}

/**
 * Refuses a run whose planned size is past the budget (or not a finite number: a product of
 * options that overflowed), with NtpError('too-large') naming the sizes; returns the bytes.
 * Costs nothing, so every family calls it at the entry of its run, train, experiment and
 * reference functions, before the first allocation.
 */
export function planMemory(plan: MemoryPlan): number {
  const budget = plan.budget ?? MEMORY_BUDGET;
  if (!(plan.bytes <= budget)) {
    const need = Number.isFinite(plan.bytes) ? formatBytes(plan.bytes) : 'more bytes than a number can count';
    throw new NtpError('too-large', `${plan.name} needs ${need} of memory (${plan.work}), more than the ${formatBytes(budget)} a run may hold; reduce these sizes`);
  }
  return plan.bytes;
}
