// TS twin of assembly/recall-head.ts: the logits ξ = ξ_A + ξ_F of SPEC §11.3 in token space,
// ξ_A = V ws and ξ_F = F c with c = e_q + e_{N+z_{H−1}} + κ ws (V, F are N×2N).

import type { Real } from './attention.js';

/** ξ_A = V ws; ξ_F = F c (skipped, ξ_F = 0, when F takes no part); ξ = ξ_A + ξ_F. */
export function headForward(xi: Real, xiA: Real, xiF: Real, V: Real, F: Real, ws: Real, N: number, q: number, prev: number, kappa: number, useF: boolean): void {
  const n2 = 2 * N;
  for (let i = 0; i < N; i++) {
    const r = i * n2;
    let a = 0;
    for (let j = 0; j < n2; j++) a += V[r + j] * ws[j];
    xiA[i] = a;
    let f = 0;
    if (useF) {
      if (kappa !== 0) for (let j = 0; j < n2; j++) f += F[r + j] * ws[j];
      f += F[r + q] + F[r + N + prev];
    }
    xiF[i] = f;
    xi[i] = a + f;
  }
}

/**
 * From g = ∂ℓ/∂ξ: ∇V += g wsᵀ, ∇F += g cᵀ (each only when asked), and
 * ∂ws = Vᵀ g + κ Fᵀ g (when the attention needs it).
 */
export function headBackward(g: Real, ws: Real, dws: Real, V: Real, F: Real, gV: Real | null, gF: Real | null, N: number, q: number, prev: number, kappa: number, useF: boolean, needDws: boolean): void {
  const n2 = 2 * N;
  if (needDws) dws.fill(0, 0, n2);
  for (let i = 0; i < N; i++) {
    const r = i * n2;
    const gi = g[i];
    if (gV) for (let j = 0; j < n2; j++) gV[r + j] += gi * ws[j];
    if (gF) {
      if (kappa !== 0) for (let j = 0; j < n2; j++) gF[r + j] += gi * ws[j];
      gF[r + q] += gi;
      gF[r + N + prev] += gi;
    }
    if (needDws) {
      for (let j = 0; j < n2; j++) dws[j] += gi * V[r + j];
      if (useF && kappa !== 0) for (let j = 0; j < n2; j++) dws[j] += gi * F[r + j];
    }
  }
}
