// The factorized-attention family (Tarzanagh et al. 2023) in the lab: W_kq trained as one matrix
// and as K_f·Q_fᵀ side by side on a one-hot dataset, each measured against the Frobenius SVM W_F
// (where W goes) and the nuclear-norm SVM W_* (where K_f·Q_fᵀ goes), docs/theory/factorized.md.
// The lab's only contact with the family's API: the page and family-worker.ts import this module.
import { analyze, createFactorizedModel, createModel, fromArrays, minMargin, packDataset, solveFrobeniusSvm, solveNuclearSvm, svd, svopExample, type BackendName, type Dataset, type Precision, type Status } from 'ntp-dynamics';
// not public yet: the stage-2 margin constraints of a one-hot dataset in token space
import { tokenConstraints } from '../../../src/tasks/factorized/token-constraints.js';
import type { RunHooks } from '../family-protocol.js';

export const EXAMPLES: Readonly<Record<string, { label: string; dataset: () => Dataset }>> = {
  unique: {
    label: 'three tokens, a unique W_* (ν* = 2/√3)',
    // collocation x→y, y→z, z→x; [y,x]→z and [y,z]→z select y under queries x and z
    dataset: () => fromArrays(['x', 'y', 'z'], [
      { context: ['x'], next: 'y' }, { context: ['y'], next: 'z' }, { context: ['z'], next: 'x' },
      { context: ['y', 'x'], next: 'z' }, { context: ['y', 'z'], next: 'z' },
    ]),
  },
  family: {
    label: 'four tokens, a family of W_* (ν* = √2): judge by ratios, not cosines',
    dataset: () => fromArrays(['p', 'r', 's', 't'], [
      { context: ['p'], next: 's' }, { context: ['r'], next: 't' }, { context: ['s'], next: 'p' }, { context: ['t'], next: 'r' },
      { context: ['r', 'p'], next: 't' }, { context: ['t', 's'], next: 'r' },
    ]),
  },
  svop: { label: 'SVOP (the core example)', dataset: svopExample },
};

export interface FactorizedSettings {
  example: string;
  /** inner dimension m of K_f, Q_f (null: d) */
  m: number | null;
  init: 'pytorch' | 'k-gaussian';
  t0: number;
  eta0: number;
  steps: number;
  /** NGD step sizes of W and of each factor */
  etaW: number;
  etaKQ: number;
  every: number;
  backend: BackendName;
  precision: Precision;
  /** threads both models train on (WebAssembly; default 1) */
  threads?: number;
}

export const DEFAULTS: FactorizedSettings = { example: 'unique', m: null, init: 'pytorch', t0: 300, eta0: 0.5, steps: 3000, etaW: 0.05, etaKQ: 0.01, every: 25, backend: 'wasm', precision: 'f64' };

/** Per parameterization: the loss, and ‖·‖ over the minimum margin relative to each SVM's norm (1 = that SVM's direction). */
export interface FactorizedRecord {
  step: number;
  W: Ratios;
  KQ: Ratios;
}

interface Ratios {
  loss: number;
  /** ‖W‖_F / (γ‖W_F‖_F) */
  fro: number | null;
  /** ‖W‖_* / (γ ν*) */
  nuc: number | null;
}

export interface FactorizedResult {
  vocab: string[];
  WF: Float64Array;
  Wstar: Float64Array;
  W: Float64Array;
  KQ: Float64Array;
  rankWF: number;
  rankWstar: number;
  rankW: number;
  rankKQ: number;
  /** σ₂/σ₁ of W_F, W_*, W, K_f·Q_fᵀ: how far each is from rank one */
  sigma2: { WF: number; Wstar: number; W: number; KQ: number };
  normWF: number;
  nuStar: number;
  certified: boolean;
  cosWFWstar: number;
  cosW: { WF: number; Wstar: number };
  cosKQ: { WF: number; Wstar: number };
  status: { W: Status; KQ: Status };
  warnings: string[];
  /** threads both models trained on */
  threads: number;
}

