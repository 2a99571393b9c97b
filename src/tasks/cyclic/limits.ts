/**
 * Planned memory of the cyclic family's runs, from the dataset's sizes and the options alone
 * (docs/theory/cyclic.md): the engine model, the d×d iterates and references (W_svm, W_fin,
 * the orbit test's copies) and, for `ce-frozen`, the |V|×|V| logit matrix.
 */
import type { Dataset } from '../../dataset/types.js';
import { checkModelSize, datasetSizes, modelBytes } from '../../engine/limits.js';
import { planMemory } from '../../engine/plan.js';

const F64 = 8;
/** what one run's record of one recorded step holds (A1–A10 and the loss, as JSON-ready numbers; a generous bound) */
const RECORD_BYTES = 512;
/** what one dataset's run holds besides its records (its dataset, config and final values; a generous bound) */
const RUN_BYTES = 8192;

/** Sizes a cyclic run's memory depends on. */
export interface CyclicSizes {
  V: number;
  d: number;
  N: number;
  totalTokens: number;
  maxLength: number;
  oneHot: boolean;
  precision: 'f64' | 'f32';
}

/** The sizes of a validated dataset. */
export function cyclicSizes(ds: Dataset, precision: 'f64' | 'f32' = 'f64'): CyclicSizes {
  const V = ds.vocab.length;
  const d = ds.embedding ? (ds.embedding[0]?.length ?? V) : V;
  const z = datasetSizes(ds, d, precision, !ds.embedding);
  return { V, d, N: z.N, totalTokens: z.totalTokens, maxLength: z.maxLength, oneHot: z.oneHot, precision };
}

/** Bytes of one run of trainCyclic: the engine model and about twelve d×d and two |V|×|V| float64 matrices. */
export function runBytes(z: CyclicSizes): number {
  return modelBytes({ ...z, C: z.V }) + F64 * (12 * z.d * z.d + 2 * z.V * z.V + 4 * z.totalTokens + z.d * z.V);
}

/** Bytes of the global-convergence experiment's records: every dataset's run, kept until the mean ± std. */
export function experimentBytes(z: { datasets: number; steps: number; every: number }): number {
  return z.datasets * (RUN_BYTES + (Math.floor(z.steps / z.every) + 1) * RECORD_BYTES);
}

/**
 * Refuses a run of a validated dataset whose model or matrices do not fit (NtpError 'too-large'
 * naming |V|, d and the bytes): before the analysis, the graph SVM and the model allocate.
 */
export function planRun(ds: Dataset, precision: 'f64' | 'f32' = 'f64'): void {
  const z = cyclicSizes(ds, precision);
  checkModelSize({ ...z, C: z.V });
  planMemory({ name: 'a cyclic run', bytes: runBytes(z), work: `|V| = ${z.V}, d = ${z.d}, ${z.N} samples` });
}

/** Refuses a global-convergence experiment whose records do not fit. */
export function planExperiment(z: { datasets: number; steps: number; every: number }): void {
  planMemory({ name: 'the cyclic experiment', bytes: experimentBytes(z), work: `${z.datasets} datasets of ${z.steps} steps recorded every ${z.every}` });
}

/** The planned bytes of a run of this family, for an options schema: one `run` (its sizes) or the `experiment`. */
export function plannedBytes(kind: 'run' | 'experiment', options: CyclicSizes | { datasets: number; steps: number; every: number }): number {
  return kind === 'run' ? runBytes(options as CyclicSizes) : experimentBytes(options as { datasets: number; steps: number; every: number });
}
