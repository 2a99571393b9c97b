import { analyze, type Analysis } from '../dataset/analyze.js';
import type { Dataset } from '../dataset/types.js';
import type { ChunkResult, Evaluation, Model, Status } from '../engine/backend.js';
import { createEngineModel, type EngineOptions } from '../engine/create.js';
import { checkEmbeddingObject, makeEmbedding, type Embedding } from '../engine/embedding.js';
import { checkPlannedSize } from '../engine/planned-size.js';
import { checkDatasetArgument } from '../dataset/validate.js';
import { checkOptionKeys, RUN_OPTION_KEYS } from '../api/options.js';
import { packDataset } from '../engine/packed.js';
import { warmUp } from '../engine/warm-up.js';
import { availableCores, checkThreads, defaultThreads } from '../engine/threads.js';
import type { PackedData } from '../engine/packed.js';
import { NtpError } from '../errors.js';
import type { MaxMarginSolution } from '../maxmargin/types.js';
import { cosineTransposed, frobenius } from './metrics.js';
import { resolveTrainOptions, type ResolvedTrainOptions, type TrainOptions } from './options.js';
import { NO_REFERENCE, referenceDirections, type ReferenceDirections } from './reference.js';

export { maxMarginProblem } from './reference.js';

/** A recorded point of stage 1 (W_ov on L0). */
export interface Stage1Record {
  step: number;
  loss: number;
  /** ‖W_ov‖_F */
  norm: number;
  /**
   * cos(W_ov, W*_ov) in stage 1; in stage 2 cos(W_kq, W*_kq), or cos(W_kq, W_svm) on cyclic data
   * (see {@link ReferenceDirections}). Null at W = 0 or without a reference direction.
   */
  cosine: number | null;
}

/** A recorded point of stage 2 (W_kq on L; for joint training, both layers). */
export interface Stage2Record extends Stage1Record {
  /** min over samples of the attention on the optimal token (Theorem 2) */
  optimalAttention: number;
  /** training accuracy: label is the strict argmax */
  accuracy: number;
}

/** How a stage ended: completed all its steps, or stopped early with the engine's status. */
export interface StageOutcome {
  status: 'completed' | Exclude<Status, 'running'>;
  steps: number;
}

/** Options of {@link Trainer.create}: the engine's and the run's. */
export interface TrainerOptions extends EngineOptions, TrainOptions {
  /** Skip the max-margin (or graph-SVM) solve (cosines are then null). Default false. */
  skipMaxMargin?: boolean;
}

export type TrainRecord = ({ stage: 'stage1' } & Stage1Record) | ({ stage: 'stage2' } & Stage2Record);

type Phase = 'stage1' | 'stage2' | 'done';

/**
 * One training run, advanced in chunks so that a caller (CLI progress bar, a Web Worker that
 * can stop and resume) decides when to look. The dataset lives in the engine's memory for the
 * run; recording reads the parameters in place, without copies.
 */
export class Trainer {
  readonly stage1: Stage1Record[] = [];
  readonly stage2: Stage2Record[] = [];
  readonly outcome: { stage1: StageOutcome | null; stage2: StageOutcome | null } = { stage1: null, stage2: null };
  /** milliseconds spent inside training chunks and recording */
  trainingMs = 0;
  private phase: Phase;
  private t = 0;
  private pending: Pending | null = null;

  private constructor(
    readonly dataset: Dataset,
    readonly analysis: Analysis,
    readonly embedding: Embedding,
    readonly model: Model,
    readonly options: ResolvedTrainOptions,
    /** What the cosines are measured against: W*_ov and W*_kq, or W*_ov and W_svm on cyclic data. */
    readonly reference: ReferenceDirections,
  ) {
    this.phase = options.algorithm === 'joint' ? 'stage2' : 'stage1';
  }

