// Softmax attention over the valid keys j = 1 … t of each row. Row 0 has no valid key after the
// position-0 mask: its weights stay 0 and its output is 0 (an empty row is never normalised).

import { expShiftSum } from '../exp';
import { dot, scale, vmax } from '../vec';

/** A[t, 1 … t] ← softmax(S[t, 1 … t]) in place, shifted by the row max */
export function softmaxAttentionForward<T>(A: usize, n: i32): void {
  const s = <usize>sizeof<T>();
  for (let t = 1; t < n; t++) {
    const p = A + ((<usize>t) * (<usize>n) + 1) * s;
    const m = vmax<T>(p, t);
    const sum = expShiftSum<T>(p, p, t, m);
    scale<T>(p, <T>1 / sum, t);
  }
}

/** dS = A ⊙ (dA − rowsum(A ⊙ dA)) row by row */
export function softmaxAttentionBackward<T>(dA: usize, A: usize, n: i32): void {
  const s = <usize>sizeof<T>();
  for (let t = 1; t < n; t++) {
    const o = ((<usize>t) * (<usize>n) + 1) * s;
    const a = A + o;
    const g = dA + o;
    const r = dot<T>(a, g, t);
    const rv = v128.splat<T>(r);
    const L = 16 / sizeof<T>();
    let j = 0;
    for (; j + L <= t; j += L) {
      const q = (<usize>j) * s;
      v128.store(g + q, v128.mul<T>(v128.load(a + q), v128.sub<T>(v128.load(g + q), rv)));
    }
    for (; j < t; j++) {
      const q = (<usize>j) * s;
      store<T>(g + q, load<T>(a + q) * (load<T>(g + q) - r));
    }
  }
}
