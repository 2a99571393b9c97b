// One factorized run on a user's dataset: stage 1 trains W_ov (Algorithm 1's first stage), stage 2
// the factors of W_kq = K_f·Q_fᵀ with W_ov fixed, and every record compares the product with the
// Frobenius and the nuclear-norm max-margin directions of the dataset's stage-2 constraints
// (Tarzanagh et al. 2023; docs/theory/factorized.md#training).

import { NtpError } from '../../errors.js';
import { analyze } from '../../dataset/analyze.js';
import type { Dataset } from '../../dataset/types.js';
import { makeEmbedding, type Embedding } from '../../engine/embedding.js';
import { packDataset } from '../../engine/packed.js';
import { availableCores, defaultThreads } from '../../engine/threads.js';
import type { Status } from '../../engine/backend.js';
import type { RunContext } from '../../family/definition.js';
import type { RunStatus } from '../../family/result.js';
import { constraintValues, solveFrobeniusSvm, solveNuclearSvm, type MarginConstraints } from '../../maxmargin/nuclear.js';
import { svd } from '../../maxmargin/svd.js';
import { iterateMetrics, numericalRank, type References } from './metrics.js';
import { createFactorizedModel } from './model.js';
import type { ResolvedFactorizedTrain } from './options.js';
import { embeddedConstraints } from './token-constraints.js';

/** One record of a train run, at a stage-2 step. */
export interface FactorizedRecord {
  /** stage-2 steps taken */
  step: number;
  /** the cross-entropy loss L (without the penalty) */
  loss: number;
  /** cos(K_f·Q_fᵀ, W_F) and cos(K_f·Q_fᵀ, W_*); null while K_f·Q_fᵀ = 0 (Q_f = 0 at a k-gaussian start) */
  cosF: number | null;
  cosStar: number | null;
  /** ‖W‖_F/(γ‖W_F‖_F) and ‖W‖_* ÷ (γν*) (1 at the max-margin direction of that norm); null while the margin γ ≤ 0 */
  froRatio: number | null;
  nucRatio: number | null;
  /** min_e ⟨A_e, W⟩ */
  margin: number;
  /** numerical rank of K_f·Qᵀ_f (σ > 1e-3σ₁) */
  rank: number;
  /** ‖W‖_* ÷ ‖W‖_F */
  nucOverFro: number;
  /** min over samples of the attention on the optimal token */
  minOptimalAttention: number;
}

/** The Frobenius max-margin direction W_F and how exactly it solves its problem. */
export interface FrobeniusReference {
  /** ‖W_F‖_F */
  norm: number;
  /** max over constraints of the KKT violations: 1 − ⟨A_e, W_F⟩, −λ_e, |λ_e(⟨A_e, W_F⟩ − 1)| (0 at the exact solution) */
  kktResidual: number;
  /** numerical rank of W_F (σ > 1e-6σ₁) */
  rank: number;
}

/** The nuclear-norm max-margin direction W_* with its duality certificate. */
export interface NuclearReference {
  /** `certified`: the relative duality gap reached 1e-9; `max-iterations`: the solve stopped at its cap with the gap below */
  status: 'certified' | 'max-iterations';
  /** certified lower bound on ν* = min ‖W‖_* (the nuc-ratio divides by it) */
  lowerBound: number;
  /** ‖W_*‖_* of the feasible solution returned, an upper bound on ν* */
  upperBound: number;
  relativeGap: number;
  /** numerical rank of W_* (σ > 1e-6σ₁) */
  rank: number;
  iterations: number;
}

/** What `factorized.train(dataset, options)` returns. */
export interface FactorizedTrainResult {
  /** `completed`: every step taken; `converged`: every factor gradient vanished exactly; `diverged` / `overflow`: stopped there */
  status: RunStatus;
  /** the stage the run stopped in (stage 1 only when it diverged or overflowed there) */
  stage: 1 | 2;
  /** the resolved options */
  config: ResolvedFactorizedTrain;
  vocab: number;
  d: number;
  m: number;
  /** stage-2 margin constraints ⟨A_e, W⟩ ≥ 1 (one per query, optimal token and other token) */
  constraints: number;
  frobenius: FrobeniusReference;
  nuclear: NuclearReference;
  /** stage-2 steps taken */
  steps: number;
  records: FactorizedRecord[];
  final: FactorizedRecord;
  /** W_kq = K_f·Q_fᵀ at the end, d×d row-major */
  Wkq: number[];
  warnings: string[];
}

/** max over e of the KKT violations of the Frobenius SVM's solution and multipliers. */
export function frobeniusKkt(c: MarginConstraints, W: Float64Array, lambda: Float64Array): number {
  const g = constraintValues(c, W);
  let r = 0;
  for (let e = 0; e < c.count; e++) r = Math.max(r, 1 - g[e], -lambda[e], Math.abs(lambda[e] * (g[e] - 1)));
  return r;
}

/**
 * The constraints with every a_e and z_e divided by the largest entry of its kind: the same
 * directions W_F, W_* (scaled by `scale` = max|a|·max|z|), solved at unit scale whatever the
 * embedding's (an embedding of scale 1e10 would put the Gram entries at 1e40).
 */
export function unitScaled(c: MarginConstraints): { constraints: MarginConstraints; scale: number } {
  let ka = 0;
  let za = 0;
  for (const x of c.keys) ka = Math.max(ka, Math.abs(x));
  for (const x of c.queries) za = Math.max(za, Math.abs(x));
  if (ka === 1 && za === 1) return { constraints: c, scale: 1 };
  return { constraints: { ...c, keys: c.keys.map((x) => x / ka), queries: c.queries.map((x) => x / za) }, scale: ka * za };
}