  /** Analyzes and packs the dataset, solves the max-margin problems and builds the model. */
  static async create(dataset: Dataset, opts: TrainerOptions = {}): Promise<Trainer> {
    checkDatasetArgument(dataset);
    checkOptionKeys(opts, RUN_OPTION_KEYS, 'train()');
    checkPlannedSize(dataset, opts);
    // first, so that the optimizing compiler works in the background while the dataset is analysed
    if ((opts.backend ?? 'wasm') === 'wasm') await warmUp(opts.precision ?? 'f64');
    const analysis = analyze(dataset);
    const embedding = resolveEmbedding(dataset, opts);
    const options = resolveTrainOptions(opts, embedding.d);
    const packed = packDataset(dataset, analysis.collocation);
    const reference = opts.skipMaxMargin ? NO_REFERENCE : referenceDirections(dataset, analysis, embedding);
    const threads = await runThreads(packed, opts);
    const model = await createEngineModel(packed, { ...opts, embedding, threads });
    return new Trainer(dataset, analysis, embedding, model, options, reference);
  }

  /** The max-margin solution of docs/theory/core.md#max-margin-directions (realizable data only; see {@link Trainer.reference}). */
  get maxMargin(): MaxMarginSolution | null {
    return this.reference.maxMargin;
  }

  /** True once both stages have ended. */
  get done(): boolean {
    return this.phase === 'done';
  }

  /** Steps taken so far over the whole run, and the run's total. */
  get progress(): { step: number; total: number } {
    const { t0, t1, algorithm } = this.options;
    const before = this.phase === 'stage2' && algorithm !== 'joint' ? t0 : 0;
    return { step: this.phase === 'done' ? t0 + t1 : before + this.t, total: t0 + t1 };
  }

  /**
   * Runs at most `maxSteps` more steps (default: to the end), recording at step 0, every
   * `every` steps and at the last step. Returns the records completed by this call.
   *
   * A record's norm and cosine are read when its step is reached; its loss and attention
   * metrics come from the first forward pass of the chunk that starts there, so recording
   * costs no forward pass of its own (only a stage's last record needs one).
   */
  advance(maxSteps = Infinity): TrainRecord[] {
    const made: TrainRecord[] = [];
    const start = performance.now();
    let budget = maxSteps;
    while (this.phase !== 'done' && budget > 0) {
      const stage = this.phase;
      const total = this.stageLength();
      if (this.t === 0 && this.recordsOf(stage).length === 0 && !this.pending) this.pending = this.snapshot(stage);
      if (this.t >= total) {
        this.completePending(made, null);
        this.finishStage('completed');
        continue;
      }
      const { every } = this.options;
      const k = Math.min(every - (this.t % every), total - this.t, budget);
      const r = this.runChunk(k);
      this.completePending(made, r.start);
      this.t += r.steps;
      budget -= Math.max(r.steps, 1);
      if (r.status !== 'running') {
        // the step that stopped the run changed nothing: record where it stands, unless step 0 of this chunk already did
        if (r.steps > 0) {
          this.pending = this.snapshot(stage);
          this.completePending(made, null);
        }
        this.finishStage(r.status);
      } else if (this.t % every === 0 || this.t === total) {
        this.pending = this.snapshot(stage);
      }
    }
    this.trainingMs += performance.now() - start;
    return made;
  }

  /** Completes a record left waiting by a run stopped between chunks (for a paused run's results). */
  flush(): TrainRecord[] {
    const made: TrainRecord[] = [];
    this.completePending(made, null);
    return made;
  }

  /** Releases the engine's memory. */
  dispose(): void {
    this.model.dispose();
  }

  private stageLength(): number {
    const { t0, t1, algorithm } = this.options;
    if (algorithm === 'joint') return t0 + t1;
    return this.phase === 'stage1' ? t0 : t1;
  }

