// The recall family's public API (docs/theory/recall.md): in-context recall with a noise token.
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
