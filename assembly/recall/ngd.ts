// Per-tensor normalized GD for the recall family (docs/theory/recall.md#training): P ← P − η ∇P / ‖∇P‖_F, each
// tensor on its own. Twin: src/tasks/recall/kernels/ngd.ts.

import { amax, scaledSumSquares, stepInto } from '../vec';

/**
 * One NGD step of the tensor w (n entries) with gradient g. Returns ‖g‖_F (taken as
 * m·‖g/m‖, m = max|g|), 0 when g = 0 (the tensor is skipped), NaN when the gradient or the
 * step is not finite (the weights are then left unchanged). g is overwritten.
 */
export function ngdStep<T>(w: usize, g: usize, n: i32, eta: f64): f64 {
  const m = amax<T>(g, n);
  if (m == <T>0) return 0;
  if (!isFinite(m)) return NaN;
  const inv = <T>1 / m;
  const S = scaledSumSquares<T>(g, n, m, inv, true);
  const a = <T>(<T>eta / <T>Math.sqrt(<f64>S));
  if (!stepInto<T>(g, w, g, n, a, m, inv, true)) return NaN;
  memory.copy(w, g, (<usize>n) * sizeof<T>());
  return (<f64>m) * Math.sqrt(<f64>S);
}
