// The recall family's output layers (docs/theory/recall.md#model-and-loss): ξ = ξ_A + ξ_F with ξ_A = V ws and
// ξ_F = F c, c = e_q + e_{N+z_{H−1}} + κ ws; V and F are N×2N, rows of 2N contiguous entries.
// headForward keeps ξ_A and ξ_F apart (the layer-wise logits); training uses the combined pass below.
// Twin: src/tasks/recall/kernels/head.ts.

import { axpy, dot } from '../vec';

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

// The training pass multiplies by one matrix: ξ = (V + κF) ws + F[:, q] + F[:, N+z_{H−1}], and
// ∂ws = (V + κF)ᵀ g; the outer product g wsᵀ is accumulated once and is ∇V's part and, times κ,
// ∇F's dense part. assembly/recall/model.ts runs those three as matrix products over a chunk of
// sentences; the F columns of each sentence are these two.

/** M = V + κF (F only when it takes part) */
export function combineHead<T>(M: usize, V: usize, F: usize, N: i32, kappa: i32, useF: bool): void {
  const n = N * 2 * N;
  memory.copy(M, V, (<usize>n) * sizeof<T>());
  if (useF && kappa != 0) axpy<T>(M, <T>1, F, n);
}

/** ξ += F[:, q] + F[:, N + z_{H−1}] */
export function logitsFromF<T>(xi: usize, F: usize, N: i32, q: i32, prev: i32): void {
  const s = sizeof<T>();
  const row = (<usize>(2 * N)) * s;
  for (let i = 0; i < N; i++) {
    const r = F + (<usize>i) * row;
    const o = xi + (<usize>i) * s;
    store<T>(o, load<T>(o) + (load<T>(r + (<usize>q) * s) + load<T>(r + (<usize>(N + prev)) * s)));
  }
}

/** ∇F[:, q] += g and ∇F[:, N + z_{H−1}] += g */
export function columnsBackward<T>(g: usize, gF: usize, N: i32, q: i32, prev: i32): void {
  const s = sizeof<T>();
  const row = (<usize>(2 * N)) * s;
  for (let i = 0; i < N; i++) {
    const gi = load<T>(g + (<usize>i) * s);
    let p = gF + (<usize>i) * row + (<usize>q) * s;
    store<T>(p, load<T>(p) + gi);
    p = gF + (<usize>i) * row + (<usize>(N + prev)) * s;
    store<T>(p, load<T>(p) + gi);
  }
}
