// TS twin of assembly/recall-ngd.ts: per-tensor normalized GD, P ← P − η ∇P / ‖∇P‖_F (docs/theory/recall.md#training).

import type { Real } from './attention.js';

/**
 * One NGD step of one tensor. The norm is taken as m·‖g/m‖ with m = max|g| so that squares
 * neither underflow nor overflow. A zero gradient skips the tensor (returns 0); a non-finite
 * step leaves the weights unchanged and returns NaN. Returns ‖g‖_F otherwise.
 */
export function ngdStep(w: Real, g: Real, n: number, eta: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(g[i]));
  if (m === 0) return 0;
  if (!Number.isFinite(m)) return NaN;
  const inv = 1 / m;
  let S = 0;
  for (let i = 0; i < n; i++) {
    const u = g[i] * inv;
    S += u * u;
  }
  // in the precision of the storage, as the WebAssembly kernel computes it
  const f32 = w instanceof Float32Array;
  const r = f32 ? Math.fround : (x: number) => x;
  const a = r(eta / Math.sqrt(r(S)));
  let ok = true;
  for (let i = 0; i < n; i++) {
    const x = r(w[i] - a * r(g[i] * inv));
    g[i] = x;
    if (!Number.isFinite(x)) ok = false;
  }
  if (!ok) return NaN;
  for (let i = 0; i < n; i++) w[i] = g[i];
  return m * Math.sqrt(S);
}

/** ‖g‖_F, normalized by max|g| first */
export function frobenius(g: ArrayLike<number>, n = g.length): number {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(g[i]));
  if (m === 0 || !Number.isFinite(m)) return m;
  let S = 0;
  for (let i = 0; i < n; i++) {
    const u = g[i] / m;
    S += u * u;
  }
  return m * Math.sqrt(S);
}
