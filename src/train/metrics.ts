/** max |a_i| (NaN if an entry is NaN). */
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Math.abs(a[i]);
    if (!(x <= m)) m = x;
  }
  return m;
}

/**
 * Frobenius norm of an array, as max|a|·‖a/max|a|‖ (the NGD step's way): squares of weights
 * near 1e300 overflow and of 1e-200 underflow, while the norm itself is representable.
 */
export function frobenius(a: ArrayLike<number>): number {
  const m = maxAbs(a);
  if (m === 0 || !Number.isFinite(m)) return m;
  const inv = 1 / m;
  let s = 0;
  if (Number.isFinite(inv)) for (let i = 0; i < a.length; i++) s += (a[i] * inv) ** 2;
  else for (let i = 0; i < a.length; i++) s += (a[i] / m) ** 2;
  return m * Math.sqrt(s);
}

/** Least-squares line y ≈ slope·x + intercept, with R². */
export interface LineFit {
  slope: number;
  intercept: number;
  r2: number;
  points: number;
}

/** Fits a line to (x, y) pairs; null with fewer than 3 points. */
export function fitLine(xs: readonly number[], ys: readonly number[]): LineFit | null {
  const n = xs.length;
  if (n < 3) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
    syy += (ys[i] - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy), points: n };
}

/**
 * cos(A, B) for A stored transposed (A is cols×rows row-major, holding the rows×cols matrix
 * Aᵀ) and B row-major rows×cols: compares a parameter as the engine stores it with its target
 * without copying either.
 */
export function cosineTransposed(aT: ArrayLike<number>, b: ArrayLike<number>, rows: number, cols: number): number | null {
  // cosines are scale-free: scaling both by their max|·| keeps the squares finite and normal
  const ma = maxAbs(aT);
  const mb = maxAbs(b);
  if (!Number.isFinite(ma) || !Number.isFinite(mb)) return NaN;
  if (ma === 0 || mb === 0) return null;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const x = aT[j * rows + i] / ma;
      const y = b[i * cols + j] / mb;
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
  }
  return aa === 0 || bb === 0 ? null : ab / Math.sqrt(aa * bb);
}
