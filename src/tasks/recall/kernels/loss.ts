// TS twin of the cross-entropy of assembly/softmax.ts and of assembly/recall-loss.ts: losses in
// the log1p form, exact as they go to zero.

import type { Real } from './attention.js';

/**
 * Loss of logits xi (length n) for label y, log1p(Σ_{v≠y} e^{ξ_v − ξ_y}) when y attains the
 * max; writes dz = w·(p − e_y) with the label entry −w·Σ_{v≠y} p_v (never p_y − 1).
 */
export function crossEntropy(xi: Real, dz: Real, n: number, y: number, w: number, exp: (x: number) => number): number {
  const zy = xi[y];
  let m = -Infinity;
  for (let v = 0; v < n; v++) m = Math.max(m, xi[v]);
  if (m <= zy) {
    let S = 0;
    for (let v = 0; v < n; v++) {
      dz[v] = v === y ? 0 : exp(xi[v] - zy);
      S += dz[v];
    }
    const inv = 1 / (1 + S);
    for (let v = 0; v < n; v++) dz[v] *= w * inv;
    dz[y] = -w * (S * inv);
    return Math.log1p(S);
  }
  let total = 0;
  for (let v = 0; v < n; v++) {
    dz[v] = exp(xi[v] - m);
    total += dz[v];
  }
  const rest = total - dz[y];
  const inv = 1 / total;
  for (let v = 0; v < n; v++) dz[v] *= w * inv;
  dz[y] = -w * (rest * inv);
  return m - zy + Math.log(total);
}

/** −ln p(v) under softmax(ξ), in float64, in the same log1p form. */
export function negLogProb(xi: Real, n: number, v: number): number {
  const zv = xi[v];
  let m = -Infinity;
  for (let u = 0; u < n; u++) m = Math.max(m, xi[u]);
  if (m <= zv) {
    let S = 0;
    for (let u = 0; u < n; u++) if (u !== v) S += Math.exp(xi[u] - zv);
    return Math.log1p(S);
  }
  let total = 0;
  for (let u = 0; u < n; u++) total += Math.exp(xi[u] - m);
  return m - zv + Math.log(total);
}

/** max of x[0 … n−1] */
export function maxOf(x: Real, n: number): number {
  let m = x[0];
  for (let i = 1; i < n; i++) m = Math.max(m, x[i]);
  return m;
}
