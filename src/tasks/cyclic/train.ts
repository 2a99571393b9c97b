/**
 * One training run of the cyclic family (SPEC §7.7): stage 2 with head `ce-frozen` (the package's
 * Algorithm 1: stage 1 on W_ov, then W_kq with W_ov fixed, on today's engine), `selection` or `gen`
 * (the new head kernels), NGD or GD, zero or PyTorch-default initialization, with A1–A10 recorded
 * against the exact W_svm and W_fin and period-2 orbits reported as a status.
 */
import { analyze } from '../../dataset/analyze.js';
import type { Dataset } from '../../dataset/types.js';
import type { BackendName, Precision } from '../../engine/backend.js';
import { createEngineModel } from '../../engine/create.js';
import { makeEmbedding, type Embedding } from '../../engine/embedding.js';
import { createHeadModel, packHeadData } from '../../engine/heads/model.js';
import { packDataset } from '../../engine/packed.js';
import { createRng } from '../../dataset/random.js';
import { NtpError } from '../../errors.js';
import { checkDatasetArgument } from '../../dataset/validate.js';
import { planRun } from './limits.js';
import { cyclicData, type CyclicData } from '../../dataset/cyclic-orders.js';
import { finitePart, type FinitePart } from './finite.js';
import { graphSvm, type GraphSvm } from '../../maxmargin/graph-svm.js';
import { genOutput, headLoss, lossFloor, type HeadOutput } from './loss.js';
import { cyclicMetrics, frozenComponent, type CyclicMetrics } from './metrics.js';

/** The stage-2 heads of the family. */
export type CyclicHead = 'ce-frozen' | 'selection' | 'gen';

/** Options of {@link trainCyclic}. */
export interface CyclicTrainOptions {
  /** `ce-frozen` (default), `selection` or `gen` */
  head?: CyclicHead;
  /** `ngd` (default) or `gd` */
  optimizer?: 'ngd' | 'gd';
  /** stage-2 step size (default 0.01) */
  eta?: number;
  /** stage-2 steps (default 4000) */
  steps?: number;
  /** `zero` (default) or `default`: PyTorch nn.Linear's U(−1/√d, 1/√d) */
  init?: 'zero' | 'default';
  /** seed of the random initialization (default 1) */
  seed?: number;
  /** `wasm` (default) or `js` */
  backend?: BackendName;
  /** `f64` (default) or `f32`: the engine's precision (the head kernels' or the core model's) */
  precision?: Precision;
  /** record every this many steps, and at 0 and the end (default 100) */
  every?: number;
  /** ce-frozen: stage-1 steps and NGD step size (defaults 900 and 0.2/√d) */
  t0?: number;
  eta0?: number;
}

/** A record: the step, the head's loss on the attention samples, and A1–A9. */
export interface CyclicRecord extends CyclicMetrics {
  step: number;
  loss: number;
}

/** What a run reports. */
export interface CyclicTrainResult {
  /** `running` (all steps taken), `converged`, `diverged`, `overflow` or `period-2` */
  status: string;
  /** step at which the run stopped */
  steps: number;
  records: CyclicRecord[];
  svm: GraphSvm;
  fin: FinitePart;
  /** the loss floor L_red(W_fin) (+ the fixed loss of samples outside the reduced set) */
  floor: number;
  /** A10 ‖Π_⊥W_0‖ */
  frozen: number;
  /** the trained W_kq (d×d) */
  W: Float64Array;
}

function embeddingOf(ds: Dataset): Embedding {
  const V = ds.vocab.length;
  return ds.embedding ? makeEmbedding(V, ds.embedding) : makeEmbedding(V, 'onehot');
}

