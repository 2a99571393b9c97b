import { NtpError } from '../../errors.js';
import { solveFrobeniusSvm, solveNuclearSvm } from '../../maxmargin/nuclear.js';
import { svd } from '../../maxmargin/svd.js';
import type { MetricValue, RunRecord, RunResult } from '../../family/sweep-family.js';
import { crossLossAndGradient, trainCrossAttention, type Parameterization } from './cross-attention.js';
import { generateAttentionData, type AttentionData } from './data.js';
import { resolveOptions } from '../../family/schema.js';
import type { RunStatus } from '../../family/result.js';
import { LOCAL_RUN_OPTIONS, checkLocalRun, type LocalRunOptions, type ResolvedLocalRun } from './options.js';
import { globalSelection, localSelection, selectionConstraints } from './local-svm.js';
import { iterateMetrics, numericalRank, type References } from './metrics.js';

/**
 * One run of their `local_converge` experiment (docs/theory/factorized.md#local-convergence): a
 * random instance, W and (K, Q) trained side by side with per-parameter NGD, each compared with the
 * Frobenius and nuclear SVMs of the tokens *it* selected at the end (the local SVMs), at every
 * recorded step. Its options: {@link LOCAL_RUN_OPTIONS}.
 */
export type LocalConvergenceConfig = ResolvedLocalRun;

/** Resolves defaults and checks every option (unknown ones included); the message names the option. */
export function validateLocalConvergence(config: unknown, fn = 'the factorized family\'s run'): ResolvedLocalRun {
  const c = resolveOptions(LOCAL_RUN_OPTIONS, config, { fn });
  checkLocalRun(c);
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
export function runLocalConvergence(config: LocalRunOptions, every: number): RunResult {
  const c = validateLocalConvergence(config);
  if (!Number.isInteger(every) || every < 1) throw new NtpError('invalid-option', `the record interval must be a positive integer, got ${every}`);
  const data = generateAttentionData(c);
  const runs = {} as Record<Parameterization, ReturnType<typeof trainCrossAttention>>;
  const refsOf = {} as Record<Parameterization, ReturnType<typeof localReferences>>;
  (['W', 'KQ'] as const).forEach((param, k) => {
    runs[param] = trainCrossAttention(data, {
      param, steps: c.steps, lr: c.eta, normalized: c.normalized, init: c.init,
      // own init streams, disjoint from the data's: 2·seed+1 for W, 2·seed+2 for (K, Q)
      seed: 2 * c.seed + 1 + k, m: c.m, every, eps: c.eps,
      lambda: param === 'W' ? c.lambdaW : c.lambdaKQ,
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
    extra[`${param}.status`] = runs[param].status === 'running' ? 'completed' : runs[param].status;
    extra[`${param}.selected`] = Array.from(sel.alpha);
    if (!refs) extra[`${param}.svm`] = why;
  }
  const status: RunStatus = runs.W.status === 'diverged' || runs.KQ.status === 'diverged' ? 'diverged' : runs.W.status === 'converged' && runs.KQ.status === 'converged' ? 'converged' : 'completed';
  return { status, final, records, extra };
}

function svdSigma(W: Float64Array, d: number): Float64Array {
  return svd(W, d, d).sigma;
}
