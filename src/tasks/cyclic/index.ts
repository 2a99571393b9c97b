// The cyclic family's public API: cyclic token-priority orders (Li et al. 2024; docs/theory/cyclic.md).
import { experimentFunction, trainOnDataFunction } from '../../family/api.js';
import { cyclicDefinition } from './definition.js';

/**
 * One run on a dataset: a stage-2 head (selection by default, gen, or ce-frozen) trained by NGD or
 * GD, measured against the exact graph-SVM W_svm and finite part W_fin (A1–A10). The dataset is
 * checked (count 0, out-of-range ids: an NtpError naming the sample) and its memory planned before
 * anything is allocated; options are typed and checked (an unknown or out-of-range option is an
 * NtpError naming it).
 */
export const train = trainOnDataFunction('cyclic.train()', cyclicDefinition.train);

/** Li et al.'s experiment `global` (global convergence over random cyclic datasets), with typed options. */
export const experiment = experimentFunction('cyclic', cyclicDefinition.experiments);

export { cyclicDefinition as definition };
export { CYCLIC_TRAIN_OPTIONS as options, CYCLIC_RUN_OPTIONS as runOptions, GLOBAL_OPTIONS as globalOptions } from './options.js';
export type { CyclicTrainOptions, CyclicRunConfig, GlobalConvergenceOptions, CyclicTrainSchema, CyclicRunSchema, GlobalSchema, ResolvedCyclicTrain, ResolvedCyclicRun, ResolvedGlobal } from './options.js';
export type { CyclicHead, CyclicRecord, CyclicTrainResult } from './train.js';
export { defaultInit } from './train.js';
export type { GlobalConvergenceData, GlobalConvergenceResult, GlobalRun } from './experiment.js';
export { globalConvergenceSpec, renderGlobalConvergenceSvg } from './experiment.js';
export { runSpec } from './figure.js';
export { cyclicFamily, datasetOf, GLOBAL_CONVERGENCE } from './sweep.js';
export { equiCorrelated, generateLiCyclic, generatePlanted, normalizedGaussian, type LiCyclicOptions, type PlantedQuery } from './generators.js';
export { finitePart, reducedSamples, FiniteSpace, type FinitePart, type FinitePartOptions, type ReducedSample, type FiniteHead } from './finite.js';
export { cyclicMetrics, frozenComponent, type CyclicMetrics } from './metrics.js';
export { svmDirection, type SvmDirection } from './direction.js';
export { datasetFromTargets, EXAMPLE_1, EXAMPLE_2, EXAMPLE_3, EXAMPLE_4, EXAMPLE_5 } from './examples.js';
export { createHeadModel, packHeadData, HeadModel, type HeadName, type HeadStatus, type HeadChunk, type HeadData, type HeadModelOptions } from './kernels/model.js';
export type { HeadBuffers, HeadKernel, HeadReal } from './kernels/buffers.js';