/** Checks the options, naming the bad one. */
export function resolveCyclicOptions(opts: CyclicTrainOptions, d: number): Required<CyclicTrainOptions> {
  const r = {
    head: opts.head ?? 'ce-frozen',
    optimizer: opts.optimizer ?? 'ngd',
    eta: opts.eta ?? 0.01,
    steps: opts.steps ?? 4000,
    init: opts.init ?? 'zero',
    seed: opts.seed ?? 1,
    backend: opts.backend ?? 'wasm',
    precision: opts.precision ?? 'f64',
    every: opts.every ?? 100,
    t0: opts.t0 ?? 900,
    eta0: opts.eta0 ?? 0.2 / Math.sqrt(d),
  } as Required<CyclicTrainOptions>;
  const oneOf = (k: keyof CyclicTrainOptions, allowed: string[]) => {
    if (!allowed.includes(r[k] as string)) throw new NtpError('invalid-option', `option ${k} must be one of ${allowed.join(', ')} (got ${JSON.stringify(r[k])})`);
  };
  oneOf('head', ['ce-frozen', 'selection', 'gen']);
  oneOf('optimizer', ['ngd', 'gd']);
  oneOf('init', ['zero', 'default']);
  oneOf('backend', ['wasm', 'js']);
  oneOf('precision', ['f64', 'f32']);
  for (const k of ['steps', 't0'] as const) if (!Number.isInteger(r[k]) || r[k] < 0) throw new NtpError('invalid-option', `option ${k} must be an integer >= 0 (got ${r[k]})`);
  if (!Number.isInteger(r.every) || r.every < 1) throw new NtpError('invalid-option', `option every must be an integer >= 1 (got ${r.every})`);
  if (!Number.isInteger(r.seed)) throw new NtpError('invalid-option', `option seed must be an integer (got ${r.seed})`);
  for (const k of ['eta', 'eta0'] as const) if (!(r[k] > 0) || !Number.isFinite(r[k])) throw new NtpError('invalid-option', `option ${k} must be a positive finite number (got ${r[k]})`);
  return r;
}

/** PyTorch nn.Linear's default initialization U(−1/√d, 1/√d), seeded. */
export function defaultInit(d: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const b = 1 / Math.sqrt(d);
  return Float64Array.from({ length: d * d }, () => (2 * rng.next() - 1) * b);
}

/** The token-space scores K = EᵀWE (K[v·V + q]). */
function scoresOf(data: CyclicData, W: ArrayLike<number>): Float64Array {
  const { V, d, E } = data;
  const K = new Float64Array(V * V);
  if (E === null) {
    for (let k = 0; k < V * V; k++) K[k] = W[k];
    return K;
  }
  const Y = new Float64Array(d * V);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let q = 0; q < V; q++) Y[i * V + q] += W[i * d + j] * E[j * V + q];
  for (let t = 0; t < V; t++) for (let q = 0; q < V; q++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += E[i * V + t] * Y[i * V + q];
    K[t * V + q] = s;
  }
  return K;
}

/**
 * Trains stage 2 of a (possibly cyclic) dataset and measures it against W_svm and W_fin.
 * @throws NtpError for bad options, a sample whose target is absent ('target-absent'), or a
 *   collocation that is not a function or not injective.
 */
