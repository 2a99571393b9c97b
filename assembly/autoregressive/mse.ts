// Mean-squared error of the predictions in the first d columns of a T×D block.

/**
 * Returns Σ_t Σ_{c<d} (e[t, c] − y[t, c])² in f64 (y: T×d) and writes dE[t, c] = 2·w·(e − y) on
 * those columns, 0 on the others.
 */
export function mseForwardBackward<T>(dE: usize, e: usize, y: usize, n: i32, D: i32, d: i32, w: f64): f64 {
  const s = <usize>sizeof<T>();
  memory.fill(dE, 0, (<usize>n) * (<usize>D) * s);
  const w2 = <T>(2 * w);
  let sum: f64 = 0;
  for (let t = 0; t < n; t++) {
    const et = e + (<usize>t) * (<usize>D) * s;
    const yt = y + (<usize>t) * (<usize>d) * s;
    const gt = dE + (<usize>t) * (<usize>D) * s;
    for (let c = 0; c < d; c++) {
      const diff = load<T>(et + (<usize>c) * s) - load<T>(yt + (<usize>c) * s);
      sum += <f64>diff * <f64>diff;
      store<T>(gt + (<usize>c) * s, w2 * diff);
    }
  }
  return sum;
}