const RANK_TOL = 1e-6;
const nuclear = (W: Float64Array, d: number) => svd(W, d, d).sigma.reduce((a, b) => a + b, 0);
const rank = (W: Float64Array, d: number) => {
  const s = svd(W, d, d).sigma;
  return s.filter((x) => x > RANK_TOL * s[0]).length;
};
const sigma2 = (W: Float64Array, d: number) => {
  const s = svd(W, d, d).sigma;
  return s.length > 1 ? s[1] / s[0] : 0;
};
const cos = (a: Float64Array, b: Float64Array) => {
  let ab = 0;
  for (let i = 0; i < a.length; i++) ab += a[i] * b[i];
  return ab / (Math.hypot(...a) * Math.hypot(...b));
};

/** Trains both parameterizations in chunks of `every` steps; a run that converges (gradient underflow) stops moving. */
export async function run(s: FactorizedSettings, hooks: RunHooks<FactorizedRecord>): Promise<FactorizedResult> {
  const example = EXAMPLES[s.example];
  if (!example) throw new Error(`unknown example ${JSON.stringify(s.example)}`);
  for (const k of ['steps', 'every'] as const) if (!Number.isInteger(s[k]) || s[k] < 1) throw new Error(`${k} must be a whole number ≥ 1, got ${s[k]}`);
  const ds = example.dataset();
  const packed = packDataset(ds, analyze(ds).collocation);
  const C = tokenConstraints(packed);
  const F = solveFrobeniusSvm(C);
  const N = solveNuclearSvm(C);
  const d = packed.V;
  const opts = { backend: s.backend, precision: s.precision, ...(s.threads === undefined ? {} : { threads: s.threads }) };
  const full = await createModel(ds, opts);
  const fm = await createFactorizedModel(packed, { ...opts, init: s.init, initSeed: 0, ...(s.m === null ? {} : { m: s.m }) });
  try {
    full.stage1(s.t0, s.eta0);
    fm.model.stage1(s.t0, s.eta0);
    const ratios = (W: Float64Array, loss: number): Ratios => {
      const gamma = minMargin(C, W);
      if (!(gamma > 0)) return { loss, fro: null, nuc: null };
      return { loss, fro: Math.hypot(...W) / (gamma * F.norm), nuc: nuclear(W, d) / (gamma * N.lowerBound) };
    };
    const status = { W: 'running' as Status, KQ: 'running' as Status };
    let lossW = full.evaluate().loss;
    let lossKQ = fm.evaluate().loss;
    hooks.record({ step: 0, W: ratios(full.getWkq(), lossW), KQ: ratios(fm.getWkq(), lossKQ) });
    for (let t = 0; t < s.steps && (status.W === 'running' || status.KQ === 'running'); ) {
      const k = Math.min(s.every, s.steps - t);
      if (status.W === 'running') {
        const r = full.stage2(k, s.etaW);
        status.W = r.status;
        lossW = r.loss;
      }
      if (status.KQ === 'running') {
        const r = fm.stage2(k, s.etaKQ);
        status.KQ = r.status;
        lossKQ = r.loss;
      }
      t += k;
      hooks.record({ step: t, W: ratios(full.getWkq(), lossW), KQ: ratios(fm.getWkq(), lossKQ) });
      hooks.checkpoint();
    }
    const W = full.getWkq();
    const KQ = fm.getWkq();
    return {
      vocab: ds.vocab, WF: F.W, Wstar: N.W, W, KQ,
      rankWF: rank(F.W, d), rankWstar: N.rank, rankW: rank(W, d), rankKQ: rank(KQ, d),
      sigma2: { WF: sigma2(F.W, d), Wstar: sigma2(N.W, d), W: sigma2(W, d), KQ: sigma2(KQ, d) },
      normWF: F.norm, nuStar: N.lowerBound, certified: N.status === 'certified',
      cosWFWstar: cos(F.W, N.W),
      cosW: { WF: cos(W, F.W), Wstar: cos(W, N.W) }, cosKQ: { WF: cos(KQ, F.W), Wstar: cos(KQ, N.W) },
      status, warnings: [...fm.warnings], threads: full.threads ?? 1,
    };
  } finally {
    full.dispose();
    fm.dispose();
  }
}
