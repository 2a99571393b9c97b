// Causal kernel descent at finite depth over a set of sequences (f64 only: the iteration grows
// transiently by many orders of magnitude). The TS reference, with the definition and the
// positions' conventions: ckdPredictions in src/tasks/autoregressive/references.ts; the theory:
// docs/theory/autoregressive.md. Same operations in the same order as the reference, so the
// two agree bit for bit wherever the kernel's exp does.

import { expShift } from '../exp';

@inline function dot(a: usize, b: usize, d: i32): f64 {
  let s: f64 = 0;
  for (let c = 0; c < d; c++) s += load<f64>(a + ((<usize>c) << 3)) * load<f64>(b + ((<usize>c) << 3));
  return s;
}

/** Bytes of scratch ckdSet needs: Kq, Kr (T×T), κ (T), r, s (T×d). */
export function ckdScratchBytes(d: i32, T: i32): usize {
  return ((<usize>(2 * T * T + T + 2 * T * d)) << 3) + 64;
}

/**
 * u^n_t (T×d each, at u + i·T·d) for sequences i < count whose tokens start at x + i·stride
 * (stride in values); kernel 0 = ⟨a, b⟩, 1 = exp⟨a, b⟩.
 */
export function ckdSet(u: usize, x: usize, count: i32, stride: i32, d: i32, T: i32, kernel: i32, depth: i32, eta: f64, scratch: usize): void {
  const TT = (<usize>T) * (<usize>T);
  const Td = (<usize>T) * (<usize>d);
  const Kq = scratch; // Kq[p, j] = k(x[j−1], x[p]), 1 ≤ j ≤ p
  const Kr = Kq + (TT << 3); // Kr[p, j] = k(x[j−1], x[p−1])
  const kappa = Kr + (TT << 3);
  const r = kappa + ((<usize>T) << 3);
  const sv = r + (Td << 3);
  const row = (<usize>d) << 3;
  for (let i = 0; i < count; i++) {
    const xi = x + (<usize>i) * (<usize>stride) * 8;
    const ui = u + (<usize>i) * (Td << 3);
    memory.fill(Kq, 0, TT << 4);
    for (let p = 1; p < T; p++) {
      const xp = xi + (<usize>p) * row;
      store<f64>(kappa + ((<usize>p) << 3), dot(xp - row, xp - row, d));
      const q = Kq + ((<usize>p) * (<usize>T) << 3);
      const rr = Kr + ((<usize>p) * (<usize>T) << 3);
      for (let j = 1; j <= p; j++) {
        const xj = xi + (<usize>(j - 1)) * row;
        store<f64>(q + ((<usize>j) << 3), dot(xj, xp, d));
        store<f64>(rr + ((<usize>j) << 3), dot(xj, xp - row, d));
      }
      if (kernel == 1) {
        expShift<f64>(q + 8, q + 8, p, 0);
        expShift<f64>(rr + 8, rr + 8, p, 0);
      }
    }
    if (kernel == 1) expShift<f64>(kappa + 8, kappa + 8, T - 1, 0);
    memory.fill(ui, 0, Td << 3);
    memory.fill(r, 0, row);
    memory.copy(r + row, xi + row, (Td << 3) - row);
    memory.fill(sv, 0, row);
    for (let layer = 0; layer < depth; layer++) {
      for (let j = 1; j < T; j++) {
        const k = load<f64>(kappa + ((<usize>j) << 3));
        for (let c = 0; c < d; c++) {
          const o = (<usize>j) * row + ((<usize>c) << 3);
          store<f64>(sv + o, (eta * load<f64>(r + o)) / k);
        }
      }
      for (let p = 1; p < T; p++) {
        const up = ui + (<usize>p) * row;
        const rp = r + (<usize>p) * row;
        const q = Kq + ((<usize>p) * (<usize>T) << 3);
        const rr = Kr + ((<usize>p) * (<usize>T) << 3);
        for (let j = 1; j <= p; j++) {
          const a = f64x2.splat(load<f64>(q + ((<usize>j) << 3)));
          const b = f64x2.splat(load<f64>(rr + ((<usize>j) << 3)));
          const sj = sv + (<usize>j) * row;
          let c = 0;
          for (; c + 2 <= d; c += 2) {
            const o = (<usize>c) << 3;
            const s2 = v128.load(sj + o);
            v128.store(up + o, f64x2.add(v128.load(up + o), f64x2.mul(a, s2)));
            v128.store(rp + o, f64x2.sub(v128.load(rp + o), f64x2.mul(b, s2)));
          }
          for (; c < d; c++) {
            const o = (<usize>c) << 3;
            const s1 = load<f64>(sj + o);
            store<f64>(up + o, load<f64>(up + o) + f64x2.extract_lane(a, 0) * s1);
            store<f64>(rp + o, load<f64>(rp + o) - f64x2.extract_lane(b, 0) * s1);
          }
        }
      }
    }
  }
}
