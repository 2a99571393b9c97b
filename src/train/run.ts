import type { Dataset } from '../dataset/types.js';
import { NtpError } from '../errors.js';
import type { MaxMarginSolution } from '../maxmargin/types.js';
import { generalization, type GeneralizationReport } from './generalization.js';
import type { ResolvedTrainOptions } from './options.js';
import { precisionWarning } from './precision.js';
import type { ReferenceDirections } from './reference.js';
import type { GraphSvm } from '../maxmargin/graph-svm.js';
import { stageRates, type StageRates } from './rates.js';
import { Trainer, type Stage1Record, type Stage2Record, type StageOutcome, type TrainerOptions, type TrainRecord } from './trainer.js';
import type { ModelParameters } from '../model/predict.js';
import { objectArg } from '../api/arguments.js';

/** Everything a finished run reports. */
export interface TrainResult {
  config: ResolvedTrainOptions & {
    backend: string;
    precision: string;
    embedding: string;
    /** threads the training steps ran on */
    threads: number;
    /** where the model computed: token space (|V|×|V| matrices) or parameter space */
    space: 'token' | 'parameter';
    V: number;
    d: number;
    samples: number;
  };
  stage1: Stage1Record[];
  stage2: Stage2Record[];
  outcome: { stage1: StageOutcome | null; stage2: StageOutcome | null };
  rates: { stage1: StageRates; stage2: StageRates };
  /** null when the dataset is not realizable */
  generalization: GeneralizationReport | null;
  maxMargin: MaxMarginSolution | null;
  /**
   * What the cosines were measured against (W*_ov, W*_kq of docs/theory/core.md#max-margin-directions on realizable data; W*_ov and
   * the graph-SVM W_svm of docs/theory/cyclic.md#the-graph-svm on cyclic data), with the graph-SVM's status when it ran.
   */
  reference: ReferenceSummary;
  /** On cyclic data (reference kind `graph-svm`): W*_ov (V×d) and W_svm (d×d, null when infeasible); null otherwise. */
  graphSvm: { Wov: Float64Array | null; Wsvm: Float64Array | null } | null;
  /** the trained parameters (row-major) and the embedding */
  parameters: ModelParameters;
  /** milliseconds inside training and recording (no set-up, no analysis) */
  trainingMs: number;
  /**
   * Signs of a step size too large for the run, in words: a stage whose loss ended above where it
   * started; and a stage whose loss became subnormal ("precision exhausted": later records are less
   * exact). (Non-finite values stop a run instead; see `outcome`.)
   */
  warnings: string[];
}

/** The reference directions of a run, without the matrices (those are in `maxMargin` or `reference.graphSvm`). */
export interface ReferenceSummary {
  kind: ReferenceDirections['kind'];
  /** `W*_kq` or `W_svm`: what stage 2's cosine is measured against */
  label: ReferenceDirections['label'];
  /** the graph-SVM's status (`optimal`, `no-direction`, `infeasible`), null unless kind is `graph-svm` */
  status: GraphSvm['status'] | null;
  /** ‖W_svm‖_F, null unless kind is `graph-svm` */
  norm: number | null;
  /** largest KKT residual of the solves (null when nothing was solved) */
  kkt: number | null;
  /** why a reference direction is missing, null when there is one */
  message: string | null;
}

/** Options of {@link train}. */
export interface RunOptions extends TrainerOptions {
  /** called with each record as it is made */
  onRecord?: (record: TrainRecord, progress: { step: number; total: number }) => void;
  /** steps per chunk between callbacks (default: `every`) */
  chunk?: number;
}

/**
 * Trains a one-layer transformer on a dataset with Algorithm 1 (or a baseline) and measures
 * the run against the theory: max-margin directions, fitted rates, generalization.
 */
