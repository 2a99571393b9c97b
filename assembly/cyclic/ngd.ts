// The heads' update (docs/theory/cyclic.md#ngd-pathologies; its TypeScript twin is HeadModel.steps
// in src/tasks/cyclic/kernels/model.ts): W ← W − η∇/‖∇‖_F (NGD) or W ← W − η∇ (GD), the norm taken
// after dividing by max|∇| so that it cannot underflow, then the exact period-2 orbit test
// ‖W_{t+1} − W_{t−1}‖_F ≤ 1e-12‖W_{t+1}‖_F. Elementwise and sums over every entry, so the layout of
// W does not matter (one-hot heads keep Wᵀ). Pointer-and-size, SIMD, nothing allocates.

import { amax, axpy, hsum, lanes, scaledSumSquares } from '../vec';

/** What a step reports (beside the gradient norm, written to out). */
export const STEP_RUNNING = 0;
export const STEP_ZERO_GRADIENT = 1;
export const STEP_DIVERGED = 2;
export const STEP_PERIOD_2 = 3;
export const STEP_FIXED_POINT = 4;

/** Σ (a − b)², or Σ a² when b is 0 */
function squaredDistance<T>(a: usize, b: usize, n: i32): f64 {
  const L = lanes<T>();
  const s = sizeof<T>();
  let acc = v128.splat<T>(<T>0);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = (<usize>i) * s;
    const x = b == 0 ? v128.load(a + o) : v128.sub<T>(v128.load(a + o), v128.load(b + o));
    acc = v128.add<T>(acc, v128.mul<T>(x, x));
  }
  let r = <f64>hsum<T>(acc);
  for (; i < n; i++) {
    const o = (<usize>i) * s;
    const x = <f64>(b == 0 ? load<T>(a + o) : load<T>(a + o) - load<T>(b + o));
    r += x * x;
  }
  return r;
}

/**
 * One update of W (n entries) from its gradient G: the previous iterate into `before`, the orbit
 * test against `prev` (when hasPrev), then `before` into `prev`. Writes ‖∇‖_F to out (f64).
 */
export function headNgdStep<T>(W: usize, G: usize, before: usize, prev: usize, n: i32, eta: f64, normalized: bool, hasPrev: bool, out: usize): i32 {
  const m = amax<T>(G, n);
  if (!isFinite<T>(m)) return STEP_DIVERGED;
  if (m == <T>0) {
    store<f64>(out, 0);
    return STEP_ZERO_GRADIENT;
  }
  const inv = <T>1 / m;
  const gradNorm = <f64>m * Math.sqrt(<f64>scaledSumSquares<T>(G, n, m, inv, isFinite<T>(inv)));
  store<f64>(out, gradNorm);
  const a = normalized ? eta / gradNorm : eta;
  const bytes = (<usize>n) * sizeof<T>();
  memory.copy(before, W, bytes);
  axpy<T>(W, <T>-a, G, n);
  let status = STEP_RUNNING;
  if (hasPrev) {
    const norm = squaredDistance<T>(W, 0, n);
    const tol = 1e-12 * Math.sqrt(norm);
    if (norm > 0 && Math.sqrt(squaredDistance<T>(W, prev, n)) <= tol) {
      status = Math.sqrt(squaredDistance<T>(W, before, n)) <= tol ? STEP_FIXED_POINT : STEP_PERIOD_2;
    }
  }
  memory.copy(prev, before, bytes);
  return status;
}
