// Adam (Kingma & Ba) with bias correction, in place over n parameters.

/**
 * m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g², w ← w − lr (m / bc1) / (√(v / bc2) + ε),
 * with bc1 = 1 − β1^k and bc2 = 1 − β2^k for step k.
 */
export function adamStep<T>(w: usize, g: usize, m: usize, v: usize, n: i32, lr: f64, b1: f64, b2: f64, eps: f64, bc1: f64, bc2: f64): void {
  const s = <usize>sizeof<T>();
  const L = 16 / sizeof<T>();
  const B1 = v128.splat<T>(<T>b1), C1 = v128.splat<T>(<T>(1 - b1));
  const B2 = v128.splat<T>(<T>b2), C2 = v128.splat<T>(<T>(1 - b2));
  const LR = v128.splat<T>(<T>(lr / bc1)), IB2 = v128.splat<T>(<T>(1 / bc2)), EPS = v128.splat<T>(<T>eps);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = (<usize>i) * s;
    const gv = v128.load(g + o);
    const mv = v128.add<T>(v128.mul<T>(B1, v128.load(m + o)), v128.mul<T>(C1, gv));
    const vv = v128.add<T>(v128.mul<T>(B2, v128.load(v + o)), v128.mul<T>(C2, v128.mul<T>(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const den = v128.add<T>(v128.sqrt<T>(v128.mul<T>(vv, IB2)), EPS);
    v128.store(w + o, v128.sub<T>(v128.load(w + o), v128.div<T>(v128.mul<T>(LR, mv), den)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) * s;
    const gi = load<T>(g + o);
    const mi = <T>b1 * load<T>(m + o) + <T>(1 - b1) * gi;
    const vi = <T>b2 * load<T>(v + o) + <T>(1 - b2) * gi * gi;
    store<T>(m + o, mi);
    store<T>(v + o, vi);
    store<T>(w + o, load<T>(w + o) - (<T>(lr / bc1) * mi) / (<T>Math.sqrt(<f64>(vi * <T>(1 / bc2))) + <T>eps));
  }
}
