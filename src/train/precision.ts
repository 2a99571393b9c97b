import type { Precision } from '../engine/backend.js';
import type { Stage1Record } from './trainer.js';

/** Smallest positive normal number of each precision; below it a float keeps fewer significant bits. */
export const MIN_NORMAL: Readonly<Record<Precision, number>> = { f64: 2 ** -1022, f32: 2 ** -126 };

/**
 * The first record whose loss is subnormal or zero in `precision` (loss < {@link MIN_NORMAL}), or null.
 * From there on the loss and its gradient carry fewer significant bits with each step, so the
 * direction W/‖W‖ drifts (1 − cos(W, W*) grows) even though the run has not diverged.
 */
export function precisionExhaustedAt(records: readonly Stage1Record[], precision: Precision): Stage1Record | null {
  const floor = MIN_NORMAL[precision];
  // a cross-entropy is never 0 in exact arithmetic: 0 is a loss that underflowed altogether
  return records.find((r) => r.loss >= 0 && r.loss < floor) ?? null;
}

/** A warning naming the stage and step where the loss became subnormal, or null. */
export function precisionWarning(name: string, records: readonly Stage1Record[], precision: Precision): string | null {
  const r = precisionExhaustedAt(records, precision);
  if (!r) return null;
  return `precision exhausted during ${name} at step ${r.step}: the loss ${r.loss.toPrecision(3)} is below the smallest normal ${precision} number (${MIN_NORMAL[precision].toPrecision(3)}), so the loss and its gradient lose significant digits from there on and cos(W, W*) is less exact; records after that step are not at full precision (train fewer steps to stay exact)`;
}
