/**
 * The cyclic-orders family as a {@link SweepFamily}: one run = one dataset from Li et al.'s cyclic
 * generator (or a given file's dataset), one embedding, stage-2 training with A1–A9 recorded.
 * Deterministic from the config's seed (dataset, embedding and initialization all derive from it).
 */
import { endedStatus, type RunRecord, type RunResult, type RunStatus, type SweepFamily } from '../family.js';
import { NtpError } from '../../errors.js';
import { checkRunBytes } from '../../engine/limits.js';
import type { Dataset } from '../../dataset/types.js';
import { equiCorrelated, generateLiCyclic, normalizedGaussian } from './generators.js';
import { resolveCyclicOptions, trainCyclic, type CyclicRecord, type CyclicTrainOptions } from './train.js';

/** A run's config (all optional; defaults are §7.9's global-convergence run). */
export interface CyclicRunConfig extends CyclicTrainOptions {
  /** seed of dataset, embedding and initialization (default 1) */
  seed?: number;
  /** samples n, context length T, vocabulary K (defaults 6, 4, 6) */
  samples?: number;
  length?: number;
  vocab?: number;
  /** `gaussian` (default: Li et al.'s normalized Gaussian rows), `onehot`, or `equicorrelated` */
  embedding?: 'gaussian' | 'onehot' | 'equicorrelated';
  /** embedding dimension for `gaussian` (default 8) */
  d?: number;
  /** ρ for `equicorrelated` (default 0.5) */
  rho?: number;
}

/** §7.9's settings: selection head (`iden`), NGD lr 0.01, 4000 steps, PyTorch-default init, d = 8. */
export const GLOBAL_CONVERGENCE: Readonly<CyclicRunConfig> = {
  samples: 6, length: 4, vocab: 6, d: 8, embedding: 'gaussian', head: 'selection', optimizer: 'ngd', eta: 0.01, steps: 4000, init: 'default',
};

const OPTIONS = ['seed', 'samples', 'length', 'vocab', 'embedding', 'd', 'rho', 'head', 'optimizer', 'eta', 'steps', 'init', 'backend', 'precision', 't0', 'eta0'] as const;

/** The dataset (with its embedding rows) a config describes. */
export function datasetOf(config: CyclicRunConfig): Dataset {
  const seed = config.seed ?? 1;
  const K = config.vocab ?? 6;
  const ds = generateLiCyclic({ samples: config.samples ?? 6, length: config.length ?? 4, vocab: K, seed });
  const emb = config.embedding ?? 'gaussian';
  if (emb === 'gaussian') ds.embedding = normalizedGaussian(K, config.d ?? 8, seed + 0x9e3779b9);
  else if (emb === 'equicorrelated') ds.embedding = equiCorrelated(K, config.rho ?? 0.5);
  else if (emb !== 'onehot') throw new NtpError('invalid-option', `option embedding must be gaussian, onehot or equicorrelated (got ${JSON.stringify(emb)})`);
  return ds;
}

function validate(config: Readonly<Record<string, unknown>>): void {
  for (const k of Object.keys(config)) {
    if (!(OPTIONS as readonly string[]).includes(k)) throw new NtpError('invalid-option', `unknown option ${JSON.stringify(k)} for the cyclic family (options: ${OPTIONS.join(', ')})`);
  }
  const c = config as CyclicRunConfig;
  for (const k of ['samples', 'length', 'vocab', 'd'] as const) {
    if (c[k] !== undefined && (!Number.isInteger(c[k]) || (c[k] as number) < 1)) throw new NtpError('invalid-option', `option ${k} must be a positive integer (got ${JSON.stringify(c[k])})`);
  }
  if ((c.length ?? 4) > (c.vocab ?? 6)) throw new NtpError('invalid-option', `option length (${c.length ?? 4}) must not exceed vocab (${c.vocab ?? 6})`);
  if (c.embedding !== undefined && !['gaussian', 'onehot', 'equicorrelated'].includes(c.embedding)) {
    throw new NtpError('invalid-option', `option embedding must be gaussian, onehot or equicorrelated (got ${JSON.stringify(c.embedding)})`);
  }
  if (c.rho !== undefined && !(c.rho >= 0 && c.rho < 1)) throw new NtpError('invalid-option', `option rho must be in [0, 1) (got ${JSON.stringify(c.rho)})`);
  resolveCyclicOptions({ ...GLOBAL_CONVERGENCE, ...c }, c.d ?? 8);
  // the largest arrays: the n·T context embeddings, the K×d embedding, d×d weights, K×K scores
  const n = c.samples ?? 6, T = c.length ?? 4, K = c.vocab ?? 6, d = c.embedding === 'onehot' ? K : (c.d ?? 8);
  checkRunBytes(8 * (n * T * (K + d) + 2 * K * d + 8 * d * d + 4 * K * K), `samples = ${n}, length = ${T}, vocab = ${K}, d = ${d}`);
}

function flat(r: CyclicRecord): RunRecord {
  return { ...r };
}

/** The family: records hold step, loss and A1–A9 (`null` where undefined); `extra` holds W_svm/W_fin facts and A10. */
export const cyclicFamily: SweepFamily = {
  name: 'cyclic',
  options: OPTIONS,
  validate,
  async run(config, every): Promise<RunResult> {
    validate(config);
    const c = { ...GLOBAL_CONVERGENCE, ...(config as CyclicRunConfig) };
    const ds = datasetOf(c);
    const r = await trainCyclic(ds, { ...c, every });
    const records = r.records.map(flat);
    const { step: _s, ...final } = records[records.length - 1];
    return {
      // a period-2 orbit ends the run early without converging: `stopped`, the reason in extra
      status: r.status === 'period-2' ? 'stopped' : endedStatus(r.status as 'running' | RunStatus),
      final,
      records,
      extra: {
        reason: r.status,
        svm: { status: r.svm.status, norm: r.svm.norm, kkt: r.svm.kkt, message: r.svm.message },
        fin: { norm: r.fin.norm, loss: r.fin.loss, gradNorm: r.fin.gradNorm, iterations: r.fin.iterations, dim: r.fin.space.dim },
        floor: r.floor,
        frozen: r.frozen,
      },
    };
  },
};
