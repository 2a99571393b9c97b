// Causal kernel descent at finite depth over a set of sequences (f64 only: the iteration grows
// transiently by many orders of magnitude). The TS reference, with the definition and the
// positions' conventions: ckdPredictions in src/tasks/autoregressive/references.ts; the theory:
// docs/theory/autoregressive.md. Same operations in the same order as the reference, so the
// two agree bit for bit wherever the kernel's exp does.

import { expShift } from '../exp';
import { storeFirst } from '../vec';

@inline function dot(a: usize, b: usize, d: i32): f64 {
  let s: f64 = 0;
  for (let c = 0; c < d; c++) s += load<f64>(a + ((<usize>c) << 3)) * load<f64>(b + ((<usize>c) << 3));
  return s;
}

/** w ≤ 2 lanes at p: a whole vector, lane 0 with lane 1 zero, or zeros. */
@inline function loadLanes(p: usize, w: i32): v128 {
  return w >= 2 ? v128.load(p) : w == 1 ? v128.load64_zero(p) : f64x2.splat(0);
}

/**
 * Columns [c, c + w), w ≤ 6, of u_p += Σ_{j ≤ p} Kq[p, j] s_j and r_p −= Σ_{j ≤ p} Kr[p, j] s_j (up, rp
 * and s at column c, o = 8c), in three 2-lane slots; a slot past w computes on zeros and is not stored.
 */
@inline function columns(up: usize, rp: usize, q: usize, rr: usize, s: usize, row: usize, p: i32, o: usize, w: i32): void {
  let u0 = loadLanes(up + o, w), u1 = loadLanes(up + o + 16, w - 2), u2 = loadLanes(up + o + 32, w - 4);
  let r0 = loadLanes(rp + o, w), r1 = loadLanes(rp + o + 16, w - 2), r2 = loadLanes(rp + o + 32, w - 4);
  for (let j = 1; j <= p; j++) {
    const a = v128.load64_splat(q + ((<usize>j) << 3));
    const b = v128.load64_splat(rr + ((<usize>j) << 3));
    const sj = s + (<usize>j) * row;
    const s0 = loadLanes(sj, w), s1 = loadLanes(sj + 16, w - 2), s2 = loadLanes(sj + 32, w - 4);
    u0 = f64x2.add(u0, f64x2.mul(a, s0));
    u1 = f64x2.add(u1, f64x2.mul(a, s1));
    u2 = f64x2.add(u2, f64x2.mul(a, s2));
    r0 = f64x2.sub(r0, f64x2.mul(b, s0));
    r1 = f64x2.sub(r1, f64x2.mul(b, s1));
    r2 = f64x2.sub(r2, f64x2.mul(b, s2));
  }
  storeFirst<f64>(up + o, u0, w); storeFirst<f64>(up + o + 16, u1, w - 2); storeFirst<f64>(up + o + 32, u2, w - 4);
  storeFirst<f64>(rp + o, r0, w); storeFirst<f64>(rp + o + 16, r1, w - 2); storeFirst<f64>(rp + o + 32, r2, w - 4);
}

/** Bytes of scratch ckdSet needs: Kq, Kr (T×T), κ (T), r, s (T×d), xᵀ (d×T). */
export function ckdScratchBytes(d: i32, T: i32): usize {
  return ((<usize>(2 * T * T + T + 3 * T * d)) << 3) + 64;
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
  const xT = sv + (Td << 3); // xT[c, i] = x[i, c]
  const row = (<usize>d) << 3;
  const col = (<usize>T) << 3;
  for (let i = 0; i < count; i++) {
    const xi = x + (<usize>i) * (<usize>stride) * 8;
    const ui = u + (<usize>i) * (Td << 3);
    // Kq and Kr are read at 1 ≤ j ≤ p only, every entry of which is written below: no clearing
    for (let t = 0; t < T; t++) for (let c = 0; c < d; c++) store<f64>(xT + (<usize>c) * col + ((<usize>t) << 3), load<f64>(xi + (<usize>t) * row + ((<usize>c) << 3)));
    for (let p = 1; p < T; p++) {
      const xp = xi + (<usize>p) * row;
      store<f64>(kappa + ((<usize>p) << 3), dot(xp - row, xp - row, d));
      const q = Kq + ((<usize>p) * (<usize>T) << 3);
      // Kq[p, j] = ⟨x[j−1], x[p]⟩ for two keys j at a time: each lane sums over c in the same order as dot()
      let j = 1;
      for (; j + 1 <= p; j += 2) {
        let acc = f64x2.splat(0);
        for (let c = 0; c < d; c++) acc = f64x2.add(acc, f64x2.mul(v128.load(xT + (<usize>c) * col + ((<usize>(j - 1)) << 3)), v128.load64_splat(xp + ((<usize>c) << 3))));
        v128.store(q + ((<usize>j) << 3), acc);
      }
      if (j <= p) store<f64>(q + ((<usize>j) << 3), dot(xi + (<usize>(j - 1)) * row, xp, d));
      if (kernel == 1) expShift<f64>(q + 8, q + 8, p, 0);
    }
    if (kernel == 1) expShift<f64>(kappa + 8, kappa + 8, T - 1, 0);
    // Kr[p, j] = k(x[j−1], x[p−1]) is Kq's row p − 1 for j < p (the same dot, the same exp) and
    // κ[p] on the diagonal: copied, not recomputed
    for (let p = 1; p < T; p++) {
      const rr = Kr + ((<usize>p) * (<usize>T) << 3);
      memory.copy(rr + 8, Kq + ((<usize>(p - 1)) * (<usize>T) << 3) + 8, (<usize>(p - 1)) << 3);
      store<f64>(rr + ((<usize>p) << 3), load<f64>(kappa + ((<usize>p) << 3)));
    }
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
        // u_p and r_p stay in registers over the keys j, six columns at a time (the last chunk
        // in whole and half vectors): the same additions in the same order as the reference,
        // one load and one store per column
        for (let c = 0; c < d; c += 6) {
          const s = sv + ((<usize>c) << 3), o = (<usize>c) << 3;
          // one inlined copy per width, its lane counts constants
          switch (min(6, d - c)) {
            case 6: columns(up, rp, q, rr, s, row, p, o, 6); break;
            case 5: columns(up, rp, q, rr, s, row, p, o, 5); break;
            case 4: columns(up, rp, q, rr, s, row, p, o, 4); break;
            case 3: columns(up, rp, q, rr, s, row, p, o, 3); break;
            case 2: columns(up, rp, q, rr, s, row, p, o, 2); break;
            default: columns(up, rp, q, rr, s, row, p, o, 1);
          }
        }
      }
    }
  }
}
