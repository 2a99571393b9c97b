// The attention both cyclic heads share (SPEC §7.7, selection.ts and gen.ts): φ = softmax over one
// context of the query's row of Kt. Pointer-and-size kernels, no module state; layouts as in
// selection.ts.

import { expShiftSum } from './exp';
import { scale } from './vec';

/** Entry i of an i32 array at p (offsets, tokens, targets). */
@inline export function ld32(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

/** φ_l = softmax_l krow[t_l] over the context tokens[start … start+L) into f (f64[L]); krow = Kt's row of the query. */
export function contextSoftmax(tokens: usize, start: i32, L: i32, krow: usize, f: usize): void {
  let m: f64 = -Infinity;
  for (let l = 0; l < L; l++) {
    const s = load<f64>(krow + (<usize>ld32(tokens, start + l) << 3));
    store<f64>(f + (<usize>l << 3), s);
    m = max(m, s);
  }
  scale<f64>(f, 1 / expShiftSum<f64>(f, f, L, m), L);
}
