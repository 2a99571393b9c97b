import { NtpError } from '../../errors.js';
import { solveFrobeniusSvm, solveNuclearSvm } from '../../maxmargin/nuclear.js';
import { svd } from '../../maxmargin/svd.js';
import { checkPlan } from '../../family/limits.js';
import { resolveOptions } from '../../family/schema.js';
import type { RunResult, SweepFamily } from '../../family/sweep-family.js';
import { generateAttentionData } from './data.js';
import { globalSelection, selectionConstraints } from './local-svm.js';
import { numericalRank } from './metrics.js';
import { RANK_INSTANCE_OPTIONS, type RankInstanceOptions } from './options.js';

const resolveInstance = (config: unknown) => resolveOptions(RANK_INSTANCE_OPTIONS, config, { fn: 'the factorized-rank family\'s instance' });

/**
 * One instance of the rank study (their `svm_rank`; docs/theory/factorized.md#the-rank-study): the
 * global SVM (α = argmax γ) of a random instance of sizes n, T, d; `final` holds the numerical rank
 * (σ > 1e-6σ₁) of the Frobenius SVM W_F, the rank of the nuclear-norm SVM W_*, whether its solve
 * was certified (1e-9 gap) and its relative gap. An instance whose global SVM is infeasible
 * completes with `final.infeasible = 1` and no ranks.
 */
export function rankInstance(config: RankInstanceOptions): RunResult {
  const { n, T, d, seed } = resolveInstance(config);
  const data = generateAttentionData({ n, T, d, seed });
  try {
    // in d = 1 two unit tokens can coincide, which makes a constraint ⟨0, W⟩ ≥ 1: infeasible too
    const C = selectionConstraints(data, globalSelection(data));
    const F = solveFrobeniusSvm(C);
    const N = solveNuclearSvm(C, { maxIterations: 5000 });
    const final = { infeasible: 0, rankF: numericalRank(svd(F.W, d, d).sigma, 1e-6), rankStar: N.rank, certified: N.status === 'certified' ? 1 : 0, relativeGap: N.relativeGap };
    return { status: 'completed', final, records: [] };
  } catch (e) {
    if (e instanceof NtpError && e.code === 'infeasible') return { status: 'completed', final: { infeasible: 1 }, records: [] };
    throw e;
  }
}

/** The rank study's instance as a sweep family (no records: an instance trains nothing). */
export const factorizedRankFamily: SweepFamily = {
  name: 'factorized-rank',
  options: Object.keys(RANK_INSTANCE_OPTIONS),
  validate(config) {
    const { n, T, d } = resolveInstance(config);
    const c = n * (T - 1);
    checkPlan({ bytes: 8 * (n * T * d + 4 * c * c + 2 * c * d + 16 * d * d), sizes: { n, T, d, constraints: c } }, 'a factorized-rank instance');
  },
  async run(config) {
    return rankInstance(config as RankInstanceOptions);
  },
};
