/**
 * Reference predictors of the autoregressive family (docs/theory/autoregressive.md#model-and-loss and docs/theory/autoregressive.md#metrics; reconstruction R-C):
 * causal kernel descent u^n_t for the linear and exponential kernels at any depth n and step η,
 * its Kaczmarz limit (n = ∞), and in-context least squares (minimum norm). Positions are
 * t = 1 … T; the prediction at t estimates x_{t+1}; u_1 = 0 (position 1 holds no pair).
 * Everything here is float64: the finite-depth iteration grows transiently by many orders of
 * magnitude (docs/theory/autoregressive.md#experiments, E-C2).
 */
import { NtpError } from '../../errors.js';
import { refuseTooLarge } from '../../engine/limits.js';
import { predictorBytes } from './limits.js';

/** The kernel k of causal kernel descent: ⟨a, b⟩ or exp⟨a, b⟩. */
export type KernelName = 'linear' | 'exp';

/** Largest token norm the exponential kernel accepts: exp(25²) ≈ 1e271 stays finite in float64. */
export const EXP_MAX_NORM = 25;

/** Options of {@link ckdPredictions}. */
export interface CkdOptions {
  kernel?: KernelName;
  /** depth n ≥ 0, or Infinity for the Kaczmarz limit (default Infinity) */
  depth?: number;
  /** step η (default 1); the iteration converges for 0 < η < 2 */
  eta?: number;
}

function dot(x: Float64Array, a: number, b: number, d: number): number {
  let s = 0;
  for (let c = 0; c < d; c++) s += x[a + c] * x[b + c];
  return s;
}

/**
 * Checks tokens x_1 … x_T (the inputs of the predictors) for the kernel: no zero token where the
 * normaliser k(x, x) would vanish, no norm beyond {@link EXP_MAX_NORM} for the exponential kernel.
 */
export function checkKernelInputs(x: Float64Array, d: number, T: number, kernel: KernelName, label = 'sequence'): void {
  checkShape(x, d, T, label);
  for (let t = 0; t < T; t++) {
    const n2 = dot(x, t * d, t * d, d);
    if (!Number.isFinite(n2)) throw new NtpError('invalid-data', `${label}, token ${t + 1} is not finite`);
    if (kernel === 'linear' && n2 === 0 && t < T - 1) {
      throw new NtpError('zero-token', `${label}, token ${t + 1} is zero: the linear-kernel normaliser ⟨x, x⟩ would be 0`);
    }
    if (kernel === 'exp' && Math.sqrt(n2) > EXP_MAX_NORM) {
      throw new NtpError('exp-overflow', `${label}, token ${t + 1} has norm ${Math.sqrt(n2).toPrecision(4)} > ${EXP_MAX_NORM}: exp⟨x, x⟩ overflows float64; rescale the data`);
    }
  }
}

/** Refuses sizes that are not positive integers and sequences shorter than T tokens. */
export function checkShape(x: Float64Array, d: number, T: number, label = 'sequence'): void {
  if (!Number.isInteger(d) || d < 1) throw new NtpError('invalid-option', `dimension d must be an integer ≥ 1 (got ${d})`);
  if (!Number.isInteger(T) || T < 1) throw new NtpError('invalid-option', `length T must be an integer ≥ 1 (got ${T})`);
  if (x.length < T * d) throw new NtpError('invalid-data', `${label} holds ${Math.floor(x.length / d)} tokens of dimension ${d}; ${T} positions need ${T}`);
}

function kernelFn(kernel: KernelName): (s: number) => number {
  if (kernel === 'linear') return (s) => s;
  if (kernel === 'exp') return Math.exp;
  throw new NtpError('invalid-option', `option kernel must be linear or exp (got ${JSON.stringify(kernel)})`);
}

/**
 * Causal kernel descent (docs/theory/autoregressive.md#model-and-loss): u^n_t for t = 1 … T (T×d, row-major) from the tokens
 * x_1 … x_T of `x` (at least T·d values). depth = Infinity gives the Kaczmarz limit.
 * Values may be huge (finite depth, η = 1) or non-finite past float64's range; the metrics report
 * that as a status.
 */
export function ckdPredictions(x: Float64Array, d: number, T: number, opts: CkdOptions = {}): Float64Array {
  const kernel = opts.kernel ?? 'linear';
  const n = opts.depth ?? Infinity;
  const eta = opts.eta ?? 1;
  if (!(n === Infinity || (Number.isInteger(n) && n >= 0))) throw new NtpError('invalid-option', `option depth must be an integer ≥ 0 or inf (got ${n})`);
  if (!Number.isFinite(eta) || eta <= 0) throw new NtpError('invalid-option', `option eta must be a positive number (got ${eta})`);
  const k = kernelFn(kernel);
  checkKernelInputs(x, d, T, kernel);
  if (n === Infinity) return kaczmarzPredictions(x, d, T, kernel);
  refuseTooLarge('causal kernel descent', predictorBytes(d, T, 'ckd', n), `two T×T kernel matrices, T = ${T}`);
  // position p (0-based, t = p + 1) holds the pair (x[p−1], x[p]) for p ≥ 1
  const Kq = new Float64Array(T * T); // Kq[p, j] = k(x[j−1], x[p]), 1 ≤ j ≤ p
  const Kr = new Float64Array(T * T); // Kr[p, j] = k(x[j−1], x[p−1])
  const kappa = new Float64Array(T);
  for (let p = 1; p < T; p++) {
    kappa[p] = k(dot(x, (p - 1) * d, (p - 1) * d, d));
    for (let j = 1; j <= p; j++) {
      Kq[p * T + j] = k(dot(x, (j - 1) * d, p * d, d));
      Kr[p * T + j] = k(dot(x, (j - 1) * d, (p - 1) * d, d));
    }
  }
  const u = new Float64Array(T * d);
  const r = new Float64Array(T * d);
  const s = new Float64Array(T * d);
  for (let i = d; i < T * d; i++) r[i] = x[i];
  for (let layer = 0; layer < n; layer++) {
    for (let j = 1; j < T; j++) for (let c = 0; c < d; c++) s[j * d + c] = (eta * r[j * d + c]) / kappa[j];
    for (let p = 1; p < T; p++) {
      for (let j = 1; j <= p; j++) {
        const a = Kq[p * T + j];
        const b = Kr[p * T + j];
        for (let c = 0; c < d; c++) {
          u[p * d + c] += a * s[j * d + c];
          r[p * d + c] -= b * s[j * d + c];
        }
      }
    }
  }
  return u;
}

