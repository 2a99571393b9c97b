// The factorized family's public API: attention W_kq = K·Qᵀ against the Frobenius and the
// nuclear-norm max-margin directions (Tarzanagh et al. 2023; docs/theory/factorized.md).
import { experimentFunction, trainOnDataFunction } from '../../family/api.js';
import { factorizedDefinition } from './definition.js';

/**
 * One run on a dataset (the package's format, as `ntp train` reads it): stage 1 trains W_ov, stage
 * 2 the factors of W_kq = K_f·Q_fᵀ; the records compare the product with the Frobenius and the
 * nuclear-norm max-margin directions, whose certificates come with the result. Options are typed
 * and checked (an unknown or out-of-range option is an NtpError naming it).
 */
export const train = trainOnDataFunction('factorized.train()', factorizedDefinition.train);

/** One of their experiments, `local` (local_converge) or `rank` (svm_rank), with typed options. */
export const experiment = experimentFunction('factorized', factorizedDefinition.experiments);

export { factorizedDefinition as definition };
export { TRAIN_OPTIONS as options, LOCAL_OPTIONS as localOptions, RANK_OPTIONS as rankOptions, LOCAL_RUN_OPTIONS as runOptions, RANK_INSTANCE_OPTIONS as rankInstanceOptions } from './options.js';
export type {
  FactorizedTrainOptions, LocalExperimentOptions, RankExperimentOptions, LocalRunOptions, RankInstanceOptions, TrainOptionsSchema, LocalOptionsSchema, LocalRunSchema, RankOptionsSchema,
  ResolvedFactorizedTrain, ResolvedLocalRun, ResolvedLocalExperiment, ResolvedRankExperiment,
} from './options.js';
export type { FactorizedTrainResult, FactorizedRecord, FrobeniusReference, NuclearReference } from './train.js';
export type { ExperimentHooks, LocalConvergenceData, LocalConvergenceExperiment, RankPoint, RankStudy, RankStudyData } from './experiments.js';
export { localConvergenceTable, rankTable } from './experiments.js';
export { createFactorizedModel } from './model.js';
export type { FactorizedModel, FactorizedOptions, FactorInit, FactorGradients } from './model.js';
export { runLocalConvergence } from './local-convergence.js';
export { rankInstance } from './rank-sweep.js';
export { factorizedFamily } from './sweep.js';
export { factorizedRankFamily } from './rank-sweep.js';
export { localConvergenceFigureSpec, rankStudyFigureSpec, trainFigureSpec } from './figure.js';
export type { CrossInit } from './cross-attention.js';
