/**
 * ntp-dynamics: train one-layer transformers on next-token prediction (WebAssembly SIMD or
 * pure TypeScript) and measure their training dynamics against the theory of Huang, Liang,
 * Yang, "Non-asymptotic Convergence of Training Transformers for Next-token Prediction" (2024).
 * @module ntp-dynamics
 */
import { analyze } from './dataset/analyze.js';
import type { Dataset } from './dataset/types.js';
import type { Model } from './engine/backend.js';
import { createEngineModel, type EngineOptions } from './engine/create.js';
import { packDataset } from './engine/packed.js';
import { initWasm } from './engine/wasm.js';
import { checkDatasetArgument } from './dataset/validate.js';
import { checkOptionKeys, ENGINE_OPTION_KEYS } from './api/options.js';
import { checkPlannedSize } from './engine/planned-size.js';
import * as factorizedModel from './tasks/factorized/model.js';
import * as factorizedExperiments from './tasks/factorized/experiments.js';
import * as factorizedLocal from './tasks/factorized/local-convergence.js';
import * as factorizedSweep from './tasks/factorized/sweep.js';

export type { Dataset, Sample } from './dataset/types.js';
export { parseDataset, stringifyDataset, datasetToJSON, fromArrays, fromSentences, fromText } from './dataset/format.js';
export { type TextOptions, UNK } from './dataset/text.js';
export { svopExample } from './dataset/svop.js';
export { generateRealizable, createRng, type GenerateOptions } from './dataset/random.js';
export { analyze, assertRealizable, generalizationCases, type Analysis, type QueryAnalysis, type Violation, type GeneralizationCase } from './dataset/analyze.js';
export { measureStructure, formatStructure, type StructureReport, type SccStats } from './dataset/structure.js';
export type { Space, SpaceOption } from './engine/space.js';
export type { Model, BackendName, Precision, Status, ChunkResult, Evaluation, Gradients, Objective } from './engine/backend.js';
export { makeEmbedding, type Embedding, type EmbeddingSpec } from './engine/embedding.js';
export { packDataset, type PackedData } from './engine/packed.js';
export { createEngineModel, type EngineOptions } from './engine/create.js';
export { solveMaxMargin, solveColumnQP } from './maxmargin/index.js';
export type { MaxMarginProblem, MaxMarginSolution, GraphSvmSummary, NuclearCertificate } from './maxmargin/types.js';
export { Trainer, maxMarginProblem, type Stage1Record, type Stage2Record, type StageOutcome, type TrainRecord, type TrainerOptions } from './train/trainer.js';
export { train, finish, type TrainResult, type RunOptions } from './train/run.js';
export type { TrainOptions, Algorithm } from './train/options.js';
export type { StageRates } from './train/rates.js';
export type { GeneralizationReport } from './train/generalization.js';
export { predict, type Parameters, type Prediction } from './model/predict.js';
export { keyScores, tokenScores } from './model/scores.js';
export { modelToJSON, parseModel, type ModelJSON } from './model/serialize.js';
export { NtpError } from './errors.js';
export type { ModelParameters } from './model/predict.js';
export type { ResolvedTrainOptions } from './train/options.js';
export type { FromArraysOptions } from './dataset/format.js';
export type { LineFit } from './train/metrics.js';

/**
 * Compiles the WebAssembly kernels (embedded in the package). Call once before using the
 * `wasm` backend; rejects with NtpError code `no-simd` where WebAssembly SIMD is unavailable and
 * `csp` where a Content-Security-Policy forbids compiling WebAssembly (it needs
 * `'wasm-unsafe-eval'`), in which case pass `{ backend: 'js' }`. Training functions call it themselves.
 */
export async function init(): Promise<void> {
  await initWasm();
}

/**
 * A model over a dataset, with zero weights, ready for `stage1`, `stage2`, `joint` chunks.
 * The dataset is analyzed (for its collocation) and packed into the backend's memory once.
 */
export async function createModel(dataset: Dataset, opts: EngineOptions = {}): Promise<Model> {
  checkDatasetArgument(dataset);
  checkOptionKeys(opts, ENGINE_OPTION_KEYS, 'createModel()');
  checkPlannedSize(dataset, { embedding: dataset.embedding, ...opts });
  const analysis = analyze(dataset);
  return createEngineModel(packDataset(dataset, analysis.collocation), { embedding: dataset.embedding, ...opts });
}

