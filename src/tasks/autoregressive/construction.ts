/**
 * The transformer realisation of causal kernel descent (docs/theory/autoregressive.md#model-and-loss, reconstruction R-C): weights
 * of the §10.4 model (two heads, tied across layers, σ = identity for the linear kernel, exp for
 * the exponential kernel) under which n layers compute u^n_t exactly.
 * Slots of e = (u, r, q, k) ∈ R^{4d}; both heads share key = k-slot and value = r-slot / κ₀;
 * head_pred (query = q-slot) adds +η·value to the u-slot; head_corr (query = k-slot) adds −η·value
 * to the r-slot. κ₀ = k(x, x) for the data's constant norm, which the construction needs.
 */
import { arrayArg, describeValue, intArg, objectArg } from '../../api/arguments.js';
import type { BackendName, Precision } from '../../engine/backend.js';
import { NtpError } from '../../errors.js';
import { checkKernelInputs, type KernelName } from './references.js';
import { CausalTransformer } from './transformer.js';

/** Relative tolerance of the constant-norm check. */
export const NORM_TOL = 1e-12;

/** ‖x_t‖² of tokens x_1 … x_T, refusing sequences whose norms differ (the construction uses one κ₀). */
export function constantSquaredNorm(x: Float64Array, d: number, T: number, label = 'sequence'): number {
  let n0 = 0;
  for (let c = 0; c < d; c++) n0 += x[c] * x[c];
  for (let t = 1; t < T; t++) {
    let n2 = 0;
    for (let c = 0; c < d; c++) n2 += x[t * d + c] * x[t * d + c];
    if (Math.abs(n2 - n0) > NORM_TOL * Math.max(n0, n2)) {
      throw new NtpError('non-constant-norm', `${label}, token ${t + 1}: ‖x‖² = ${n2.toPrecision(6)} differs from token 1's ${n0.toPrecision(6)}; the transformer form of causal kernel descent needs tokens of one norm`);
    }
  }
  return n0;
}

/**
 * The construction's blocks for token dimension d, as a tied 2-head parameter vector: head c's
 * Q, K, V at (3c, 3c + 1, 3c + 2)·D² (D = 4d), V scaled by ±vScale = ±η/κ₀.
 */
export function constructionBlocks(d: number, vScale: number): Float64Array {
  const D = 4 * d;
  const p = new Float64Array(2 * 3 * D * D);
  const U = 0, R = d, Qs = 2 * d, Ks = 3 * d;
  // block[i, c] maps slot column c of e to row i
  const put = (head: number, which: number, rowSlot: number, colSlot: number, value: number) => {
    const o = (head * 3 + which) * D * D;
    for (let c = 0; c < d; c++) p[o + (rowSlot + c) * D + colSlot + c] = value;
  };
  put(0, 0, 0, Qs, 1); // head_pred: query = q-slot
  put(0, 1, 0, Ks, 1); // key = k-slot
  put(0, 2, U, R, vScale); // u += η r / κ₀
  put(1, 0, 0, Ks, 1); // head_corr: query = k-slot
  put(1, 1, 0, Ks, 1);
  put(1, 2, R, R, -vScale); // r −= η r / κ₀
  return p;
}

/** The construction's parameters for a tied 2-head model (layout of CausalTransformer.getParams). */
export function ckdParams(model: CausalTransformer, kernel: KernelName, eta: number, kappa0: number): Float64Array {
  objectArg(model, 'ckdParams(model, kernel, eta, kappa0): model');
  if (model.heads !== 2 || !model.tied) throw new NtpError('invalid-option', 'the CKD construction needs 2 heads with tied weights');
  const want = kernel === 'linear' ? 'linear' : 'exp';
  if (model.attention !== want) throw new NtpError('invalid-option', `the ${kernel} kernel is realised by ${want} attention (model has ${model.attention})`);
  return constructionBlocks(model.d, eta / kappa0);
}

/** Options of {@link ckdTransformerPredictions}. */
export interface CkdTransformerOptions {
  kernel?: KernelName;
  depth: number;
  eta?: number;
  backend?: BackendName;
  precision?: Precision;
}

/**
 * A model holding the construction for tokens of squared norm `squaredNorm` (κ₀ = k(x, x)); its
 * `predict` gives u^n_t for any sequence of that norm (check it with constantSquaredNorm).
 */
