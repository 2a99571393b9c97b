/**
 * The autoregressive family: in-context autoregressive prediction by causal kernel descent, a
 * reconstruction of Sander & Peyré, "Towards Understanding the Universality of Transformers for
 * Next-Token Prediction" (2024); docs/theory/autoregressive.md says what is the paper's and what
 * is reconstructed.
 */
import { experimentFunction, trainFunction } from '../../family/api.js';
import { autoregressiveDefinition } from './definition.js';

/** One training run of the n-layer causal transformer; options typed and checked, the memory planned first. */
export const train = trainFunction('autoregressive.train()', autoregressiveDefinition.train);

/** The error curve e(t) of a reference predictor (CKD at a depth or its Kaczmarz limit, least squares, CKD's transformer). */
export const reference = trainFunction('autoregressive.reference()', autoregressiveDefinition.verbs!.reference);

/** One of the experiments `c1` … `c4`, with typed options. */
export const experiment = experimentFunction('autoregressive', autoregressiveDefinition.experiments);

export { autoregressiveDefinition as definition };
export { TRAIN_OPTIONS_SCHEMA as options, REFERENCE_OPTIONS as referenceOptions, C4_OPTIONS as c4Options, type AutoregressiveTrainOptions, type ReferenceOptions, type ResolvedTrainOptions, type AutoregressiveTrainSchema, type C4Schema, type ReferenceSchema, type ResolvedReferenceOptions } from './options.js';
export type { ReferenceResult } from './reference-curve.js';
export { generateSequences, trainTestSets, haarOrthogonal, rotation, periodicSequence, iterateLinear, sphere, gaussian, checkTokens, sequenceOf, type Sequences, type Family, type DataOptions } from './data.js';
export { ckdPredictionsSet } from './ckd-set.js';
export { ckdPredictions, kaczmarzPredictions, leastSquaresPredictions, checkKernelInputs, symmetricEigen, EXP_MAX_NORM, LS_RANK_TOL, type KernelName, type CkdOptions } from './references.js';
export { errorCurve, curveFromPredictions, predictorDistance, geometricRate, type GeometricRate, UNSTABLE_FACTOR, type ErrorCurve, type CurveStatus, type Predictor } from './metrics.js';
export { CausalTransformer, type TransformerOptions, type StepOptions, type StepResult } from './transformer.js';
export { ckdParams, constructionBlocks, constructionAlignment, ckdTransformerPredictions, createCkdTransformer, type ConstructionAlignment, constantSquaredNorm, type CkdTransformerOptions } from './construction.js';
export { trainAutoregressive, resolveTrainConfig, type AutoregressiveTrainConfig, type AutoregressiveTrainResult, type TrainRecordAR } from './train.js';
export { experimentC1, experimentC2, experimentC3, experimentC4, type ExperimentResult, type C4Options } from './experiments.js';
export { curvesSpec, type Curve } from './figures.js';
export { autoregressiveFamily } from './sweep.js';
export type { AttentionKind } from './kernels/kernels.js';
export type { CausalKernels, CausalLayout, Sigma } from './kernels/kernels.js';
export type { Which } from './transformer.js';