// The sweep engine (worker threads, files) is Node-only: `ntp-dynamics/node` (src/node.ts), which
// Node also gets for this entry through the package's `node` export condition.
export type { SweepFamily, RunResult, RunRecord, MetricValue } from './family/sweep-family.js';
export type { RunMany } from './family/sweep-family.js';
export { runInThisThread } from './tasks/run-many.js';
export type { GeneralizationResult, QueryRanking } from './train/generalization.js';
export type { MaxMarginMethod, SolveMaxMarginOptions, ColumnQPResult } from './maxmargin/types.js';
export { MAX_LISTED_VIOLATIONS, type ViolationKind, type GeneralizationOptions } from './dataset/analyze.js';
export type { Rng } from './dataset/random.js';
export type { DatasetJSON, ArraySample } from './dataset/format.js';
export { Predictor, predictMany } from './model/predictor.js';
// Cyclic orders (docs/theory/cyclic.md): token-priority graphs, SCCs, the graph-SVM, the finite part, new heads.
export { solveLdp, solveLdpRows, type LdpResult, type LdpOptions } from './maxmargin/ldp.js';
export { cyclicData, fromTargets, hasCycle, type CyclicData, type QueryGraph } from './dataset/cyclic-orders.js';
export { condense, stronglyConnected, type Condensation, type Components } from './dataset/scc.js';
export { graphSvm, type GraphSvm, type GraphSvmOptions, type SvmEdge, type SvmEquality } from './maxmargin/graph-svm.js';
export { finitePart, reducedSamples, FiniteSpace, type FinitePart, type FinitePartOptions, type ReducedSample } from './tasks/cyclic/finite.js';
export { cyclicMetrics, frozenComponent, type CyclicMetrics } from './tasks/cyclic/metrics.js';
// The flat cyclic names below are kept for one release: use the `cyclic` namespace (cyclic.train, cyclic.experiment, …).
export { trainCyclic, defaultInit, type CyclicHead, type CyclicTrainOptions, type CyclicTrainResult, type CyclicRecord } from './tasks/cyclic/train.js';
export { generateLiCyclic, generatePlanted, equiCorrelated, normalizedGaussian, type LiCyclicOptions, type PlantedQuery } from './tasks/cyclic/generators.js';
export { cyclicFamily, GLOBAL_CONVERGENCE, type CyclicRunConfig } from './tasks/cyclic/sweep.js';
export { runGlobalConvergence, globalConvergenceSpec, renderGlobalConvergenceSvg, type GlobalConvergenceResult, type LegacyGlobalOptions as GlobalConvergenceOptions } from './tasks/cyclic/experiment.js';
export { createHeadModel, packHeadData, HeadModel, type HeadName, type HeadStatus, type HeadChunk } from './tasks/cyclic/kernels/model.js';
// Factorized attention W_kq = K_f·Q_fᵀ and the nuclear-norm max margin (Tarzanagh et al. 2023; docs/theory/factorized.md)
export { marginConstraints, withEqualities, solveNuclearSvm, solveFrobeniusSvm, minMargin } from './maxmargin/nuclear.js';
export type { MarginConstraints, NuclearSvm, NuclearSvmOptions, FrobeniusSvm } from './maxmargin/nuclear.js';
export { svd } from './maxmargin/svd.js';
export type { Svd } from './maxmargin/svd.js';
/** Task family: factorized attention W_kq = K·Qᵀ against the Frobenius and nuclear-norm max-margin directions (docs/theory/factorized.md). */
export * as factorized from './tasks/factorized/index.js';
/** @deprecated use `factorized.createFactorizedModel` (the flat name is kept for one release) */
export const createFactorizedModel = factorizedModel.createFactorizedModel;
/** @deprecated use `factorized.experiment('local', options)` (the flat name is kept for one release) */
export const localConvergenceExperiment = factorizedExperiments.localConvergenceExperiment;
/** @deprecated use `factorized.experiment('rank', options)` (the flat name is kept for one release) */
export const rankStudy = factorizedExperiments.rankStudy;
/** @deprecated use `factorized.localConvergenceTable` (the flat name is kept for one release) */
export const localConvergenceTable = factorizedExperiments.localConvergenceTable;
/** @deprecated use `factorized.runLocalConvergence` (the flat name is kept for one release) */
export const runLocalConvergence = factorizedLocal.runLocalConvergence;
/** @deprecated use `factorized.factorizedFamily` (the flat name is kept for one release) */
export const factorizedFamily = factorizedSweep.factorizedFamily;
/** @deprecated use `factorized.FactorizedModel` */
export type FactorizedModel = import('./tasks/factorized/model.js').FactorizedModel;
/** @deprecated use `factorized.FactorizedOptions` */
export type FactorizedOptions = import('./tasks/factorized/model.js').FactorizedOptions;
/** @deprecated use `factorized.FactorInit` */
export type FactorInit = import('./tasks/factorized/model.js').FactorInit;
/** @deprecated use `factorized.FactorGradients` */
export type FactorGradients = import('./tasks/factorized/model.js').FactorGradients;
/** @deprecated use `factorized.LocalConvergenceExperiment` */
export type LocalConvergenceExperiment = import('./tasks/factorized/experiments.js').LocalConvergenceExperiment;
/** @deprecated use `factorized.LocalExperimentOptions` */
export type LocalConvergenceExperimentOptions = import('./tasks/factorized/options.js').LocalExperimentOptions;
/** @deprecated use `factorized.RankPoint` */
export type RankPoint = import('./tasks/factorized/experiments.js').RankPoint;
/** @deprecated use `factorized.RankExperimentOptions` */
export type RankStudyOptions = import('./tasks/factorized/options.js').RankExperimentOptions;
/** @deprecated use `factorized.LocalRunOptions` */
export type LocalConvergenceConfig = import('./tasks/factorized/options.js').LocalRunOptions;
/** Task family: cyclic token-priority orders against the exact graph-SVM W_svm and finite part W_fin (Li et al. 2024; docs/theory/cyclic.md). */
export * as cyclic from './tasks/cyclic/index.js';
// Task family: in-context recall with a noise token (Nguyen & Nguyen-Tang 2025; docs/theory/recall.md).
export * as recall from './tasks/recall/index.js';
/** Task family C, in-context autoregressive learning by causal kernel descent (docs/theory/autoregressive.md, reconstruction R-C). */
export * as autoregressive from './tasks/autoregressive/index.js';
// types that public signatures above refer to
export type { ConfigValue } from './sweep/spec.js';
export type { FiniteHead } from './tasks/cyclic/finite.js';
/** @deprecated the common mean ± std band of every family */
export type { Band as CyclicBand } from './family/result.js';
/** @deprecated use `factorized.CrossInit` */
export type CrossInit = import('./tasks/factorized/cross-attention.js').CrossInit;
export type { VegaLiteSpec } from './figure/spec-type.js';
export type { HeadData, HeadModelOptions } from './tasks/cyclic/kernels/model.js';
export type { HeadBuffers, HeadKernel } from './tasks/cyclic/kernels/buffers.js';
export { referenceDirections, NO_REFERENCE, type ReferenceDirections } from './train/reference.js';
export type { ReferenceSummary } from './train/run.js';
export { svmDirection, type SvmDirection } from './tasks/cyclic/direction.js';
export type { HeadReal } from './tasks/cyclic/kernels/buffers.js';

