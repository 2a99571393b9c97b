import { planMemory } from '../../engine/plan.js';
import { runBytes } from './limits.js';
import { NtpError } from '../../errors.js';
import { solveFrobeniusSvm, solveNuclearSvm } from '../../maxmargin/nuclear.js';
import { svd } from '../../maxmargin/svd.js';
import type { RunResult, SweepFamily } from '../family.js';
import { generateAttentionData, checkDataOptions } from './data.js';
import { globalSelection, selectionConstraints } from './local-svm.js';
import { numericalRank } from './metrics.js';

const OPTIONS = ['n', 'T', 'd', 'seed'] as const;

function validate(config: Readonly<Record<string, unknown>>): void {
  for (const k of Object.keys(config)) {
    if (!(OPTIONS as readonly string[]).includes(k)) throw new NtpError('invalid-option', `unknown option ${JSON.stringify(k)} for the factorized-rank family (options: ${OPTIONS.join(', ')})`);
  }
  for (const k of OPTIONS) {
    const v = config[k];
    const min = k === 'seed' ? 0 : 1;
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= min)) throw new NtpError('invalid-option', `option ${k} must be an integer >= ${min} (got ${JSON.stringify(v)})`);
  }
}

/**
 * One instance of the rank study (SPEC §8.6 `svm_rank`): the global SVM (α = argmax γ) of a random
 * instance of sizes n, T, d; `final` holds the numerical rank (σ > 1e-6σ₁) of the Frobenius SVM
 * W_F, the rank of the nuclear-norm SVM W_*, whether its solve was certified (1e-9 gap) and its
 * relative gap. An instance whose global SVM is infeasible has status `infeasible` and no ranks.
 */
export function rankInstance(config: { n: number; T: number; d: number; seed: number }): RunResult {
  const { n, T, d, seed } = config;
  checkDataOptions({ n, T, d, seed });
  planMemory({ name: 'a factorized rank instance', bytes: runBytes({ n, T, d }), work: `n = ${n}, T = ${T}, d = ${d}` });
  const data = generateAttentionData({ n, T, d, seed });
  try {
    // in d = 1 two unit tokens can coincide, which makes a constraint ⟨0, W⟩ ≥ 1: infeasible too
    const C = selectionConstraints(data, globalSelection(data));
    const F = solveFrobeniusSvm(C);
    const N = solveNuclearSvm(C, { maxIterations: 5000 });
    const final = { rankF: numericalRank(svd(F.W, d, d).sigma, 1e-6), rankStar: N.rank, certified: N.status === 'certified' ? 1 : 0, relativeGap: N.relativeGap };
    return { status: 'completed', final, records: [] };
  } catch (e) {
    if (e instanceof NtpError && e.code === 'infeasible') return { status: 'infeasible', final: {}, records: [] };
    throw e;
  }
}

/** The rank study's instance as a sweep family (no records: an instance trains nothing). */
export const factorizedRankFamily: SweepFamily = {
  name: 'factorized-rank',
  options: OPTIONS,
  validate,
  async run(config) {
    validate(config);
    return rankInstance(config as { n: number; T: number; d: number; seed: number });
  },
};
