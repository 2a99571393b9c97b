/**
 * Planned memory of a recall run, from its resolved options alone (docs/theory/recall.md): the
 * sentences it holds at once, the weights W, V, F with their gradients, and its records.
 */
import { planMemory } from '../../engine/plan.js';

/** what one record holds (about twenty JSON-ready numbers; a generous bound) */
const RECORD_BYTES = 512;

/** The sizes of a run that fix its memory. */
export interface RecallSizes {
  vocab: number;
  context: number;
  batch: number;
  evalSize: number;
  testSize: number;
  samples: number;
  steps: number;
  every: number;
  precision: 'f64' | 'f32';
}

/** Bytes of a run: token ids of every sentence held (a batch, the eval, test and training sets), six (2N)² or N×2N weight tensors, the per-sentence scratch, the records. */
export function plannedBytes(z: RecallSizes): number {
  const s = z.precision === 'f32' ? 4 : 8;
  const n2 = 2 * z.vocab;
  const sentences = z.batch + z.evalSize + z.testSize + z.samples;
  return 2 * 4 * sentences * (z.context + 2) + 2 * s * (n2 * n2 + 2 * z.vocab * n2) + 8 * z.batch * z.context * 4 + (Math.floor(z.steps / z.every) + 2) * RECORD_BYTES;
}

/** Refuses a run past the memory budget (NtpError 'too-large', naming the sizes). */
export function planRecall(z: RecallSizes): void {
  planMemory({ name: 'a recall run', bytes: plannedBytes(z), work: `N = ${z.vocab}, H = ${z.context}, ${z.batch + z.evalSize + z.testSize + z.samples} sentences, ${z.steps} steps recorded every ${z.every}` });
}