// Threads (README "Threads"): the default rule of train()'s `threads` option, and why a runtime cannot run threads.
export { defaultThreads, threadsUnavailable } from './engine/threads.js';

// The one-library contract: define a family once (its options, commands, figures) and get the
// typed API, the run-time checks, the CLI grammar, the output protocol and the sweep adapter.
export { opt, resolveOptions, optionsTable, type OptionsOf, type ResolvedOf, type Schema, type OptionSpec, type IntSpec, type NumberSpec, type ChoiceSpec, type BoolSpec, type StringSpec, type IntListSpec, type CustomSpec, type ComputedDefault, type ResolveContext, type NameOf, type TypeOfSpec, type IsOptional, type Common as OptionCommon, type SpecBase } from './family/schema.js';
export { defineCommand, defineFamily, type CommandDefinition, type FamilyDefinition, type AnyCommand, type Presentation, type Plan, type RunContext, type SweepView, type OutputFile as FamilyOutputFile } from './family/definition.js';
export { trainFunction, trainOnDataFunction, experimentFunction, type CallHooks, type ResultOf, type SchemaOf } from './family/api.js';
export { bandOf, worstStatus, RUN_STATUSES, type RunStatus, type Band, type ExperimentResult, type Figure, type SummaryRow } from './family/result.js';
export { MAX_RUN_BYTES } from './family/limits.js';
