// Exponential attention: σ(s) = e^s on the valid keys, no normalisation. A row's last t mod L
// keys go through one masked vector, as in causal-softmax.ts.

import { expv } from '../exp';
import { laneMask, lanes, wholeLanes } from '../vec';
import { keysOf } from './causal-softmax';

/** A[t, 1 … t] ← exp(S[t, 1 … t]) in place; invalid entries stay 0 */
export function expAttentionForward<T>(A: usize, n: i32): void {
  const s = <usize>sizeof<T>();
  const L = lanes<T>();
  for (let t = 1; t < n; t++) {
    const p = keysOf<T>(A, t, n);
    const full = wholeLanes<T>(t);
    for (let j = 0; j < full; j += L) {
      const o = p + (<usize>j) * s;
      v128.store(o, expv<T>(v128.load(o)));
    }
    if (full < t) {
      const q = p + (<usize>full) * s;
      const old = v128.load(q);
      v128.store(q, v128.bitselect(expv<T>(old), old, laneMask<T>(t - full)));
    }
  }
}

/** dS = dA ⊙ A on the valid keys (entries past a row's band are neither read nor written) */
export function expAttentionBackward<T>(dA: usize, A: usize, n: i32): void {
  const s = <usize>sizeof<T>();
  const L = lanes<T>();
  for (let t = 1; t < n; t++) {
    const a = keysOf<T>(A, t, n);
    const g = keysOf<T>(dA, t, n);
    const full = wholeLanes<T>(t);
    for (let j = 0; j < full; j += L) {
      const q = (<usize>j) * s;
      v128.store(g + q, v128.mul<T>(v128.load(g + q), v128.load(a + q)));
    }
    if (full < t) {
      const f = (<usize>full) * s;
      const old = v128.load(g + f);
      v128.store(g + f, v128.bitselect(v128.mul<T>(old, v128.load(a + f)), old, laneMask<T>(t - full)));
    }
  }
}
