// The recall family's public API: in-context recall with a noise token (docs/theory/recall.md).
import { experimentFunction, trainFunction } from '../../family/api.js';
import { recallDefinition } from './definition.js';

/**
 * One run of the recall family: zero init, per-tensor normalized GD, records of the losses
 * against the Bayes risk h(α). Options are typed and checked (an unknown or out-of-range option
 * is an NtpError naming it); every default is the paper's.
 */
export const train = trainFunction('recall.train()', recallDefinition.train);

/** One of the paper's experiments (`figure1`, `figure2`, `alpha-sweep`, `logits`, `closed-forms`), with typed options. */
export const experiment = experimentFunction('recall', recallDefinition.experiments);

export { recallDefinition as definition };
export { RECALL_OPTIONS as options, type RecallOptionsSchema } from './options.js';
export type { RecallExperimentOptions, RecallExperimentData } from './experiments.js';
export { EXPERIMENT_OPTIONS as experimentOptions } from './experiments.js';
export type { RecallAttention, RecallModelKind, RecallTask } from './config.js';
export { isNoisy, noiseToken, validateTask } from './config.js';
export type { OutputSet, RecallBatch } from './data.js';
export { FixedSentences, RecallGenerator, allocBatch, batchOf } from './data.js';
export type { RecallGradients, RecallModelOptions, RecallSentenceMetrics, RecallStep } from './model.js';
export { RecallModel, createRecallModel } from './model.js';
export type { RecallMetrics } from './metrics.js';
export { evaluateSet } from './metrics.js';
export {
  bayesPredict, bayesRisk, binaryEntropy, contextOutput, gammaOf, reparamKappa0Floor, reparamNoiselessLoss, reparamNoisyLoss, reparamSoftmaxFloor,
} from './reference.js';
export type { RecallRecord, RecallRunOptions, RecallTrajectory, ResolvedRecallRun } from './run.js';
export { modelLabel, resolveRecallRun, runRecall } from './run.js';
export type { ExperimentName, ExperimentResult } from './experiments.js';
export { EXPERIMENTS, runExperiment } from './experiments.js';
export { panelsSpec, runSpec } from './figure.js';
export { recallFamily } from './sweep.js';
export type { Panel } from './figure.js';
export type { RecordCallback } from './run.js';
export type { RecallBackend, RecallTensor } from './backend.js';
export type { Real } from './kernels/attention.js';
