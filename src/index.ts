/**
 * ntp-dynamics: train one-layer transformers on next-token prediction (WebAssembly SIMD or
 * pure TypeScript) and measure their training dynamics against the theory of Huang, Liang,
 * Yang, "Non-asymptotic Convergence of Training Transformers for Next-token Prediction" (2024).
 */
import { analyze } from './dataset/analyze.js';
import type { Dataset } from './dataset/types.js';
import type { Model } from './engine/backend.js';
import { createEngineModel, type EngineOptions } from './engine/create.js';
import { packDataset } from './engine/packed.js';
import { initWasm } from './engine/wasm.js';

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

/**
 * Compiles the WebAssembly kernels (embedded in the package). Call once before using the
 * `wasm` backend; rejects with NtpError code `no-simd` where WebAssembly SIMD is unavailable,
 * in which case pass `{ backend: 'js' }`. Training functions call it themselves.
 */
export async function init(): Promise<void> {
  await initWasm();
}

/**
 * A model over a dataset, with zero weights, ready for `stage1`, `stage2`, `joint` chunks.
 * The dataset is analyzed (for its collocation) and packed into the backend's memory once.
 */
export async function createModel(dataset: Dataset, opts: EngineOptions = {}): Promise<Model> {
  const analysis = analyze(dataset);
  return createEngineModel(packDataset(dataset, analysis.collocation), { embedding: dataset.embedding, ...opts });
}

/** Task family C, in-context autoregressive learning by causal kernel descent (SPEC §10, reconstruction R-C). */
export * as autoregressive from './tasks/autoregressive/index.js';
