import { NtpError } from '../../errors.js';
import { planMemory } from '../../engine/plan.js';
import { runBytes } from './limits.js';
import { solveFrobeniusSvm, solveNuclearSvm } from '../../maxmargin/nuclear.js';
import { svd } from '../../maxmargin/svd.js';
import type { MetricValue, RunRecord, RunResult } from '../family.js';
import { checkTrainOptions, crossLossAndGradient, trainCrossAttention, type CrossInit, type Parameterization } from './cross-attention.js';
import { checkDataOptions, generateAttentionData, type AttentionData } from './data.js';
import { globalSelection, localSelection, selectionConstraints } from './local-svm.js';
import { iterateMetrics, numericalRank, type References } from './metrics.js';

/**
 * One run of the peer's `local_converge` experiment (SPEC §8.6): a random instance, W and (K, Q)
 * trained side by side with per-parameter NGD, each compared with the Frobenius and nuclear SVMs
 * of the tokens *it* selected at the end (the local SVMs), at every recorded step.
 */
export interface LocalConvergenceConfig {
  n: number;
  T: number;
  d: number;
  /** training steps (their ITN = 2000) */
  steps: number;
  /** their lr = 0.1 */
  lr: number;
  /** data seed (their `seed = run`); the inits use seed-derived streams of their own */
  seed: number;
  /** inner dimension of (K, Q) (default d) */
  m?: number;
  /** default `pytorch` (their local_converge) */
  init?: CrossInit;
  /** per-parameter NGD (default) or GD */
  normalized?: boolean;
  /**
   * penalty λ(‖K‖² + ‖Q‖²) of the (K, Q) run; default 2.22e-16, their code's value. It is not inert:
   * once the data gradient falls below ~1e-14 the penalty's gradient leads the normalized steps, and
   * the run keeps moving along the regularization path toward W_* (SPEC §8.6 table; λ = 0 freezes it)
   */
  lambdaKQ?: number;
  /** penalty λ‖W‖² of the W run (default 0: their W model has none) */
  lambdaW?: number;
  /** guard of the normalized step lr·g/(‖g‖ + eps) (default 2.22e-16, their code) */
  eps?: number;
  /** local selection thresholds (defaults 1e-2 and 9e-3) */
  threshold?: number;
  band?: number;
}

/** The options a config may hold. */
export const LOCAL_CONVERGENCE_OPTIONS = ['n', 'T', 'd', 'steps', 'lr', 'seed', 'm', 'init', 'normalized', 'lambdaKQ', 'lambdaW', 'eps', 'threshold', 'band'] as const;

/** The §8.6 defaults: n = 6, T = 8, d = 10, 2000 steps, lr = 0.1. */
export const LOCAL_CONVERGENCE_DEFAULTS: Readonly<LocalConvergenceConfig> = { n: 6, T: 8, d: 10, steps: 2000, lr: 0.1, seed: 0 };

/** Validates a config (unknown options included); the message names the option. */
export function validateLocalConvergence(config: Readonly<Record<string, unknown>>): LocalConvergenceConfig {
  for (const key of Object.keys(config)) {
    if (!(LOCAL_CONVERGENCE_OPTIONS as readonly string[]).includes(key)) throw new NtpError('invalid-option', `unknown option ${JSON.stringify(key)} of the factorized family (known: ${LOCAL_CONVERGENCE_OPTIONS.join(', ')})`);
  }
  const c = { ...LOCAL_CONVERGENCE_DEFAULTS, ...config } as LocalConvergenceConfig;
  checkDataOptions(c);
  for (const param of ['W', 'KQ'] as const) {
    checkTrainOptions({ param, steps: c.steps, lr: c.lr, every: 1, m: c.m, lambda: param === 'W' ? c.lambdaW : c.lambdaKQ, eps: c.eps, init: c.init }, c.d);
  }
  if (c.normalized !== undefined && typeof c.normalized !== 'boolean') throw new NtpError('invalid-option', `option normalized must be true or false, got ${JSON.stringify(c.normalized)}`);
  if (c.threshold !== undefined && !(c.threshold > 0 && c.threshold < 1)) throw new NtpError('invalid-option', `option threshold must be in (0, 1), got ${c.threshold}`);
  if (c.band !== undefined && !(c.band > 0 && c.band <= (c.threshold ?? 1e-2))) throw new NtpError('invalid-option', `option band must be in (0, threshold], got ${c.band}`);
  planMemory({ name: 'a factorized run', bytes: runBytes(c), work: `n = ${c.n}, T = ${c.T}, d = ${c.d}${c.m === undefined ? '' : `, m = ${c.m}`}` });
  return c;
}

/** One parameterization's local references, or why there are none. */
function localReferences(data: AttentionData, phi: Float64Array, c: LocalConvergenceConfig) {
  const sel = localSelection(data, phi, { threshold: c.threshold, band: c.band });
  const constraints = selectionConstraints(data, sel);
  // before attention sharpens every other token can sit above the threshold: nothing to separate yet
  if (constraints.count === 0) return { sel, refs: null, nuclear: null, why: 'no constraint: every other token is still above the selection threshold' };
  try {
    const F = solveFrobeniusSvm(constraints);
    const N = solveNuclearSvm(constraints, { maxIterations: 5000 });
    const refs: References = { constraints, WF: F.W, normF: F.norm, Wstar: N.W, nuStar: N.lowerBound };
    return { sel, refs, nuclear: N, why: '' };
  } catch (e) {
    if (e instanceof NtpError && e.code === 'infeasible') return { sel, refs: null, nuclear: null, why: 'infeasible: the selected tokens are not separable' };
    throw e;
  }
}