export async function trainCyclic(ds: Dataset, opts: CyclicTrainOptions = {}): Promise<CyclicTrainResult> {
  // a hand-built dataset gets the checks a parsed file gets: ids in range, positive counts
  checkDatasetArgument(ds);
  if (typeof opts !== 'object' || opts === null) throw new NtpError('invalid-option', `trainCyclic() options must be an object (got ${opts === null ? 'null' : typeof opts})`);
  planRun(ds, opts.precision === 'f32' ? 'f32' : 'f64');
  const emb = embeddingOf(ds);
  const o = resolveCyclicOptions(opts, emb.d);
  const analysis = analyze(ds);
  const data = cyclicData(ds, analysis, emb.E, emb.d);
  const svm = graphSvm(data);
  const d = emb.d;
  const W0 = o.init === 'zero' ? new Float64Array(d * d) : defaultInit(d, o.seed);
  const frozen = frozenComponent(data, W0);
  const records: CyclicRecord[] = [];
  const normalized = o.optimizer === 'ngd';

  let out: HeadOutput;
  let fin: FinitePart;
  let getW: () => Float64Array;
  let step: (k: number) => { status: string; steps: number };
  let dispose = () => {};
  if (o.head === 'ce-frozen') {
    const model = await createEngineModel(packDataset(ds, analysis.collocation), { backend: o.backend, precision: o.precision, embedding: emb });
    dispose = () => model.dispose();
    const s1 = model.stage1(o.t0, o.eta0, true); // stage 1 is Algorithm 1 whatever the stage-2 optimizer
    if (s1.status === 'diverged' || s1.status === 'overflow') throw new NtpError('diverged', `stage 1 ${s1.status} at step ${s1.steps}`);
    const Wov = model.getWov();
    const V = data.V;
    const M = new Float64Array(V * V);
    for (let v = 0; v < V; v++) for (let x = 0; x < V; x++) {
      if (emb.E === null) M[v * V + x] = Wov[v * V + x];
      else {
        let s = 0;
        for (let i = 0; i < d; i++) s += Wov[v * d + i] * emb.E[i * V + x];
        M[v * V + x] = s;
      }
    }
    out = { kind: 'ce', M, labels: data.labels };
    fin = finitePart(data, { head: 'ce-frozen', M });
    model.setWkq(W0);
    const prev = new Float64Array(d * d);
    const before = new Float64Array(d * d);
    let hasPrev = false;
    getW = () => model.getWkq();
    // WkqT is W_kqᵀ, valid until dispose (no per-step allocation); the orbit test is transpose-invariant.
    const now = model.storage().WkqT;
    step = (k) => {
      for (let s = 0; s < k; s++) {
        before.set(now);
        const r = model.stage2(1, o.eta, normalized);
        if (r.status !== 'running') return { status: r.status, steps: s };
        if (hasPrev) {
          let diff2 = 0;
          let diff1 = 0;
          let nrm = 0;
          for (let i = 0; i < now.length; i++) (diff2 += (now[i] - prev[i]) ** 2), (diff1 += (now[i] - before[i]) ** 2), (nrm += now[i] * now[i]);
          const tol = 1e-12 * Math.sqrt(nrm);
          if (nrm > 0 && Math.sqrt(diff2) <= tol) return { status: Math.sqrt(diff1) <= tol ? 'converged' : 'period-2', steps: s + 1 };
        }
        prev.set(before);
        hasPrev = true;
      }
      return { status: 'running', steps: k };
    };
  } else {
    const model = await createHeadModel(o.head, packHeadData(data.V, data.contexts, data.targets, data.weights), { backend: o.backend, precision: o.precision, E: data.E, d });
    out = o.head === 'selection' ? { kind: 'selection' } : genOutput(data);
    fin = o.head === 'selection' ? finitePart(data) : finitePart({ ...data, labels: data.targets }, { head: 'ce-frozen', M: (out as { M: Float64Array }).M });
    model.setW(W0);
    getW = () => model.getW();
    step = (k) => model.steps(k, o.eta, normalized);
  }
  const floor = lossFloor(data, out, fin.loss, new Set(fin.reduced.map((r) => r.sample)));
  const record = (t: number) => {
    const W = getW();
    const K = scoresOf(data, W);
    const loss = headLoss(data, out, K);
    const m = cyclicMetrics(data, svm, { ...fin, loss: floor }, W, K, loss);
    records.push({ step: t, loss, ...m });
  };
  let t = 0;
  let status = 'running';
  try {
    record(0);
    while (t < o.steps) {
      const k = Math.min(o.every - (t % o.every), o.steps - t);
      const r = step(k);
      t += r.steps;
      if (r.status !== 'running') {
        status = r.status;
        break;
      }
      record(t);
    }
    if (status !== 'running' && records[records.length - 1].step !== t) record(t);
    return { status, steps: t, records, svm, fin, floor, frozen, W: getW() };
  } finally {
    dispose();
  }
}