  private runChunk(k: number): ChunkResult {
    const { algorithm, eta0, eta1 } = this.options;
    const normalized = algorithm !== 'gd';
    if (algorithm === 'joint') return this.model.joint(k, eta0, eta1, normalized);
    return this.phase === 'stage1' ? this.model.stage1(k, eta0, normalized) : this.model.stage2(k, eta1, normalized);
  }

  private finishStage(status: StageOutcome['status']): void {
    if (this.phase === 'done') return;
    const outcome = { status, steps: this.t };
    if (this.phase === 'stage1') {
      this.outcome.stage1 = outcome;
      // a stage 1 that left the precision's range leaves nothing for stage 2 to build on
      this.phase = status === 'diverged' || status === 'overflow' ? 'done' : 'stage2';
    } else {
      this.outcome.stage2 = outcome;
      this.phase = 'done';
    }
    this.t = 0;
  }

  private recordsOf(stage: 'stage1' | 'stage2'): unknown[] {
    return stage === 'stage1' ? this.stage1 : this.stage2;
  }

  /** The parts of a record read from the parameters now; loss and metrics are filled in later. */
  private snapshot(stage: 'stage1' | 'stage2'): Pending {
    const { WovT, WkqT } = this.model.storage();
    const { V, d } = this.model;
    const { Wov, Wkq } = this.reference;
    return stage === 'stage1'
      ? { stage, step: this.t, norm: frobenius(WovT), cosine: Wov ? cosineTransposed(WovT, Wov, V, d) : null }
      : { stage, step: this.t, norm: frobenius(WkqT), cosine: Wkq ? cosineTransposed(WkqT, Wkq, d, d) : null };
  }

  /** Fills the pending record from a chunk's first forward pass, or from a pass of its own. */
  private completePending(made: TrainRecord[], start: Evaluation | null): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    if (p.stage === 'stage1') {
      const rec: Stage1Record = { step: p.step, loss: start ? start.loss : this.model.stage1Loss(), norm: p.norm, cosine: p.cosine };
      this.stage1.push(rec);
      made.push({ stage: 'stage1', ...rec });
      return;
    }
    const ev = start ?? this.model.evaluate();
    const rec: Stage2Record = { step: p.step, loss: ev.loss, norm: p.norm, cosine: p.cosine, optimalAttention: ev.minOptimalAttention, accuracy: ev.accuracy };
    this.stage2.push(rec);
    made.push({ stage: 'stage2', ...rec });
  }
}

interface Pending {
  stage: 'stage1' | 'stage2';
  step: number;
  norm: number;
  cosine: number | null;
}

/** The `threads` option of a run: as given, or for the wasm backend the rule of defaultThreads. */
async function runThreads(packed: PackedData, opts: TrainerOptions): Promise<number | undefined> {
  if (opts.threads !== undefined) return checkThreads(opts.threads);
  if ((opts.backend ?? 'wasm') !== 'wasm') return undefined;
  return defaultThreads(packed, await availableCores());
}

function resolveEmbedding(ds: Dataset, opts: TrainerOptions): Embedding {
  const V = ds.vocab.length;
  if (opts.embedding !== undefined) {
    if (typeof opts.embedding === 'object' && opts.embedding !== null && !Array.isArray(opts.embedding)) return checkEmbeddingObject(opts.embedding, V);
    return makeEmbedding(V, opts.embedding, { d: opts.d, seed: opts.seed });
  }
  if (ds.embedding) {
    if (opts.d !== undefined && opts.d !== ds.embedding[0].length) {
      throw new NtpError('invalid-option', `option d = ${opts.d} conflicts with the dataset's own embedding (d = ${ds.embedding[0].length}); drop d or choose an embedding`);
    }
    return makeEmbedding(V, ds.embedding);
  }
  if (opts.d !== undefined && opts.d !== V) {
    throw new NtpError('invalid-option', `option d = ${opts.d} needs an embedding other than one-hot (d = |V| = ${V})`);
  }
  return makeEmbedding(V, 'onehot');
}