/** Runs one config; records every `every` steps. Deterministic from the config. */
export function runLocalConvergence(config: Readonly<Record<string, unknown>>, every: number): RunResult {
  const c = validateLocalConvergence(config);
  if (!Number.isInteger(every) || every < 1) throw new NtpError('invalid-option', `the record interval must be a positive integer, got ${every}`);
  const data = generateAttentionData(c);
  const runs = {} as Record<Parameterization, ReturnType<typeof trainCrossAttention>>;
  const refsOf = {} as Record<Parameterization, ReturnType<typeof localReferences>>;
  (['W', 'KQ'] as const).forEach((param, k) => {
    runs[param] = trainCrossAttention(data, {
      param, steps: c.steps, lr: c.lr, normalized: c.normalized, init: c.init ?? 'pytorch',
      // own init streams, disjoint from the data's: 2·seed+1 for W, 2·seed+2 for (K, Q)
      seed: 2 * c.seed + 1 + k, m: c.m, every, eps: c.eps,
      lambda: param === 'W' ? c.lambdaW ?? 0 : c.lambdaKQ ?? 2.220446049250313e-16,
    });
    refsOf[param] = localReferences(data, runs[param].attention, c);
  });
  // B5's second half: the attention mass on each sample's globally optimal token (argmax γ)
  const optimal = globalSelection(data).alpha;
  const phi = new Float64Array(data.n * data.T);
  const scratch = new Float64Array(2 * data.d + data.T);
  const optimalMass = (W: Float64Array): number => {
    crossLossAndGradient(data, W, null, phi, scratch);
    let mass = 0;
    for (let i = 0; i < data.n; i++) mass += phi[i * data.T + optimal[i]] / data.n;
    return mass;
  };
  const records: RunRecord[] = [];
  const steps = runs.W.recordSteps.length >= runs.KQ.recordSteps.length ? runs.W.recordSteps : runs.KQ.recordSteps;
  for (let r = 0; r < steps.length; r++) {
    const rec: RunRecord = { step: steps[r] };
    for (const param of ['W', 'KQ'] as const) {
      const run = runs[param];
      const at = Math.min(r, run.recordSteps.length - 1);
      const refs = refsOf[param].refs;
      rec[`${param}.loss`] = run.loss[at];
      rec[`${param}.maxAttention`] = run.maxAttention[at];
      rec[`${param}.optimalMass`] = optimalMass(run.W[at]);
      if (refs) {
        const m = iterateMetrics(run.W[at], c.d, refs);
        rec[`${param}.cosF`] = m.cosF;
        rec[`${param}.cosStar`] = m.cosStar;
        rec[`${param}.froRatio`] = m.froRatio;
        rec[`${param}.nucRatio`] = m.nucRatio;
        rec[`${param}.rank`] = m.rank;
        rec[`${param}.stableRank`] = m.stableRank;
        rec[`${param}.nucOverFro`] = m.nucOverFro;
        rec[`${param}.sigma2`] = m.sigmaRatios.length > 1 ? m.sigmaRatios[1] : null;
      }
      if (param === 'KQ') {
        const [nk, nq, cons] = run.factorNorms[at];
        rec['KQ.normK'] = nk;
        rec['KQ.normQ'] = nq;
        rec['KQ.conserved'] = cons;
      }
    }
    records.push(rec);
  }
  const final: Record<string, MetricValue> = { ...records[records.length - 1] };
  delete (final as Record<string, unknown>).step;
  const extra: Record<string, unknown> = {};
  for (const param of ['W', 'KQ'] as const) {
    const { sel, refs, nuclear, why } = refsOf[param];
    final[`${param}.ambiguous`] = sel.ambiguous;
    final[`${param}.multiSelected`] = sel.multiSelected;
    final[`${param}.nuStar`] = refs ? refs.nuStar : null;
    final[`${param}.svmGap`] = nuclear ? nuclear.relativeGap : null;
    final[`${param}.rankWF`] = refs ? numericalRank(svdSigma(refs.WF, c.d), 1e-6) : null;
    final[`${param}.rankWstar`] = nuclear ? nuclear.rank : null;
    extra[`${param}.status`] = runs[param].status;
    extra[`${param}.selected`] = Array.from(sel.alpha);
    if (!refs) extra[`${param}.svm`] = why;
  }
  const status = runs.W.status === 'diverged' || runs.KQ.status === 'diverged' ? 'diverged' : runs.W.status === 'converged' && runs.KQ.status === 'converged' ? 'converged' : 'running';
  return { status, final, records, extra };
}

function svdSigma(W: Float64Array, d: number): Float64Array {
  return svd(W, d, d).sigma;
}
