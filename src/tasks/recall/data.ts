// The sentence generator of docs/theory/recall.md#data (the authors' generate_sentences), streamed: a caller
// owns one batch buffer and refills it, so a run never holds more than a batch of sentences.

import { createRng, type Rng } from '../../dataset/random.js';
import { NtpError } from '../../errors.js';
import { isNoisy, noiseToken, validateTask, type RecallTask } from './config.js';
import { intArg, arrayArg, rowsArg } from '../../api/arguments.js';

/** B sentences of length H, row-major, with their targets and the generator's bigram output y. */
export interface RecallBatch {
  readonly B: number;
  readonly H: number;
  /** z_1 … z_H per sentence, B×H */
  readonly tokens: Int32Array;
  /** z_{H+1}: τ with probability α, else y */
  readonly targets: Int32Array;
  /** y, the token after the trigger that is not τ (what the Bayes predictor reads) */
  readonly outputs: Int32Array;
  /** q = z_H */
  readonly triggers: Int32Array;
}

/** An empty batch buffer. */
export function allocBatch(B: number, H: number): RecallBatch {
  intArg(B, 'allocBatch(B, H): B', 0);
  intArg(H, 'allocBatch(B, H): H', 0);
  return { B, H, tokens: new Int32Array(B * H), targets: new Int32Array(B), outputs: new Int32Array(B), triggers: new Int32Array(B) };
}

/** Which outputs a stream draws: y ~ U(𝒪) (training and population data) or unseen y ~ U{Q+Y … N−2}. */
export type OutputSet = 'seen' | 'unseen';

/** Independent streams from one seed: training batches, held-out population sentences, unseen-output test sentences. */
export const STREAMS = { train: 0, population: 1, unseen: 2 } as const;

/** A seed for one stream of a run (an integer mix, so nearby seeds give unrelated streams). */
export function streamSeed(seed: number, stream: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * A seeded stream of sentences. Each call to `fill` overwrites a batch with the next B
 * sentences; the stream is a deterministic function of (task, seed, outputs).
 */
export class RecallGenerator {
  private readonly rng: Rng;
  private readonly fillerBase: number;
  private readonly fillerCount: number;
  private readonly outBase: number;
  private readonly outCount: number;

  constructor(
    readonly task: RecallTask,
    seed: number,
    readonly outputSet: OutputSet = 'seen',
  ) {
    validateTask(task);
    this.rng = createRng(seed);
    const { vocab: N, triggers: Q, outputs: Y } = task;
    this.fillerBase = Q;
    this.fillerCount = N - 1 - Q;
    this.outBase = outputSet === 'seen' ? Q : Q + Y;
    this.outCount = outputSet === 'seen' ? Y : N - 1 - (Q + Y);
  }

  /** Overwrites `batch` with the next batch.B sentences. */
  fill(batch: RecallBatch): void {
    const { H } = batch;
    if (H !== this.task.context) throw new NtpError('invalid-option', `batch context ${H} differs from the task's ${this.task.context}`);
    const rng = this.rng;
    const { triggers: Q, alpha } = this.task;
    const noisy = isNoisy(this.task);
    const tau = noiseToken(this.task);
    const z = batch.tokens;
    for (let b = 0; b < batch.B; b++) {
      const o = b * H;
      const q = noisy ? 0 : rng.int(Q);
      const y = this.outBase + rng.int(this.outCount);
      rng.fillInt(z, o, o + H, this.fillerBase, this.fillerCount);
      z[o + H - 1] = q;
      // 1-based p ∈ {1 … H−2}: z_p = q, z_{p+1} = y (0-based o + p − 1, o + p)
      const p = 1 + rng.int(H - 2);
      z[o + p - 1] = q;
      z[o + p] = y;
      if (noisy) {
        let p2 = 1 + rng.int(H - 2);
        while (Math.abs(p2 - p) < 2) p2 = 1 + rng.int(H - 2);
        z[o + p2 - 1] = q;
        z[o + p2] = tau;
      }
      batch.targets[b] = noisy && rng.next() < alpha ? tau : y;
      batch.outputs[b] = y;
      batch.triggers[b] = q;
    }
  }
}

/** A fixed set of M sentences, drawn once (finite-sample training, held-out and test sets), in batches of B. */
export class FixedSentences {
  readonly batches: RecallBatch[] = [];
  constructor(
    readonly task: RecallTask,
    seed: number,
    readonly size: number,
    B: number,
    outputSet: OutputSet = 'seen',
  ) {
    if (!Number.isInteger(size) || size < 1) throw new NtpError('invalid-option', `a sentence set needs a positive integer size (got ${size})`);
    const gen = new RecallGenerator(task, seed, outputSet);
    for (let left = size; left > 0; left -= B) {
      const batch = allocBatch(Math.min(B, left), task.context);
      gen.fill(batch);
      this.batches.push(batch);
    }
  }

  /** fraction of noise-token targets, α̂ */
  noiseFraction(): number {
    const tau = noiseToken(this.task);
    let n = 0;
    for (const b of this.batches) for (const t of b.targets) if (t === tau) n++;
    return n / this.size;
  }
}

/** A batch from explicit sentences (tests and worked examples): contexts, targets, and y. */
export function batchOf(contexts: readonly (readonly number[])[], targets: readonly number[], outputs?: readonly number[]): RecallBatch {
  rowsArg(contexts, 'batchOf(contexts, targets, outputs): contexts');
  arrayArg(targets, 'batchOf(contexts, targets, outputs): targets');
  if (outputs !== undefined) arrayArg(outputs, 'batchOf(contexts, targets, outputs): outputs');
  const B = contexts.length;
  if (B === 0) throw new NtpError('invalid-option', 'a batch needs at least one sentence');
  const H = contexts[0].length;
  const batch = allocBatch(B, H);
  contexts.forEach((c, b) => {
    if (c.length !== H) throw new NtpError('invalid-option', `sentence ${b} has length ${c.length}, expected ${H}`);
    batch.tokens.set(c, b * H);
    batch.triggers[b] = c[H - 1];
  });
  batch.targets.set(targets);
  batch.outputs.set(outputs ?? targets);
  return batch;
}
