// Softmax attention over the valid keys j = 1 … t of each row. Row 0 has no valid key after the
// position-0 mask: its weights stay 0 and its output is 0 (an empty row is never normalised).
// A row's last t mod L keys go through one masked vector, not one scalar at a time (a scalar exp
// costs a whole vector's): lanes past the row are read, then dropped (masked out of max and sums,
// stored back unchanged). They lie in the row's zeros or, for the last row, in the arena, whose
// end has spare bytes.

import { expv } from '../exp';
import { hmax, hsum, laneMask, lanes, wholeLanes } from '../vec';

/** Address of row t's first valid key (key 1) in an n×n block of T at M. */
@inline export function keysOf<T>(M: usize, t: i32, n: i32): usize {
  return M + ((<usize>t) * (<usize>n) + 1) * sizeof<T>();
}

/** A[t, 1 … t] ← softmax(S[t, 1 … t]) in place, shifted by the row max */
export function softmaxAttentionForward<T>(A: usize, n: i32): void {
  const s = <usize>sizeof<T>();
  const L = lanes<T>();
  const zero = v128.splat<T>(<T>0);
  for (let t = 1; t < n; t++) {
    const p = keysOf<T>(A, t, n);
    const full = wholeLanes<T>(t);
    const q = p + (<usize>full) * s;
    const mask = laneMask<T>(t - full);
    const tail = full < t;
    let mv = v128.splat<T>(<T>-Infinity);
    for (let j = 0; j < full; j += L) mv = v128.pmax<T>(mv, v128.load(p + (<usize>j) * s));
    if (tail) mv = v128.pmax<T>(mv, v128.bitselect(v128.load(q), mv, mask));
    const m = v128.splat<T>(hmax<T>(mv));
    let acc = zero;
    for (let j = 0; j < full; j += L) {
      const o = p + (<usize>j) * s;
      const e = expv<T>(v128.sub<T>(v128.load(o), m));
      v128.store(o, e);
      acc = v128.add<T>(acc, e);
    }
    if (tail) {
      const old = v128.load(q);
      const e = v128.and(expv<T>(v128.sub<T>(old, m)), mask);
      v128.store(q, v128.bitselect(e, old, mask));
      acc = v128.add<T>(acc, e);
    }
    const inv = v128.splat<T>(<T>1 / hsum<T>(acc));
    for (let j = 0; j < full; j += L) {
      const o = p + (<usize>j) * s;
      v128.store(o, v128.mul<T>(v128.load(o), inv));
    }
    if (tail) {
      const old = v128.load(q);
      v128.store(q, v128.bitselect(v128.mul<T>(old, inv), old, mask));
    }
  }
}

/** dS = A ⊙ (dA − rowsum(A ⊙ dA)) row by row */
export function softmaxAttentionBackward<T>(dA: usize, A: usize, n: i32): void {
  const s = <usize>sizeof<T>();
  const L = lanes<T>();
  for (let t = 1; t < n; t++) {
    const a = keysOf<T>(A, t, n);
    const g = keysOf<T>(dA, t, n);
    const full = wholeLanes<T>(t);
    const f = (<usize>full) * s;
    const mask = laneMask<T>(t - full);
    const tail = full < t;
    let acc = v128.splat<T>(<T>0);
    for (let j = 0; j < full; j += L) {
      const q = (<usize>j) * s;
      acc = v128.add<T>(acc, v128.mul<T>(v128.load(a + q), v128.load(g + q)));
    }
    if (tail) acc = v128.add<T>(acc, v128.and(v128.mul<T>(v128.load(a + f), v128.load(g + f)), mask));
    const r = v128.splat<T>(hsum<T>(acc));
    for (let j = 0; j < full; j += L) {
      const q = (<usize>j) * s;
      v128.store(g + q, v128.mul<T>(v128.load(a + q), v128.sub<T>(v128.load(g + q), r)));
    }
    if (tail) {
      const old = v128.load(g + f);
      v128.store(g + f, v128.bitselect(v128.mul<T>(v128.load(a + f), v128.sub<T>(old, r)), old, mask));
    }
  }
}
