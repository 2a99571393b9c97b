/**
 * Singular value decomposition of a small dense matrix by one-sided Jacobi (Hestenes) rotations.
 * It orthogonalizes the columns of X (or of Xᵀ, whichever is taller) by plane rotations until every
 * pair is orthogonal to working precision, which gives singular values with high relative accuracy:
 * what the nuclear-norm SVM needs for singular-value thresholding and for its certificate. Meant for
 * d ≤ 64 (O(sweeps·k²·max(r,c)) work); no allocation beyond the result.
 */
import { arrayArg, intArg } from '../api/arguments.js';
import { NtpError } from '../errors.js';

const EPS = 2.220446049250313e-16;
const MAX_SWEEPS = 80;

/** X = Σ_j sigma[j] · left_j · right_jᵀ with sigma sorted in decreasing order. */
export interface Svd {
  /** number of singular values, min(rows, cols) */
  k: number;
  rows: number;
  cols: number;
  sigma: Float64Array;
  /** k×rows row-major: row j is the unit left singular vector u_j (0 where sigma[j] = 0) */
  left: Float64Array;
  /** k×cols row-major: row j is the unit right singular vector v_j */
  right: Float64Array;
  /** Jacobi sweeps taken */
  sweeps: number;
}

/** SVD of X (rows×cols, row-major). */
export function svd(X: ArrayLike<number>, rows: number, cols: number): Svd {
  arrayArg(X, 'svd(X, rows, cols): X');
  intArg(rows, 'svd(X, rows, cols): rows', 1);
  intArg(cols, 'svd(X, rows, cols): cols', 1);
  if (X.length !== rows * cols) throw new NtpError('invalid-argument', `svd(X, rows, cols): X has ${X.length} entries; a ${rows}×${cols} matrix has ${rows * cols}`);
  // Work on k = min(rows, cols) vectors of length n = max(rows, cols): the columns of X when it is
  // tall (rows ≥ cols), its rows otherwise; each is stored contiguously in Y (k×n).
  const tall = rows >= cols;
  const k = tall ? cols : rows;
  const n = tall ? rows : cols;
  const Y = new Float64Array(k * n);
  if (tall) {
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) Y[j * n + i] = X[i * cols + j];
  } else {
    for (let i = 0; i < k * n; i++) Y[i] = X[i];
  }
  // R accumulates the rotations: row j of R is the j-th right (tall) / left (wide) singular vector
  const R = new Float64Array(k * k);
  for (let j = 0; j < k; j++) R[j * k + j] = 1;
  let sweeps = 0;
  for (; sweeps < MAX_SWEEPS; sweeps++) {
    let rotated = false;
    for (let p = 0; p < k - 1; p++) {
      for (let q = p + 1; q < k; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        const op = p * n;
        const oq = q * n;
        for (let i = 0; i < n; i++) {
          const yp = Y[op + i];
          const yq = Y[oq + i];
          alpha += yp * yp;
          beta += yq * yq;
          gamma += yp * yq;
        }
        if (gamma === 0 || Math.abs(gamma) <= EPS * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < n; i++) {
          const yp = Y[op + i];
          const yq = Y[oq + i];
          Y[op + i] = c * yp - s * yq;
          Y[oq + i] = s * yp + c * yq;
        }
        const rp = p * k;
        const rq = q * k;
        for (let i = 0; i < k; i++) {
          const a = R[rp + i];
          const b = R[rq + i];
          R[rp + i] = c * a - s * b;
          R[rq + i] = s * a + c * b;
        }
      }
    }
    if (!rotated) break;
  }
  // The rotations act on the right of the tall matrix: Xt·J₁J₂… = Y with orthogonal rows of Y, and R
  // holds (J₁J₂…)ᵀ, so row j of R is the other side's singular vector paired with Y_j = σ_j·(unit).
  const norms = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(Y[j * n + i]));
    let ss = 0;
    if (m > 0) for (let i = 0; i < n; i++) ss += (Y[j * n + i] / m) ** 2;
    norms[j] = m * Math.sqrt(ss);
  }
  const order = Array.from({ length: k }, (_, j) => j).sort((a, b) => norms[b] - norms[a]);
  const sigma = new Float64Array(k);
  const long = new Float64Array(k * n);
  const short = new Float64Array(k * k);
  order.forEach((j, r) => {
    sigma[r] = norms[j];
    if (norms[j] > 0) for (let i = 0; i < n; i++) long[r * n + i] = Y[j * n + i] / norms[j];
    for (let i = 0; i < k; i++) short[r * k + i] = R[j * k + i];
  });
  return tall
    ? { k, rows, cols, sigma, left: long, right: short, sweeps }
    : { k, rows, cols, sigma, left: short, right: long, sweeps };
}

/** Σ σ_j (the nuclear norm) of an SVD. */
export function nuclearNorm(s: Svd): number {
  let t = 0;
  for (let j = 0; j < s.k; j++) t += s.sigma[j];
  return t;
}

/**
 * Writes Σ_j f(σ_j) u_j v_jᵀ into out (rows×cols row-major); f maps a singular value to its new
 * value (singular-value thresholding: σ ↦ max(σ − τ, 0); the polar factor: σ ↦ σ > tol ? 1 : 0).
 */
export function recompose(s: Svd, f: (sigma: number) => number, out: Float64Array): Float64Array {
  const { rows, cols, k, left, right } = s;
  out.fill(0, 0, rows * cols);
  for (let j = 0; j < k; j++) {
    const w = f(s.sigma[j]);
    if (w === 0) continue;
    for (let a = 0; a < rows; a++) {
      const ua = w * left[j * rows + a];
      if (ua === 0) continue;
      for (let b = 0; b < cols; b++) out[a * cols + b] += ua * right[j * cols + b];
    }
  }
  return out;
}
