// Cross-entropy of one logit vector, written to stay exact as the loss goes to zero:
// the loss is log1p(Σ_{v≠y} e^{z_v − z_y}) and the label's gradient entry is −Σ_{v≠y} p_v,
// never p_y − 1, which is exactly 0 once the loss is below float resolution.

import { expShiftSum } from './exp';
import { vmax4, scale } from './vec';

/**
 * Loss of logits z (length n) for label y; writes dz = w·(p − e_y) with the exact label
 * entry. Returns the unweighted loss in f64.
 */
export function crossEntropy<T>(z: usize, dz: usize, n: i32, y: i32, w: T): f64 {
  const s = sizeof<T>();
  const zy = load<T>(z + (<usize>y) * s);
  const m = vmax4<T>(z, n);
  if (m <= zy) {
    // y attains the max: shifting by z_y makes every other exponent ≤ 0. The label's own term
    // is kept out of the sum (z_y set to −∞ for the pass, e^−∞ = 0) rather than subtracted,
    // since 1 + S − 1 would lose all of a tiny S.
    store<T>(z + (<usize>y) * s, <T>-Infinity);
    const S = expShiftSum<T>(dz, z, n, zy);
    store<T>(z + (<usize>y) * s, zy);
    const inv = <T>1 / (<T>1 + S);
    scale<T>(dz, w * inv, n);
    store<T>(dz + (<usize>y) * s, -w * (S * inv));
    return Math.log1p(<f64>S);
  }
  // some other logit is larger: shift by the max; the non-label mass includes the max's 1,
  // so subtracting the label's share from the total loses nothing
  const total = expShiftSum<T>(dz, z, n, m);
  const ey = load<T>(dz + (<usize>y) * s);
  const rest = total - ey;
  const inv = <T>1 / total;
  scale<T>(dz, w * inv, n);
  store<T>(dz + (<usize>y) * s, -w * (rest * inv));
  return (<f64>(m - zy)) + Math.log(<f64>total);
}
