/**
 * Task family C: in-context autoregressive prediction by causal kernel descent — reconstruction
 * R-C (SPEC §10) of Sander & Peyré, "Towards Understanding the Universality of Transformers for
 * Next-Token Prediction" (2024). The paper's body was not available; every formula here is a
 * reconstruction that satisfies what could be read, until someone checks it against the paper.
 */
export { generateSequences, trainTestSets, haarOrthogonal, rotation, periodicSequence, iterateLinear, sphere, gaussian, checkTokens, sequenceOf, type Sequences, type Family, type DataOptions } from './data.js';
export { ckdPredictionsSet } from './ckd-set.js';
export { ckdPredictions, kaczmarzPredictions, leastSquaresPredictions, checkKernelInputs, symmetricEigen, EXP_MAX_NORM, LS_RANK_TOL, type KernelName, type CkdOptions } from './references.js';
export { errorCurve, curveFromPredictions, predictorDistance, geometricRate, type GeometricRate, UNSTABLE_FACTOR, type ErrorCurve, type CurveStatus, type Predictor } from './metrics.js';
export { CausalTransformer, type TransformerOptions, type StepOptions, type StepResult } from './transformer.js';
export { ckdParams, constructionBlocks, constructionAlignment, ckdTransformerPredictions, createCkdTransformer, type ConstructionAlignment, constantSquaredNorm, type CkdTransformerOptions } from './construction.js';
export { trainAutoregressive, resolveTrainConfig, TRAIN_DEFAULTS, type AutoregressiveTrainConfig, type AutoregressiveTrainResult, type TrainRecordAR } from './train.js';
export { experimentC1, experimentC2, experimentC3, experimentC4, type ExperimentResult, type C4Options } from './experiments.js';
export { curvesSpec, type Curve } from './figures.js';
export { autoregressiveFamily } from './sweep.js';
export type { AttentionKind } from './kernels/kernels.js';
export type { CausalKernels, CausalLayout, Sigma } from './kernels/kernels.js';
export type { Which } from './transformer.js';
