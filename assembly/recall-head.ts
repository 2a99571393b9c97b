// The recall family's output layers (SPEC §11.3): ξ = ξ_A + ξ_F with ξ_A = V ws and
// ξ_F = F c, c = e_q + e_{N+z_{H−1}} + κ ws; V and F are N×2N, rows of 2N contiguous entries.
// Twin: src/tasks/recall/kernels/head.ts.

import { axpy, dot } from './vec';

/** ξ_A = V ws; ξ_F = F c (0 when F takes no part); ξ = ξ_A + ξ_F */
export function headForward<T>(xi: usize, xiA: usize, xiF: usize, V: usize, F: usize, ws: usize, N: i32, q: i32, prev: i32, kappa: i32, useF: bool): void {
  const s = sizeof<T>();
  const n2 = 2 * N;
  const row = (<usize>n2) * s;
  for (let i = 0; i < N; i++) {
    const r = (<usize>i) * row;
    const a = dot<T>(V + r, ws, n2);
    let f: T = <T>0;
    if (useF) {
      if (kappa != 0) f = dot<T>(F + r, ws, n2);
      f += load<T>(F + r + (<usize>q) * s) + load<T>(F + r + (<usize>(N + prev)) * s);
    }
    const o = (<usize>i) * s;
    store<T>(xiA + o, a);
    store<T>(xiF + o, f);
    store<T>(xi + o, a + f);
  }
}

/**
 * From g = ∂ℓ/∂ξ: ∇V += g wsᵀ and ∇F += g cᵀ (each when its pointer is non-zero), and
 * ∂ws = Vᵀ g + κ Fᵀ g when the attention needs it.
 */
export function headBackward<T>(g: usize, ws: usize, dws: usize, V: usize, F: usize, gV: usize, gF: usize, N: i32, q: i32, prev: i32, kappa: i32, useF: bool, needDws: bool): void {
  const s = sizeof<T>();
  const n2 = 2 * N;
  const row = (<usize>n2) * s;
  if (needDws) memory.fill(dws, 0, row);
  for (let i = 0; i < N; i++) {
    const r = (<usize>i) * row;
    const gi = load<T>(g + (<usize>i) * s);
    if (gV != 0) axpy<T>(gV + r, gi, ws, n2);
    if (gF != 0) {
      if (kappa != 0) axpy<T>(gF + r, gi, ws, n2);
      let p = gF + r + (<usize>q) * s;
      store<T>(p, load<T>(p) + gi);
      p = gF + r + (<usize>(N + prev)) * s;
      store<T>(p, load<T>(p) + gi);
    }
    if (needDws) {
      axpy<T>(dws, gi, V + r, n2);
      if (useF && kappa != 0) axpy<T>(dws, gi, F + r, n2);
    }
  }
}