/** NaN (a cosine with a zero matrix) as null: a metric that is not defined, never a silent NaN. */
const defined = (x: number): number | null => (Number.isFinite(x) ? x : null);

const statusOf = (s: Status): RunStatus => (s === 'running' ? 'completed' : s);

/**
 * Trains the factorized model on a dataset from resolved options (checked and planned by the
 * caller): the SVMs first (an infeasible dataset is refused before any training), then stage 1,
 * then stage 2 in chunks of `every` steps, recording at step 0, every `every` steps and the last.
 */
export async function trainFactorized(ds: Dataset, o: ResolvedFactorizedTrain, ctx: Pick<RunContext, 'progress'>): Promise<FactorizedTrainResult> {
  const V = ds.vocab.length;
  const emb: Embedding = makeEmbedding(V, ds.embedding ?? 'onehot');
  const packed = packDataset(ds, analyze(ds).collocation);
  const { constraints: C, scale } = unitScaled(embeddedConstraints(packed, emb.E, emb.d));
  const F = solveFrobeniusSvm(C);
  const N = solveNuclearSvm(C, { maxIterations: o.svmIterations });
  const d = emb.d;
  // the solutions of the rescaled problem are the directions; norms are given back in the data's scale
  const refs: References = { constraints: C, WF: F.W, normF: F.norm, Wstar: N.W, nuStar: N.lowerBound };
  const frobenius: FrobeniusReference = { norm: F.norm / scale, kktResidual: frobeniusKkt(C, F.W, F.lambda), rank: numericalRank(svd(F.W, d, d).sigma, 1e-6) };
  const nuclear: NuclearReference = { status: N.status, lowerBound: N.lowerBound / scale, upperBound: N.nuclearNorm / scale, relativeGap: N.relativeGap, rank: N.rank, iterations: N.iterations };
  if (!(frobenius.kktResidual <= 1e-6) || !(F.norm > 0)) {
    throw new NtpError('svm-failed', `the Frobenius max-margin SVM of the dataset's ${C.count} stage-2 constraints was not solved (KKT residual ${frobenius.kktResidual}); no direction to compare with`);
  }
  if (!Number.isFinite(N.relativeGap) || !(N.lowerBound > 0)) {
    throw new NtpError('svm-failed', `the nuclear-norm max-margin SVM of the dataset's ${C.count} stage-2 constraints has no certificate (relative gap ${N.relativeGap}); no direction to compare with`);
  }
  const warnings: string[] = [];
  // kept in the result (the CLI prints them), not sent through ctx.warn as well, which would repeat them
  const warn = (w: string) => warnings.push(w);
  if (N.status !== 'certified') warn(`the nuclear-norm SVM stopped after ${N.iterations} iterations with a relative duality gap of ${N.relativeGap.toExponential(2)} (not certified to 1e-9); raise svmIterations`);

  // the default is the core model's rule: the stage-2 pass the threads split is the core's
  const threads = o.threads ?? (o.backend === 'wasm' ? defaultThreads(packed, await availableCores()) : 1);
  const fm = await createFactorizedModel(packed, { backend: o.backend, precision: o.precision, embedding: emb, m: o.m, init: o.init, initSeed: o.seed, lambda: o.lambda, threads });
  try {
    for (const w of fm.warnings) warn(w);
    if (fm.model.threadNote) warn(fm.model.threadNote);
    const total = o.t0 + o.steps;
    const s1 = fm.model.stage1(o.t0, o.eta0);
    ctx.progress(o.t0, total, s1.loss);
    const records: FactorizedRecord[] = [];
    const record = (step: number): FactorizedRecord => {
      const ev = fm.evaluate();
      const m = iterateMetrics(fm.getWkq(), d, refs);
      const r = { step, loss: ev.loss, cosF: defined(m.cosF), cosStar: defined(m.cosStar), froRatio: m.froRatio, nucRatio: m.nucRatio, margin: m.margin * scale, rank: m.rank, nucOverFro: m.nucOverFro, minOptimalAttention: ev.minOptimalAttention };
      records.push(r);
      return r;
    };
    let status: RunStatus = statusOf(s1.status);
    let stage: 1 | 2 = 1;
    let steps = 0;
    if (status === 'completed' || status === 'converged') {
      stage = 2;
      status = 'completed';
      record(0);
      while (steps < o.steps) {
        const r = fm.stage2(Math.min(o.every, o.steps - steps), o.eta, o.normalized);
        steps += r.steps;
        status = statusOf(r.status);
        ctx.progress(o.t0 + steps, total, r.loss);
        if (status === 'diverged' || status === 'overflow') break;
        record(steps);
        if (status === 'converged') break;
      }
    } else {
      record(0);
    }
    const final = records[records.length - 1];
    if (status === 'converged' && final.minOptimalAttention < 0.5) {
      warn(`every gradient is exactly 0 in floating point, but the attention on some sample's optimal token is ${final.minOptimalAttention.toPrecision(3)}: the softmax saturated on other tokens (scores too large: a step too large, or an embedding of large scale); use a smaller eta or eta0`);
    }
    if (stage === 1) warn(`stage 1 ${status} after ${s1.steps} steps (loss ${s1.loss}); stage 2 did not run: use a smaller eta0`);
    return { status, stage, config: o, vocab: V, d, m: fm.m, constraints: C.count, frobenius, nuclear, steps, records, final, Wkq: Array.from(fm.getWkq()), warnings };
  } finally {
    fm.dispose();
  }
}