export async function train(dataset: Dataset, opts: RunOptions = {}): Promise<TrainResult> {
  const trainer = await Trainer.create(dataset, opts);
  try {
    const chunk = opts.chunk ?? trainer.options.every;
    if (chunk !== Infinity && (!Number.isSafeInteger(chunk) || chunk < 1)) {
      throw new NtpError('invalid-option', `option chunk must be a positive integer (or Infinity), got ${String(chunk)}`);
    }
    while (!trainer.done) {
      const records = trainer.advance(chunk);
      if (opts.onRecord) for (const r of records) opts.onRecord(r, trainer.progress);
    }
    return finish(trainer);
  } finally {
    trainer.dispose();
  }
}

/** Packages a finished (or stopped) trainer's run. */
export function finish(trainer: Trainer): TrainResult {
  if (typeof objectArg(trainer, 'finish(trainer): trainer').flush !== 'function') throw new NtpError('invalid-argument', 'finish(trainer): trainer must be a Trainer (from Trainer.create)');
  trainer.flush();
  const { model, embedding, dataset, analysis } = trainer;
  const parameters: ModelParameters = { V: model.V, d: model.d, Wov: model.getWov(), Wkq: model.getWkq(), E: embedding.E };
  return {
    config: {
      ...trainer.options,
      backend: model.backend,
      precision: model.precision,
      embedding: embedding.kind,
      threads: model.threads ?? 1,
      space: model.space ?? 'token',
      V: model.V,
      d: model.d,
      samples: dataset.samples.length,
    },
    stage1: trainer.stage1,
    stage2: trainer.stage2,
    outcome: trainer.outcome,
    rates: { stage1: stageRates(trainer.stage1, 1), stage2: stageRates(trainer.stage2, 2) },
    generalization: analysis.realizable ? generalization(dataset, analysis, parameters) : null,
    maxMargin: trainer.maxMargin,
    reference: referenceSummary(trainer.reference),
    graphSvm: trainer.reference.kind === 'graph-svm' ? { Wov: trainer.reference.Wov, Wsvm: trainer.reference.Wkq } : null,
    parameters,
    trainingMs: trainer.trainingMs,
    warnings: [
      lossRose('stage 1', trainer.stage1),
      lossRose(trainer.options.algorithm === 'joint' ? 'joint training' : 'stage 2', trainer.stage2),
      precisionWarning('stage 1', trainer.stage1, model.precision),
      precisionWarning(trainer.options.algorithm === 'joint' ? 'joint training' : 'stage 2', trainer.stage2, model.precision),
      inaccurateMaxMargin(trainer.maxMargin),
      inaccurateGraphSvm(trainer.reference),
      model.threadNote ?? null,
    ].filter((w): w is string => w !== null),
  };
}

/** A max-margin solution failing its own KKT check makes every cosine suspect: say so. */
function inaccurateMaxMargin(mm: MaxMarginSolution | null): string | null {
  if (!mm || mm.kktResidual <= 1e-6) return null;
  return `the max-margin solution fails its optimality check (KKT residual ${mm.kktResidual.toExponential(2)} > 1e-6): the cosines with W* are unreliable`;
}

function referenceSummary(r: ReferenceDirections): ReferenceSummary {
  const svm = r.graphSvm;
  return { kind: r.kind, label: r.label, status: svm?.status ?? null, norm: svm ? svm.norm : null, kkt: Number.isNaN(r.kkt) ? null : r.kkt, message: r.message };
}

/** The graph-SVM's own check, as {@link inaccurateMaxMargin} for W*. */
function inaccurateGraphSvm(r: ReferenceDirections): string | null {
  if (r.kind !== 'graph-svm' || !(r.kkt > 1e-6)) return null;
  return `the graph-SVM fails its optimality check (KKT residual ${r.kkt.toExponential(2)} > 1e-6): the cosines with W_svm are unreliable`;
}

function lossRose(name: string, records: readonly Stage1Record[]): string | null {
  if (records.length < 2) return null;
  const first = records[0];
  const last = records[records.length - 1];
  if (!(last.loss > first.loss)) return null;
  return `the loss rose during ${name}, from ${first.loss.toPrecision(4)} at step ${first.step} to ${last.loss.toPrecision(4)} at step ${last.step}: the step size may be too large`;
}
