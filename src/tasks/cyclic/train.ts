/**
 * One training run of the cyclic family (Li et al. 2024; docs/theory/cyclic.md#training-variants): stage 2 with head
 * `selection` or `gen` (the head kernels of ./kernels) or `ce-frozen` (the package's Algorithm 1:
 * stage 1 on W_ov, then W_kq with W_ov fixed, on the engine's model), NGD or GD, zero or
 * PyTorch-default initialization, with A1–A10 recorded against the exact W_svm and W_fin. An exact
 * period-2 orbit of NGD ends the run as `converged`, with `orbit: 'period-2'` and a warning.
 */
import { analyze } from '../../dataset/analyze.js';
import type { Dataset } from '../../dataset/types.js';
import { checkDatasetArgument } from '../../dataset/validate.js';
import { createEngineModel } from '../../engine/create.js';
import { makeEmbedding, type Embedding } from '../../engine/embedding.js';
import { createHeadModel, headDefaultThreads, packHeadData } from './kernels/model.js';
import { availableCores, defaultThreads } from '../../engine/threads.js';
import { packDataset } from '../../engine/packed.js';
import { createRng } from '../../dataset/random.js';
import { NtpError } from '../../errors.js';
import { checkPlan } from '../../family/limits.js';
import type { RunStatus } from '../../family/result.js';
import { resolveOptions } from '../../family/schema.js';
import { cyclicData, type CyclicData } from '../../dataset/cyclic-orders.js';
import { finitePart, type FinitePart } from './finite.js';
import { graphSvm, type GraphSvm } from '../../maxmargin/graph-svm.js';
import { genOutput, headLoss, lossFloor, type HeadOutput } from './loss.js';
import { cyclicMetrics, frozenComponent, type CyclicMetrics } from './metrics.js';
import { CYCLIC_TRAIN_OPTIONS, planTrain, type CyclicTrainOptions, type ResolvedCyclicTrain } from './options.js';

export type { CyclicTrainOptions } from './options.js';

/** The stage-2 heads of the family. */
export type CyclicHead = 'ce-frozen' | 'selection' | 'gen';

/** A record: the step, the head's loss on the attention samples, and A1–A9. */
export interface CyclicRecord extends CyclicMetrics {
  step: number;
  loss: number;
}

/** What a run reports. */
export interface CyclicTrainResult {
  /**
   * `completed` (every step taken), `converged` (a zero gradient, or an exact period-2 orbit of
   * NGD: see `orbit`), `diverged` or `overflow`
   */
  status: RunStatus;
  /** `period-2` when NGD entered an exact period-2 orbit ‖W_{t+2} − W_t‖ ≤ 1e-12‖W_t‖ and stopped there; else null */
  orbit: 'period-2' | null;
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
  /** the resolved options */
  config: ResolvedCyclicTrain;
  warnings: string[];
}

function embeddingOf(ds: Dataset): Embedding {
  const V = ds.vocab.length;
  return ds.embedding ? makeEmbedding(V, ds.embedding) : makeEmbedding(V, 'onehot');
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
 * Trains stage 2 of a (possibly cyclic) dataset with resolved options and measures it against
 * W_svm and W_fin; `onRecord` sees each record as it is taken (progress).
 * @throws NtpError for a sample whose target is absent ('target-absent'), a collocation that is not
 *   a function or not injective, or a stage 1 (ce-frozen) that diverged.
 */
export async function runCyclicTrain(ds: Dataset, o: ResolvedCyclicTrain, onRecord?: (r: CyclicRecord) => void): Promise<CyclicTrainResult> {
  const emb = embeddingOf(ds);
  const t0 = o.t0 ?? 900;
  const eta0 = o.eta0 ?? 0.2 / Math.sqrt(emb.d);
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
  // the default: one thread unless a step has the work to pay for more (the core's rule for its pass, the heads' own)
  const cores = o.threads === undefined && o.backend === 'wasm' ? await availableCores() : 1;
  let threadNote: string | null = null;
  if (o.head === 'ce-frozen') {
    const packed = packDataset(ds, analysis.collocation);
    const model = await createEngineModel(packed, { backend: o.backend, precision: o.precision, embedding: emb, threads: o.threads ?? defaultThreads(packed, cores) });
    threadNote = model.threadNote ?? null;
    dispose = () => model.dispose();
    const s1 = model.stage1(t0, eta0, true); // stage 1 is Algorithm 1 whatever the stage-2 optimizer
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
    const hd = packHeadData(data.V, data.contexts, data.targets, data.weights);
    const model = await createHeadModel(o.head, hd, { backend: o.backend, precision: o.precision, E: data.E, d, threads: o.threads ?? headDefaultThreads(o.head, hd, cores) });
    threadNote = model.threadNote;
    dispose = () => model.dispose();
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
    const r = { step: t, loss, ...m };
    records.push(r);
    onRecord?.(r);
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
    const warnings: string[] = threadNote ? [threadNote] : [];
    if (status === 'period-2') {
      warnings.push(`NGD entered an exact period-2 orbit at step ${t} (‖W_{t+2} − W_t‖ ≤ 1e-12‖W_t‖): W alternates between two points, so the run stopped there as converged; a smaller --eta shrinks the orbit`);
    }
    return { status: runStatus(status), orbit: status === 'period-2' ? 'period-2' : null, steps: t, records, svm, fin, floor, frozen, W: getW(), config: o, warnings };
  } finally {
    dispose();
  }
}

/** A head's or the engine's chunk status as the family reports it: all steps taken is `completed`, an orbit `converged`. */
export function runStatus(s: string): RunStatus {
  if (s === 'running') return 'completed';
  if (s === 'period-2' || s === 'converged') return 'converged';
  if (s === 'diverged' || s === 'overflow' || s === 'stopped') return s;
  throw new Error(`unknown chunk status ${s}`);
}

/**
 * One run on a dataset, options checked and the memory planned first.
 * @deprecated Use `cyclic.train(dataset, options)` (the default head there is `selection`; this
 * function keeps the old default `ce-frozen` for one release).
 */
export async function trainCyclic(ds: Dataset, opts: CyclicTrainOptions = {}): Promise<CyclicTrainResult> {
  checkDatasetArgument(ds);
  const given = (opts ?? {}) as CyclicTrainOptions;
  const o = resolveOptions(CYCLIC_TRAIN_OPTIONS, { ...given, head: given.head ?? 'ce-frozen' }, { fn: 'trainCyclic()' });
  checkPlan(planTrain(o, ds), 'trainCyclic()');
  return runCyclicTrain(ds, o);
}
