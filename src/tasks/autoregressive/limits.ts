/**
 * Planned memory of the autoregressive family's runs, from their options alone (docs/theory/autoregressive.md):
 * each entry point passes these to refuseTooLarge before it generates a sequence or lays out a model.
 */
import { refuseTooLarge } from '../../engine/limits.js';

const F64 = 8;

/** Options that fix a reference run's size (the CLI's `reference` flags). */
export interface ReferenceSizes {
  d: number;
  /** positions T */
  length: number;
  sequences: number;
  /** ckd (finite depth or inf), ls or transformer */
  method?: 'ckd' | 'ls' | 'transformer';
  /** CKD depth; Infinity is the Kaczmarz limit */
  depth?: number;
}

/** Bytes of S sequences of T + 1 tokens in dimension d (float64). */
export function sequencesBytes(d: number, length: number, sequences: number): number {
  return sequences * (length + 1) * d * F64;
}

/** Bytes one prediction of a reference predictor holds besides its output (CKD: two T×T kernels; LS: four d×d). */
export function predictorBytes(d: number, length: number, method: 'ckd' | 'ls', depth = Infinity): number {
  if (method === 'ls') return 4 * d * d * F64 + 2 * d * F64;
  return (depth === Infinity ? 2 * length * d : 2 * length * length + 3 * length * d + length) * F64;
}

/** Bytes of the causal transformer's arena (the layout of CausalTransformer.create) for these sizes. */
export function transformerBytes(z: { d: number; length: number; layers: number; heads: number; tied: boolean; precision: 'f64' | 'f32'; trainSequences: number; testSequences: number }): number {
  const { d, length: T, layers, heads } = z;
  const D = 4 * d;
  const sets = z.tied ? 1 : layers;
  const nP = sets * heads * 3 * D * D;
  const n2 = 2 * heads * D;
  // P, G, Adam's moments; MV, MVT and dMV with layer 0's folded weights (kernels/kernels.ts foldedElements)
  const weights = 4 * nP + 3 * (sets * D + 2 * d) * n2;
  // E, E·M and v, A per layer; dE, dPrev, ET, vT, dA, dEMV; the staging sequence; the data
  const elements = weights + (layers + 1) * T * D + layers * T * n2 + layers * heads * T * T + 4 * T * D + T * T + T * n2 + (T + 1) * d + (z.trainSequences + z.testSequences) * (T + 1) * d;
  return elements * (z.precision === 'f32' ? 4 : 8) + nP * F64;
}

/** Planned bytes of a reference run: the sequences, every sequence's prediction, one predictor's work. */
export function referenceBytes(z: ReferenceSizes): number {
  const method = z.method ?? 'ckd';
  const data = sequencesBytes(z.d, z.length, z.sequences);
  const predictions = z.sequences * z.length * z.d * F64;
  const work = method === 'transformer'
    ? transformerBytes({ d: z.d, length: z.length, layers: Number.isFinite(z.depth) ? (z.depth as number) : 1, heads: 2, tied: true, precision: 'f64', trainSequences: 0, testSequences: 0 })
    : predictorBytes(z.d, z.length, method, z.depth);
  return data + predictions + work;
}

/** Planned bytes of one training run: train and test sets (in JS and in the arena), the arena, and three test curves' predictions. */
export function trainBytes(c: { d: number; length: number; layers: number; heads: number; tied: boolean; precision: 'f64' | 'f32'; trainSequences: number; testSequences: number }): number {
  return sequencesBytes(c.d, c.length, c.trainSequences + c.testSequences) + transformerBytes(c) + 3 * c.testSequences * c.length * c.d * F64 + predictorBytes(c.d, c.length, 'ls');
}

/** Refuses a reference run past the memory budget (NtpError 'too-large', naming the sizes). */
export function planReference(z: ReferenceSizes, name = 'autoregressive reference'): void {
  refuseTooLarge(name, referenceBytes(z), `d = ${z.d}, T = ${z.length}, ${z.sequences} sequences, ${z.method ?? 'ckd'}${(z.method ?? 'ckd') === 'ckd' && z.depth !== undefined && Number.isFinite(z.depth) ? ` depth ${z.depth}` : ''}`);
}

/** Refuses a training run past the memory budget (NtpError 'too-large', naming the sizes). */
export function planTrain(c: Parameters<typeof trainBytes>[0], name = 'autoregressive train'): void {
  refuseTooLarge(name, trainBytes(c), `d = ${c.d}, T = ${c.length}, layers = ${c.layers}, heads = ${c.heads}, ${c.trainSequences} train + ${c.testSequences} test sequences`);
}

/** Sizes of a training run (a resolved AutoregressiveTrainConfig has them all). */
export type TrainSizes = Parameters<typeof trainBytes>[0];

/** The planned bytes of a run of this family, for an options schema: `reference` sizes or `train` sizes. */
export function plannedBytes(kind: 'reference' | 'train', options: ReferenceSizes | TrainSizes): number {
  return kind === 'reference' ? referenceBytes(options as ReferenceSizes) : trainBytes(options as TrainSizes);
}
