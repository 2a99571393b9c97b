// Exponential attention: σ(s) = e^s on the valid keys, no normalisation.

import { expShift } from '../exp';

/** A[t, 1 … t] ← exp(S[t, 1 … t]) in place; invalid entries stay 0 */
export function expAttentionForward<T>(A: usize, n: i32): void {
  const s = <usize>sizeof<T>();
  for (let t = 1; t < n; t++) {
    const p = A + ((<usize>t) * (<usize>n) + 1) * s;
    expShift<T>(p, p, t, <T>0);
  }
}

/** dS = dA ⊙ A; invalid entries of A are 0, so the whole block is multiplied */
export function expAttentionBackward<T>(dA: usize, A: usize, n: i32): void {
  const s = <usize>sizeof<T>();
  const L = 16 / sizeof<T>();
  const total = n * n;
  let i = 0;
  for (; i + L <= total; i += L) {
    const o = (<usize>i) * s;
    v128.store(dA + o, v128.mul<T>(v128.load(dA + o), v128.load(A + o)));
  }
  for (; i < total; i++) {
    const o = (<usize>i) * s;
    store<T>(dA + o, load<T>(dA + o) * load<T>(A + o));
  }
}
