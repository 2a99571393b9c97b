// The cyclic family's options, declared once: the API types, the run-time check, the CLI flags,
// the sweep validator and the docs tables all come from these schemas (Li et al. 2024;
// docs/theory/cyclic.md).

import { NtpError } from '../../errors.js';
import type { Dataset } from '../../dataset/types.js';
import { modelBytes } from '../../engine/limits.js';
import { backendOption, etaOption, everyOption, precisionOption, seedOption, stepsOption, threadsOption, workersOption } from '../../family/common-options.js';
import type { Plan } from '../../family/definition.js';
import { numberBytes } from '../../family/limits.js';
import { omitOptions, opt, withDefaults, type NameOf, type OptionsOf, type ResolvedOf } from '../../family/schema.js';

/** Largest count option (samples, vocabulary, datasets): past it the plan refuses anyway. */
const BIG = 1e9;

/** Options of one run on a dataset (`ntp cyclic train --data FILE`, `cyclic.train(dataset, options)`). */
export const CYCLIC_TRAIN_OPTIONS = {
  head: opt.choice(['selection', 'gen', 'ce-frozen'] as const, 'the stage-2 head trained on the attention samples', {
    default: 'selection',
    choiceDocs: {
      selection: 'loss −log Φ_o, the attention on the target (Li et al.\'s `iden`)',
      gen: 'cross-entropy of the attended tokens against the target (M = I)',
      'ce-frozen': 'the package\'s Algorithm 1: stage 1 trains W_ov (--t0, --eta0), then W_kq with W_ov frozen',
    },
  }),
  optimizer: opt.choice(['ngd', 'gd'] as const, 'normalized (W ← W − η∇/‖∇‖_F) or plain gradient descent', { default: 'ngd' }),
  eta: etaOption(0.01),
  steps: stepsOption(4000),
  init: opt.choice(['zero', 'default'] as const, 'W_0 = 0, or PyTorch nn.Linear\'s U(−1/√d, 1/√d) drawn from --seed', { default: 'zero' }),
  t0: opt.int('stage-1 steps on W_ov (default 900)', { min: 0, max: 1e9, unit: 'steps', optional: true, only: { head: ['ce-frozen'] } }),
  eta0: opt.number('stage-1 NGD step size (default 0.2/√d)', { min: 0, exclusiveMin: true, max: 1e12, optional: true, only: { head: ['ce-frozen'] } }),
  seed: seedOption(1, 'seed of the random initialization (--init default)'),
  every: everyOption(100),
  precision: precisionOption(),
  backend: backendOption(),
  threads: threadsOption(),
};

/** Options of one run on a dataset drawn from Li et al.'s generator (a sweep's run, a dataset of the global experiment). */
export const CYCLIC_RUN_OPTIONS = {
  seed: seedOption(1, 'seed of the dataset, its embedding and the initialization'),
  samples: opt.int('samples n of the generator', { default: 6, min: 1, max: BIG, placeholder: 'n' }),
  length: opt.int('context length T (distinct tokens; the last is the query)', { default: 4, min: 2, max: BIG, unit: 'tokens', placeholder: 'T' }),
  vocab: opt.int('vocabulary size K', { default: 6, min: 2, max: BIG, unit: 'tokens', placeholder: 'K' }),
  embedding: opt.choice(['gaussian', 'onehot', 'equicorrelated'] as const, 'token embedding', {
    default: 'gaussian',
    choiceDocs: { gaussian: 'Li et al.\'s normalized Gaussian rows in R^d', onehot: 'E = I (d = K)', equicorrelated: 'unit rows with ⟨E_i, E_j⟩ = ρ (d = K + 1)' },
  }),
  d: opt.int('dimension of the Gaussian embedding (default 8)', { min: 1, max: BIG, optional: true, only: { embedding: ['gaussian'] } }),
  rho: opt.number('ρ = ⟨E_i, E_j⟩ of the equicorrelated embedding (default 0.5)', { min: 0, max: 1, exclusiveMax: true, optional: true, only: { embedding: ['equicorrelated'] } }),
  ...withDefaults(omitOptions(CYCLIC_TRAIN_OPTIONS, ['seed', 'every']), { init: 'default' }),
};

/** Options of Li et al.'s global-convergence experiment (`ntp cyclic experiment global`, `cyclic.experiment('global', options)`). */
export const GLOBAL_OPTIONS = {
  datasets: opt.int('random datasets, seeds --seed … --seed + N − 1', { default: 10, min: 1, max: BIG, placeholder: 'N' }),
  ...CYCLIC_RUN_OPTIONS,
  seed: seedOption(1, 'seed of the first dataset (dataset k uses seed + k)'),
  every: everyOption(50),
  workers: workersOption(),
};

