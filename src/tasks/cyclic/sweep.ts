/**
 * The cyclic-orders family as a {@link SweepFamily}: one run = one dataset from Li et al.'s cyclic
 * generator, one embedding, stage-2 training with A1–A9 recorded. Deterministic from the config's
 * seed (dataset, embedding and initialization all derive from it). A config holds the options of
 * {@link CYCLIC_RUN_OPTIONS}; their defaults are the global-convergence run's (Li et al. 2024, §5).
 */
import type { RunRecord, RunResult, SweepFamily } from '../../family/sweep-family.js';
import type { Dataset } from '../../dataset/types.js';
import { checkPlan } from '../../family/limits.js';
import { resolveOptions } from '../../family/schema.js';
import { equiCorrelated, generateLiCyclic, normalizedGaussian } from './generators.js';
import { CYCLIC_RUN_OPTIONS, checkRun, planRun, type CyclicRunConfig, type ResolvedCyclicRun } from './options.js';
import { runCyclicTrain } from './train.js';
import { objectArg } from '../../api/arguments.js';

export type { CyclicRunConfig } from './options.js';

/** The global-convergence run's settings: selection head (`iden`), NGD lr 0.01, 4000 steps, PyTorch-default init, d = 8. */
export const GLOBAL_CONVERGENCE: Readonly<CyclicRunConfig> = {
  samples: 6, length: 4, vocab: 6, d: 8, embedding: 'gaussian', head: 'selection', optimizer: 'ngd', eta: 0.01, steps: 4000, init: 'default',
};

/** The dataset (with its embedding rows) a resolved config describes. */
export function datasetOf(c: Pick<ResolvedCyclicRun, 'seed' | 'samples' | 'length' | 'vocab' | 'embedding' | 'd' | 'rho'>): Dataset {
  objectArg(c, 'datasetOf(config): config');
  const ds = generateLiCyclic({ samples: c.samples, length: c.length, vocab: c.vocab, seed: c.seed });
  if (c.embedding === 'gaussian') ds.embedding = normalizedGaussian(c.vocab, c.d ?? 8, c.seed + 0x9e3779b9);
  else if (c.embedding === 'equicorrelated') ds.embedding = equiCorrelated(c.vocab, c.rho ?? 0.5);
  return ds;
}

/** Resolves a config against the schema, checks its options together and plans its memory. */
export function resolveRun(config: unknown, fn = 'the cyclic family'): ResolvedCyclicRun {
  const o = resolveOptions(CYCLIC_RUN_OPTIONS, config, { fn });
  checkRun(o);
  checkPlan(planRun(o), fn);
  return o;
}

/** Runs one resolved config; `every` is the record interval. */
export async function runGenerated(o: ResolvedCyclicRun, every: number): Promise<RunResult> {
  const r = await runCyclicTrain(datasetOf(o), { head: o.head, optimizer: o.optimizer, eta: o.eta, steps: o.steps, init: o.init, t0: o.t0, eta0: o.eta0, seed: o.seed, every, precision: o.precision, backend: o.backend, threads: o.threads ?? 1 });
  const records: RunRecord[] = r.records.map((x) => ({ ...x }));
  const { step: _s, ...final } = records[records.length - 1];
  return {
    status: r.status,
    final,
    records,
    extra: {
      orbit: r.orbit,
      svm: { status: r.svm.status, norm: r.svm.norm, kkt: r.svm.kkt, message: r.svm.message },
      fin: { status: r.fin.status, norm: r.fin.norm, loss: r.fin.loss, gradNorm: r.fin.gradNorm, iterations: r.fin.iterations, dim: r.fin.space.dim },
      floor: r.floor,
      frozen: r.frozen,
      warnings: r.warnings,
    },
  };
}

/** The family: records hold step, loss and A1–A9 (`null` where undefined); `extra` holds W_svm/W_fin facts, A10 and the orbit. */
export const cyclicFamily: SweepFamily = {
  name: 'cyclic',
  options: Object.keys(CYCLIC_RUN_OPTIONS),
  validate(config) {
    resolveRun(config);
  },
  async run(config, every): Promise<RunResult> {
    return runGenerated(resolveRun(config), every);
  },
};
