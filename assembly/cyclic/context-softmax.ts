// The attention both cyclic heads share (docs/theory/cyclic.md#training-variants, selection.ts and gen.ts): φ = softmax over one
// context of the query's row of Kt, generic over the precision T (f64 or f32), with the addressing
// both heads use. Pointer-and-size kernels, no module state; layouts as in selection.ts.

import { expShiftSum } from '../exp';
import { scale } from '../vec';

/** Entry i of an i32 array at p (offsets, tokens, targets). */
@inline export function ld32(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

/** Address of entry i of a T array at p. */
@inline export function at<T>(p: usize, i: i32): usize {
  return p + (<usize>i) * sizeof<T>();
}

/** φ_l = softmax_l krow[t_l] over the context tokens[start … start+L) into f (T[L]); krow = Kt's row of the query. */
export function contextSoftmax<T>(tokens: usize, start: i32, L: i32, krow: usize, f: usize): void {
  let m = <T>-Infinity;
  for (let l = 0; l < L; l++) {
    const s = load<T>(at<T>(krow, ld32(tokens, start + l)));
    store<T>(at<T>(f, l), s);
    m = max<T>(m, s);
  }
  scale<T>(f, <T>1 / expShiftSum<T>(f, f, L, m), L);
}
