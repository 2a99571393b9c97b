/**
 * The transformer realisation of causal kernel descent (SPEC §10.3, reconstruction R-C): weights
 * of the §10.4 model (two heads, tied across layers, σ = identity for the linear kernel, exp for
 * the exponential kernel) under which n layers compute u^n_t exactly.
 * Slots of e = (u, r, q, k) ∈ R^{4d}; both heads share key = k-slot and value = r-slot / κ₀;
 * head_pred (query = q-slot) adds +η·value to the u-slot; head_corr (query = k-slot) adds −η·value
 * to the r-slot. κ₀ = k(x, x) for the data's constant norm, which the construction needs.
 */
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

/** The construction's parameters for a tied 2-head model (layout of CausalTransformer.getParams). */
export function ckdParams(model: CausalTransformer, kernel: KernelName, eta: number, kappa0: number): Float64Array {
  if (model.heads !== 2 || !model.tied) throw new NtpError('invalid-option', 'the CKD construction needs 2 heads with tied weights');
  const want = kernel === 'linear' ? 'linear' : 'exp';
  if (model.attention !== want) throw new NtpError('invalid-option', `the ${kernel} kernel is realised by ${want} attention (model has ${model.attention})`);
  const { d, D } = model;
  const p = new Float64Array(model.nParams);
  const U = 0, R = d, Qs = 2 * d, Ks = 3 * d;
  // W[i, c] maps slot column c of e to row i
  const put = (head: number, which: 'Q' | 'K' | 'V', rowSlot: number, colSlot: number, value: number) => {
    const o = model.paramOffset(0, head, which);
    for (let c = 0; c < d; c++) p[o + (rowSlot + c) * D + colSlot + c] = value;
  };
  put(0, 'Q', 0, Qs, 1);
  put(0, 'K', 0, Ks, 1);
  put(0, 'V', U, R, eta / kappa0);
  put(1, 'Q', 0, Ks, 1);
  put(1, 'K', 0, Ks, 1);
  put(1, 'V', R, R, -eta / kappa0);
  return p;
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
  checkKernelInputs(x, d, T, opts.kernel ?? 'linear');
  const model = await createCkdTransformer(d, T, constantSquaredNorm(x, d, T), opts);
  return model.predict(x);
}
