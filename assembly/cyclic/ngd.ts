// The heads' update (docs/theory/cyclic.md#ngd-pathologies; its TypeScript twin is HeadModel.steps
// in src/tasks/cyclic/kernels/model.ts): W ← W − η∇/‖∇‖_F (NGD) or W ← W − η∇ (GD), the norm taken
// after dividing by max|∇| so that it cannot underflow, then the exact period-2 orbit test
// ‖W_{t+1} − W_{t−1}‖_F ≤ 1e-12‖W_{t+1}‖_F. Elementwise and sums over every entry, so the layout of
// W does not matter (one-hot heads keep Wᵀ). Pointer-and-size, SIMD, nothing allocates.

import { amax, hsum, lanes, scaledSumSquares } from '../vec';

/** What a step reports (beside the gradient norm, written to out). */
export const STEP_RUNNING = 0;
export const STEP_ZERO_GRADIENT = 1;
export const STEP_DIVERGED = 2;
export const STEP_PERIOD_2 = 3;
export const STEP_FIXED_POINT = 4;

/**
 * One update of W (n entries) from its gradient G, fused into one pass over W, G and prev after
 * the gradient's norm: the new W, the three sums of the orbit test (‖W_{t+1}‖², ‖W_{t+1} − W_{t−1}‖²
 * with W_{t−1} in prev, ‖W_{t+1} − W_t‖²) and W_t into prev for the next step. Writes ‖∇‖_F to out (f64).
 */
export function headNgdStep<T>(W: usize, G: usize, prev: usize, n: i32, eta: f64, normalized: bool, hasPrev: bool, out: usize): i32 {
  const m = amax<T>(G, n);
  if (!isFinite<T>(m)) return STEP_DIVERGED;
  if (m == <T>0) {
    store<f64>(out, 0);
    return STEP_ZERO_GRADIENT;
  }
  const inv = <T>1 / m;
  const gradNorm = <f64>m * Math.sqrt(<f64>scaledSumSquares<T>(G, n, m, inv, isFinite<T>(inv)));
  store<f64>(out, gradNorm);
  const a = <T>(normalized ? eta / gradNorm : eta);
  const L = lanes<T>();
  const s = sizeof<T>();
  const av = v128.splat<T>(a);
  let norm = v128.splat<T>(<T>0);
  let back = v128.splat<T>(<T>0);
  let still = v128.splat<T>(<T>0);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = (<usize>i) * s;
    const w = v128.load(W + o);
    const x = v128.sub<T>(w, v128.mul<T>(av, v128.load(G + o)));
    const dp = v128.sub<T>(x, v128.load(prev + o));
    const dw = v128.sub<T>(x, w);
    v128.store(W + o, x);
    v128.store(prev + o, w);
    norm = v128.add<T>(norm, v128.mul<T>(x, x));
    back = v128.add<T>(back, v128.mul<T>(dp, dp));
    still = v128.add<T>(still, v128.mul<T>(dw, dw));
  }
  let n2 = <f64>hsum<T>(norm);
  let b2 = <f64>hsum<T>(back);
  let s2 = <f64>hsum<T>(still);
  for (; i < n; i++) {
    const o = (<usize>i) * s;
    const w = load<T>(W + o);
    const x = w - a * load<T>(G + o);
    const dp = <f64>(x - load<T>(prev + o));
    const dw = <f64>(x - w);
    store<T>(W + o, x);
    store<T>(prev + o, w);
    n2 += <f64>x * <f64>x;
    b2 += dp * dp;
    s2 += dw * dw;
  }
  if (!hasPrev) return STEP_RUNNING;
  const tol = 1e-12 * Math.sqrt(n2);
  if (!(n2 > 0) || Math.sqrt(b2) > tol) return STEP_RUNNING;
  return Math.sqrt(s2) <= tol ? STEP_FIXED_POINT : STEP_PERIOD_2;
}