/**
 * The Kaczmarz limit u^∞_t: one causal sweep over f(x_{j−1}) = x_j, j = 2 … t, in the RKHS from
 * f = 0, i.e. c solves the lower-triangular L c = (x_2 … x_T), L_{tj} = k(x_{t−1}, x_{j−1}), and
 * u^∞_t = Σ_{j ≤ t} c_j k(x_{j−1}, x_t).
 */
export function kaczmarzPredictions(x: Float64Array, d: number, T: number, kernel: KernelName = 'linear'): Float64Array {
  const k = kernelFn(kernel);
  checkKernelInputs(x, d, T, kernel);
  const c = new Float64Array(T * d);
  const u = new Float64Array(T * d);
  for (let p = 1; p < T; p++) {
    // c_p = (x_p − Σ_{j<p} L_pj c_j) / L_pp, with inputs x[j−1]
    for (let i = 0; i < d; i++) c[p * d + i] = x[p * d + i];
    for (let j = 1; j < p; j++) {
      const l = k(dot(x, (p - 1) * d, (j - 1) * d, d));
      for (let i = 0; i < d; i++) c[p * d + i] -= l * c[j * d + i];
    }
    const lpp = k(dot(x, (p - 1) * d, (p - 1) * d, d));
    for (let i = 0; i < d; i++) c[p * d + i] /= lpp;
    for (let j = 1; j <= p; j++) {
      const a = k(dot(x, (j - 1) * d, p * d, d));
      for (let i = 0; i < d; i++) u[p * d + i] += a * c[j * d + i];
    }
  }
  return u;
}

/**
 * Eigen-decomposition of a symmetric n×n matrix by cyclic Jacobi rotations: A = V diag(λ) Vᵀ.
 * A is overwritten; V (row-major, columns are eigenvectors) and λ are returned.
 */
export function symmetricEigen(A: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += A[i * n + i] * A[i * n + i];
      for (let j = i + 1; j < n; j++) off += A[i * n + j] * A[i * n + j];
    }
    if (off <= 1e-32 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = A[i * n + i];
  return { values, vectors: V };
}

/** Relative eigenvalue threshold of the least-squares rank check (eigenvalues of XXᵀ are σ²). */
export const LS_RANK_TOL = 1e-12;

/**
 * In-context least squares (docs/theory/autoregressive.md#metrics): Ŵ_t = argmin Σ_{j=2..t} ‖x_j − W x_{j−1}‖², minimum
 * norm, and u_t = Ŵ_t x_t. Ŵ_t = B_t M_t⁺ with M_t = Σ x_{j−1} x_{j−1}ᵀ and B_t = Σ x_j x_{j−1}ᵀ;
 * M_t⁺ drops eigenvalues below LS_RANK_TOL·λ_max, so a singular Gram is never inverted.
 */
export function leastSquaresPredictions(x: Float64Array, d: number, T: number): Float64Array {
  checkShape(x, d, T);
  refuseTooLarge('in-context least squares', predictorBytes(d, T, 'ls'), `four d×d matrices, d = ${d}`);
  for (let i = 0; i < T * d; i++) if (!Number.isFinite(x[i])) throw new NtpError('invalid-data', `sequence, token ${Math.floor(i / d) + 1} is not finite`);
  const u = new Float64Array(T * d);
  const M = new Float64Array(d * d);
  const B = new Float64Array(d * d);
  const work = new Float64Array(d * d);
  const y = new Float64Array(d);
  for (let p = 1; p < T; p++) {
    const a = (p - 1) * d;
    const b = p * d;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        M[i * d + j] += x[a + i] * x[a + j];
        B[i * d + j] += x[b + i] * x[a + j];
      }
    }
    work.set(M);
    const { values, vectors: V } = symmetricEigen(work, d);
    let lmax = 0;
    for (let i = 0; i < d; i++) lmax = Math.max(lmax, values[i]);
    // y = M⁺ x_t = Σ_{λ_k kept} v_k (v_kᵀ x_t) / λ_k
    y.fill(0);
    for (let k = 0; k < d; k++) {
      if (!(values[k] > LS_RANK_TOL * lmax)) continue;
      let proj = 0;
      for (let i = 0; i < d; i++) proj += V[i * d + k] * x[b + i];
      proj /= values[k];
      for (let i = 0; i < d; i++) y[i] += V[i * d + k] * proj;
    }
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += B[i * d + j] * y[j];
      u[b + i] = s;
    }
  }
  return u;
}