export type CyclicTrainSchema = typeof CYCLIC_TRAIN_OPTIONS;
export type CyclicRunSchema = typeof CYCLIC_RUN_OPTIONS;
export type GlobalSchema = typeof GLOBAL_OPTIONS;
/** Options of one run on a dataset, as a caller passes them. */
export type CyclicTrainOptions = OptionsOf<CyclicTrainSchema>;
/** Options of one run on a dataset, after defaults. */
export type ResolvedCyclicTrain = ResolvedOf<CyclicTrainSchema>;
/** A sweep run's config: a generated dataset and its training. */
export type CyclicRunConfig = OptionsOf<CyclicRunSchema>;
export type ResolvedCyclicRun = ResolvedOf<CyclicRunSchema>;
/** Options of the global-convergence experiment. */
export type GlobalConvergenceOptions = OptionsOf<GlobalSchema>;
export type ResolvedGlobal = ResolvedOf<GlobalSchema>;

/** A generated run's options against each other: T ≤ K (the schema's `only` keeps d, ρ, t0 and η0 to the embedding or head they shape). */
export function checkRun(o: ResolvedCyclicRun, nameOf: NameOf = (k) => k): void {
  if (o.length > o.vocab) throw new NtpError('invalid-option', `option ${nameOf('length')} (${o.length}) must not exceed ${nameOf('vocab')} (${o.vocab}): the tokens of a context are distinct`);
}

/** The sizes a run's memory depends on. */
export interface CyclicSizes {
  /** |V| */
  V: number;
  /** embedding dimension (|V| for one-hot) */
  d: number;
  oneHot: boolean;
  /** distinct samples */
  N: number;
  /** context tokens over all samples */
  tokens: number;
  maxLength: number;
}

/**
 * The memory of one run from its sizes: the head's buffers (scores K and ∇K, |V|×|V|; W and its
 * gradient and orbit copies, d×d; with an embedding E and the products' scratch, d×|V|, on both
 * sides of the WebAssembly boundary), or Algorithm 1's model for ce-frozen, plus the f64 references
 * and metrics (the graph-SVM's K and W, W_fin's K and W, the token Gram, one record's K and
 * S_fin coefficients: five |V|×|V| and eight d×d).
 */
export function planBytes(z: CyclicSizes, head: string, precision: 'f64' | 'f32'): number {
  const { V, d } = z;
  const VV = V * V;
  const dd = d * d;
  const model = head === 'ce-frozen'
    ? modelBytes({ V, d, N: z.N, totalTokens: z.tokens, C: V, maxLength: z.maxLength, precision, oneHot: z.oneHot }) + numberBytes(VV)
    : numberBytes(2 * VV + 4 * dd + z.tokens + z.maxLength + 2 * V, precision) + 4 * (2 * z.N + z.tokens) + (z.oneHot ? 0 : numberBytes(2 * d * V) + numberBytes(2 * d * V + 2 * dd, precision));
  const references = numberBytes(5 * VV + 8 * dd + (z.oneHot ? 0 : 3 * d * V));
  return model + references;
}

/** The sizes of a user's dataset. */
export function datasetSizes(ds: Dataset): CyclicSizes {
  const V = ds.vocab.length;
  const row = ds.embedding?.[0];
  const d = Array.isArray(row) ? row.length : V;
  let tokens = 0;
  let maxLength = 0;
  for (const s of ds.samples) {
    tokens += s.context.length;
    maxLength = Math.max(maxLength, s.context.length);
  }
  return { V, d, oneHot: !ds.embedding, N: ds.samples.length, tokens, maxLength };
}

/** The plan of one run on a dataset: refused before the analysis, the graph-SVM or the head allocate anything. */
export function planTrain(o: ResolvedCyclicTrain, ds: Dataset): Plan {
  const z = datasetSizes(ds);
  const steps = Math.floor(o.steps / o.every) + 2;
  return {
    bytes: planBytes(z, o.head, o.precision) + numberBytes(steps * 16),
    sizes: { '|V|': z.V, d: z.d, samples: z.N, 'context tokens': z.tokens, records: steps },
    work: o.steps * (z.tokens * 4 + z.d * z.d * 4),
  };
}

/** The sizes of a generated run: n samples of T tokens plus the |V| collocation samples. */
export function generatedSizes(o: Pick<ResolvedCyclicRun, 'samples' | 'length' | 'vocab' | 'embedding' | 'd'>): CyclicSizes {
  const V = o.vocab;
  const d = o.embedding === 'gaussian' ? (o.d ?? 8) : o.embedding === 'equicorrelated' ? V + 1 : V;
  return { V, d, oneHot: o.embedding === 'onehot', N: o.samples + V, tokens: o.samples * o.length + V, maxLength: o.length };
}

/** The plan of one generated run (a sweep's run). */
export function planRun(o: ResolvedCyclicRun): Plan {
  const z = generatedSizes(o);
  return { bytes: planBytes(z, o.head, o.precision), sizes: { vocab: z.V, d: z.d, samples: o.samples, length: o.length } };
}

/** The plan of the experiment: one dataset's run at a time per worker, and every run's records. */
export function planGlobal(o: ResolvedGlobal): Plan {
  const z = generatedSizes(o);
  const records = o.datasets * (Math.floor(o.steps / o.every) + 2);
  return {
    bytes: planBytes(z, o.head, o.precision) + numberBytes(records * 16 * 2),
    sizes: { vocab: z.V, d: z.d, samples: o.samples, length: o.length, datasets: o.datasets, records },
    work: o.datasets * o.steps * (z.tokens * 4 + z.d * z.d * 4),
  };
}