export async function createCkdTransformer(d: number, T: number, squaredNorm: number, opts: CkdTransformerOptions): Promise<CausalTransformer> {
  objectArg(opts, 'createCkdTransformer(d, T, squaredNorm, options): options');
  intArg(d, 'createCkdTransformer(d, T, squaredNorm, options): d', 1);
  intArg(T, 'createCkdTransformer(d, T, squaredNorm, options): T', 1);
  if (typeof squaredNorm !== 'number') throw new NtpError('invalid-argument', `createCkdTransformer(d, T, squaredNorm, options): squaredNorm must be a number (got ${typeof squaredNorm})`);
  const kernel = opts.kernel ?? 'linear';
  if (!Number.isInteger(opts.depth) || opts.depth < 1) throw new NtpError('invalid-option', `the transformer realisation needs a depth ≥ 1 (got ${opts.depth})`);
  const kappa0 = kernel === 'linear' ? squaredNorm : Math.exp(squaredNorm);
  if (!(kappa0 > 0) || !Number.isFinite(kappa0)) throw new NtpError('invalid-data', `κ₀ = k(x, x) = ${kappa0} for ‖x‖² = ${squaredNorm}: the construction needs 0 < κ₀ < ∞`);
  const model = await CausalTransformer.create({ d, T, layers: opts.depth, heads: 2, tied: true, attention: kernel === 'linear' ? 'linear' : 'exp', backend: opts.backend ?? 'js', precision: opts.precision ?? 'f64' });
  model.setParams(ckdParams(model, kernel, opts.eta ?? 1, kappa0));
  return model;
}

/** u^n_t computed by the transformer realisation (T×d), for one sequence of ≥ T tokens. */
export async function ckdTransformerPredictions(x: Float64Array, d: number, T: number, opts: CkdTransformerOptions): Promise<Float64Array> {
  objectArg(opts, 'ckdTransformerPredictions(x, d, T, options): options');
  arrayArg(x, 'ckdTransformerPredictions(x, d, T, options): x');
  checkKernelInputs(x, d, T, opts.kernel ?? 'linear');
  const model = await createCkdTransformer(d, T, constantSquaredNorm(x, d, T), opts);
  return model.predict(x);
}

/** Cosines between a trained model's blocks and the construction's, per layer (docs/theory/autoregressive.md#metrics, optional metric). */
export interface ConstructionAlignment {
  /** per layer set (1 when tied): cos(Q_hᵀK_h, Q_cᵀK_c) for the best head matching, heads in construction order (pred, corr) */
  qk: number[][];
  /** per layer set: cos(V_h, V_c) under the same matching (sign included: the corr head's V is negative) */
  v: number[][];
}

function cosine(a: Float64Array, b: Float64Array): number {
  // normalise by max |·| first so the squares stay in range
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma = Math.max(ma, Math.abs(a[i]));
    mb = Math.max(mb, Math.abs(b[i]));
  }
  if (ma === 0 || mb === 0) return 0;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] / ma;
    const y = b[i] / mb;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
}

/**
 * How close a trained 2-head model's blocks are to the construction's: for each layer set, the
 * matching of trained heads to (head_pred, head_corr) that maximises the summed Q_hᵀK_h cosines,
 * with those cosines and the V cosines. Scale-free, so κ₀ and η do not matter.
 */
export function constructionAlignment(model: CausalTransformer): ConstructionAlignment {
  if (!(model instanceof CausalTransformer)) throw new NtpError('invalid-argument', `constructionAlignment(model) needs a CausalTransformer (got ${describeValue(model)})`);
  if (model.heads !== 2) throw new NtpError('invalid-option', 'the construction has 2 heads');
  const { D } = model;
  const p = model.getParams();
  const ref = constructionBlocks(model.d, 1);
  const block = (params: Float64Array, off: number) => params.subarray(off, off + D * D);
  const qk = (params: Float64Array, offQ: number, offK: number) => {
    const Q = block(params, offQ);
    const K = block(params, offK);
    const out = new Float64Array(D * D);
    for (let i = 0; i < D; i++) for (let r = 0; r < D; r++) {
      const q = Q[r * D + i];
      if (q !== 0) for (let j = 0; j < D; j++) out[i * D + j] += q * K[r * D + j];
    }
    return out;
  };
  const sets = model.tied ? 1 : model.layers;
  const res: ConstructionAlignment = { qk: [], v: [] };
  const refQK = [0, 1].map((c) => qk(ref, c * 3 * D * D, (c * 3 + 1) * D * D));
  const refV = [0, 1].map((c) => block(ref, (c * 3 + 2) * D * D));
  for (let l = 0; l < sets; l++) {
    const trQK = [0, 1].map((h) => qk(p, model.paramOffset(l, h, 'Q'), model.paramOffset(l, h, 'K')));
    const trV = [0, 1].map((h) => block(p, model.paramOffset(l, h, 'V')));
    const straight = cosine(trQK[0], refQK[0]) + cosine(trQK[1], refQK[1]);
    const swapped = cosine(trQK[1], refQK[0]) + cosine(trQK[0], refQK[1]);
    const order = straight >= swapped ? [0, 1] : [1, 0];
    res.qk.push(order.map((h, c) => cosine(trQK[h], refQK[c])));
    res.v.push(order.map((h, c) => cosine(trV[h], refV[c])));
  }
  return res;
}
