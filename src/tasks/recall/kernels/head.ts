// TS twin of assembly/recall-head.ts: the logits ξ = ξ_A + ξ_F of docs/theory/recall.md#model-and-loss in token space,
// ξ_A = V ws and ξ_F = F c with c = e_q + e_{N+z_{H−1}} + κ ws (V, F are N×2N). headForward
// keeps ξ_A and ξ_F apart (the layer-wise logits); training uses the combined pass below.

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

// The training pass multiplies by one matrix: ξ = (V + κF) ws + F[:, q] + F[:, N+z_{H−1}], and
// ∂ws = (V + κF)ᵀ g; the outer product g wsᵀ is accumulated once and is ∇V's part and, times κ,
// ∇F's dense part. Three passes over an N×2N matrix per sentence instead of six.

/** M = V + κF (F only when it takes part) */
export function combineHead(M: Real, V: Real, F: Real, kappa: number, useF: boolean): void {
  for (let i = 0; i < M.length; i++) M[i] = useF && kappa !== 0 ? V[i] + F[i] : V[i];
}

/** ξ = M ws + [useF](F[:, q] + F[:, N + z_{H−1}]) */
export function logitsForward(xi: Real, M: Real, F: Real, ws: Real, N: number, q: number, prev: number, useF: boolean): void {
  const n2 = 2 * N;
  for (let i = 0; i < N; i++) {
    const r = i * n2;
    let x = 0;
    for (let j = 0; j < n2; j++) x += M[r + j] * ws[j];
    if (useF) x += F[r + q] + F[r + N + prev];
    xi[i] = x;
  }
}

/** From g: O += g wsᵀ (when O is given), ∇F[:, q] += g and ∇F[:, N + z_{H−1}] += g (when gF is given), ∂ws = Mᵀ g (when needed). */
export function logitsBackward(g: Real, ws: Real, dws: Real, M: Real, O: Real | null, gF: Real | null, N: number, q: number, prev: number, needDws: boolean): void {
  const n2 = 2 * N;
  if (needDws) dws.fill(0, 0, n2);
  for (let i = 0; i < N; i++) {
    const r = i * n2;
    const gi = g[i];
    if (O) for (let j = 0; j < n2; j++) O[r + j] += gi * ws[j];
    if (gF) {
      gF[r + q] += gi;
      gF[r + N + prev] += gi;
    }
    if (needDws) for (let j = 0; j < n2; j++) dws[j] += gi * M[r + j];
  }
}
