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
import { describeValue, objectArg } from './api/arguments.js';
import { NtpError } from './errors.js';

export type { Dataset, Sample } from './dataset/types.js';
export { parseDataset, stringifyDataset, datasetToJSON, fromArrays, fromSentences, fromText } from './dataset/format.js';
export { svopExample } from './dataset/svop.js';
export { generateRealizable, createRng, type GenerateOptions } from './dataset/random.js';
export { analyze, assertRealizable, generalizationCases, type Analysis, type QueryAnalysis, type Violation, type GeneralizationCase } from './dataset/analyze.js';
export type { Model, BackendName, Precision, Status, ChunkResult, Evaluation, Gradients, Objective } from './engine/backend.js';
export { makeEmbedding, type Embedding, type EmbeddingSpec } from './engine/embedding.js';
export { packDataset, type PackedData } from './engine/packed.js';
export { createEngineModel, type EngineOptions } from './engine/create.js';
export { solveMaxMargin, solveColumnQP } from './maxmargin/index.js';
export type { MaxMarginProblem, MaxMarginSolution } from './maxmargin/types.js';
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

// Sweeps run on Node's worker threads and file system: loaded on first call, so that a browser
// bundle of this entry point never pulls them in.
export type { SweepFamily, RunResult, RunRecord, MetricValue } from './sweep/family.js';
export type { SweepFile, SweepRun, RunConfig, AxisRange } from './sweep/spec.js';
export type { SweepRunOptions, SweepRunSummary, SweepProgress } from './sweep/run.js';
export type { MergeOptions, MergeSummary } from './sweep/merge.js';
export type { SweepReport, AxisSummary, AxisValueSummary, SeriesPoint, Stats } from './sweep/report.js';
export type { RunLine } from './sweep/store.js';

/**
 * Runs a sweep (`{ base, grid, list }`) on a pool of worker threads (one per core by default),
 * appending one line per run to `out/runs.jsonl`; resumable. See `ntp sweep run`.
 */
export async function runSweep(sweep: import('./sweep/spec.js').SweepFile, opts: import('./sweep/run.js').SweepRunOptions): Promise<import('./sweep/run.js').SweepRunSummary> {
  objectArg(sweep, 'runSweep(sweep, options): sweep');
  objectArg(opts, 'runSweep(sweep, options): options');
  if (typeof opts.out !== 'string' || opts.out.trim() === '') throw new NtpError('invalid-argument', `runSweep(sweep, options): options.out must name the output directory (got ${describeValue(opts.out)})`);
  return (await import('./sweep/run.js')).runSweep(sweep, opts);
}

/** The runs of a sweep, in order, with their stable ids and resolved configs (validated). */
export async function expandSweep(sweep: import('./sweep/spec.js').SweepFile, opts: { yes?: boolean; limit?: number; modules?: string[] } = {}): Promise<import('./sweep/spec.js').SweepRun[]> {
  const [{ expandSweep: expand }, { loadFamilies, DEFAULT_FAMILY }] = await Promise.all([import('./sweep/spec.js'), import('./sweep/families.js')]);
  return expand(sweep, { families: await loadFamilies(opts.modules), defaultFamily: DEFAULT_FAMILY, yes: opts.yes, limit: opts.limit });
}

/** Joins the directories of a sweep's shards into `out`, reporting missing and duplicate runs. See `ntp sweep merge`. */
export async function mergeSweeps(dirs: readonly string[], out: string, opts?: import('./sweep/merge.js').MergeOptions): Promise<import('./sweep/merge.js').MergeSummary> {
  return (await import('./sweep/merge.js')).mergeSweeps(dirs, out, opts);
}

export type { RunMany } from './tasks/run-many.js';
export type { SweepRunnerOptions } from './sweep/results.js';
export { runInThisThread } from './tasks/run-many.js';

/**
 * Makes the runs of an experiment (`runGlobalConvergence`, `localConvergenceExperiment`,
 * `rankStudy`: their `runMany` option) on the sweep engine's worker pool, every core by default
 * (Node only; the experiments run in this thread without it).
 */
export function sweepRunner(opts?: import('./sweep/results.js').SweepRunnerOptions): import('./tasks/run-many.js').RunMany {
  return async (family, configs, every) => (await import('./sweep/results.js')).sweepRunner(opts)(family, configs, every);
}

/**
 * Stops the worker threads that finished sweeps keep warm for the next sweep of this process
 * (they stop by themselves after 10 s idle and never keep the process alive).
 */
export async function closeSweepWorkers(): Promise<void> {
  return (await import('./sweep/pool.js')).closeSweepWorkers();
}

/** Mean ± std, min and max per axis value of every metric of a sweep directory, final and over steps. See `ntp sweep report`. */
export async function summarizeSweep(dir: string): Promise<import('./sweep/report.js').SweepReport> {
  return (await import('./sweep/report.js')).summarizeSweep(dir);
}

/** Mean ± std, min and max over runs (results of a family's `run`, one per seed) of the final metrics and of every metric per step. */
export async function summarizeResults(results: ReadonlyArray<{ final: Record<string, import('./sweep/family.js').MetricValue>; records: readonly import('./sweep/family.js').RunRecord[] }>): Promise<ReturnType<typeof import('./sweep/report.js').summarizeResults>> {
  return (await import('./sweep/report.js')).summarizeResults(results);
}
export type { GeneralizationResult, QueryRanking } from './train/generalization.js';
export type { MaxMarginMethod, SolveMaxMarginOptions, ColumnQPResult } from './maxmargin/types.js';
export { MAX_LISTED_VIOLATIONS, type ViolationKind, type GeneralizationOptions } from './dataset/analyze.js';
export type { Rng } from './dataset/random.js';
export type { DatasetJSON, ArraySample } from './dataset/format.js';
export { Predictor, predictMany } from './model/predictor.js';
// Cyclic orders (SPEC §7): token-priority graphs, SCCs, the graph-SVM, the finite part, new heads.
export { solveLdp, solveLdpRows, type LdpResult, type LdpOptions } from './maxmargin/ldp.js';
export { cyclicData, fromTargets, hasCycle, type CyclicData, type QueryGraph } from './dataset/cyclic-orders.js';
export { condense, stronglyConnected, type Condensation, type Components } from './dataset/scc.js';
export { graphSvm, type GraphSvm, type GraphSvmOptions, type SvmEdge, type SvmEquality } from './maxmargin/graph-svm.js';
export { finitePart, reducedSamples, FiniteSpace, type FinitePart, type FinitePartOptions, type ReducedSample } from './tasks/cyclic/finite.js';
export { cyclicMetrics, frozenComponent, type CyclicMetrics } from './tasks/cyclic/metrics.js';
export { trainCyclic, defaultInit, type CyclicHead, type CyclicTrainOptions, type CyclicTrainResult, type CyclicRecord } from './tasks/cyclic/train.js';
export { generateLiCyclic, generatePlanted, equiCorrelated, normalizedGaussian, type LiCyclicOptions, type PlantedQuery } from './tasks/cyclic/generators.js';
export { cyclicFamily, GLOBAL_CONVERGENCE, type CyclicRunConfig } from './tasks/cyclic/sweep.js';
export { runGlobalConvergence, globalConvergenceSpec, renderGlobalConvergenceSvg, type GlobalConvergenceResult, type GlobalConvergenceOptions } from './tasks/cyclic/experiment.js';
export { createHeadModel, packHeadData, HeadModel, type HeadName, type HeadStatus, type HeadChunk } from './engine/heads/model.js';
// Factorized attention W_kq = K_f·Q_fᵀ and the nuclear-norm max margin (SPEC §8)
export { createFactorizedModel } from './engine/factorized.js';
export type { FactorizedModel, FactorizedOptions, FactorInit, FactorGradients } from './engine/factorized.js';
export { marginConstraints, withEqualities, solveNuclearSvm, solveFrobeniusSvm, minMargin } from './maxmargin/nuclear.js';
export type { MarginConstraints, NuclearSvm, NuclearSvmOptions, FrobeniusSvm } from './maxmargin/nuclear.js';
export { svd } from './maxmargin/svd.js';
export type { Svd } from './maxmargin/svd.js';
export { localConvergenceExperiment, localConvergenceTable, rankStudy } from './tasks/factorized/experiments.js';
export type { LocalConvergenceExperiment, LocalConvergenceExperimentOptions, RankPoint, RankStudyOptions, Band } from './tasks/factorized/experiments.js';
export { runLocalConvergence } from './tasks/factorized/local-convergence.js';
export type { LocalConvergenceConfig } from './tasks/factorized/local-convergence.js';
export { factorizedFamily } from './tasks/factorized/sweep.js';
// Task family: in-context recall with a noise token (Nguyen & Nguyen-Tang 2025; SPEC §11).
export * as recall from './tasks/recall/index.js';
/** Task family C, in-context autoregressive learning by causal kernel descent (SPEC §10, reconstruction R-C). */
export * as autoregressive from './tasks/autoregressive/index.js';
// types that public signatures above refer to
export type { ConfigValue } from './sweep/spec.js';
export type { FiniteHead } from './tasks/cyclic/finite.js';
export type { Band as CyclicBand } from './tasks/cyclic/experiment.js';
export type { CrossInit } from './tasks/factorized/cross-attention.js';
export type { VegaLiteSpec } from './figure/spec-type.js';
export type { HeadData, HeadModelOptions } from './engine/heads/model.js';
export type { HeadBuffers, HeadKernel } from './engine/heads/buffers.js';
export { referenceDirections, NO_REFERENCE, type ReferenceDirections } from './train/reference.js';
export type { ReferenceSummary } from './train/run.js';
export { svmDirection, type SvmDirection } from './tasks/cyclic/direction.js';
export type { HeadReal } from './engine/heads/buffers.js';

// Threads (README "Threads"): the default rule of train()'s `threads` option, and why a runtime cannot run threads.
export { defaultThreads, threadsUnavailable } from './engine/threads.js';
