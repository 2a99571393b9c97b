// The logits of a block of samples and their backward as matrix products, in panels of columns
// of W_ovᵀ (d × |V|, row-major) that stay in cache while every row of the block uses them:
// forward Z = H·W_ovᵀ (rows × |V|), backward dH = dZ·W_ov (rows × d), and the weight gradient
// ∇W_ovᵀ += Hᵀ·dZ. Each output entry is summed in one fixed order whatever rows or columns a
// call covers, so splitting a block between threads changes no bit (assembly/param-space.ts).
// The 4-row (block4x2 of assembly/matmul.ts) and 2-row register blocks only share loads between entries.

import { lanes, hsum, splatAt } from './vec';
import { block4x2 } from './matmul';

/** Bytes of a panel row of W_ovᵀ: d × PANEL_BYTES stays in L2 (256 KiB at d = 256). */
const PANEL_BYTES = 1024;

/** Z (rows × V) = H (rows × d) · Wt (d × V), all row-major. */
export function blockLogits<T>(Z: usize, H: usize, Wt: usize, rows: i32, V: i32, d: i32): void {
  const P = PANEL_BYTES / <i32>sizeof<T>();
  for (let j0 = 0; j0 < V; j0 += P) logitsPanel<T>(Z, H, Wt, rows, j0, min(V, j0 + P), V, d);
}

function logitsPanel<T>(Z: usize, H: usize, Wt: usize, rows: i32, j0: i32, j1: i32, V: i32, d: i32): void {
  const L = lanes<T>();
  const s = sizeof<T>();
  const W = 2 * L;
  const ldb = (<usize>V) * s;
  const ar = (<usize>d) * s;
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const a0 = H + (<usize>i) * ar;
    const zrow = Z + (<usize>i) * ldb;
    let j = j0;
    for (; j + W <= j1; j += W) {
      block4x2<T>(zrow + (<usize>j) * s, ldb, a0, ar, s, Wt + (<usize>j) * s, ldb, d);
    }
    for (; j < j1; j++) {
      for (let r = 0; r < 4; r++) store<T>(zrow + (<usize>r) * ldb + (<usize>j) * s, column<T>(a0 + (<usize>r) * ar, Wt, j, V, d));
    }
  }
  for (; i < rows; i++) {
    const a0 = H + (<usize>i) * ar;
    const zrow = Z + (<usize>i) * ldb;
    let j = j0;
    for (; j + L <= j1; j += L) {
      let c = v128.splat<T>(<T>0);
      let bp = Wt + (<usize>j) * s;
      for (let p = 0; p < d; p++) {
        c = v128.add<T>(c, v128.mul<T>(splatAt<T>(a0 + (<usize>p) * s), v128.load(bp)));
        bp += ldb;
      }
      v128.store(zrow + (<usize>j) * s, c);
    }
    for (; j < j1; j++) store<T>(zrow + (<usize>j) * s, column<T>(a0, Wt, j, V, d));
  }
}

/** Σ_p h[p]·Wt[p, j], in order of p (the vector paths' lane order) */
@inline function column<T>(h: usize, Wt: usize, j: i32, V: i32, d: i32): T {
  const s = sizeof<T>();
  let acc: T = <T>0;
  for (let p = 0; p < d; p++) acc += load<T>(h + (<usize>p) * s) * load<T>(Wt + ((<usize>p) * (<usize>V) + (<usize>j)) * s);
  return acc;
}

/**
 * dH (rows × d) = dZ (rows × V) · Wtᵀ: dH[i, a] = dZ[i, :]·Wt[a, :]. Panels of V columns; each
 * entry's lane sums persist in `acc` (rows × d vectors) from panel to panel, so an entry is the
 * same sum as one unbroken dot product.
 */
export function blockLogitsBackward<T>(dH: usize, dZ: usize, Wt: usize, rows: i32, V: i32, d: i32, acc: usize): void {
  const L = lanes<T>();
  const s = sizeof<T>();
  const P = PANEL_BYTES / <i32>s;
  const kv = V - V % L;
  const ldz = (<usize>V) * s;
  memory.fill(acc, 0, (<usize>rows) * (<usize>d) * 16);
  for (let v0 = 0; v0 < kv; v0 += P) {
    const v1 = min(kv, v0 + P);
    for (let i = 0; i < rows; i += 2) {
      const two = i + 1 < rows;
      const x0p = dZ + (<usize>i) * ldz;
      const x1p = two ? x0p + ldz : x0p;
      const acc0 = acc + (<usize>i) * (<usize>d) * 16;
      const acc1 = two ? acc0 + (<usize>d) * 16 : acc0;
      for (let a = 0; a < d; a += 2) {
        const twoA = a + 1 < d;
        const y0p = Wt + (<usize>a) * ldz;
        const y1p = twoA ? y0p + ldz : y0p;
        let c00 = v128.load(acc0 + (<usize>a) * 16), c10 = v128.load(acc1 + (<usize>a) * 16);
        let c01 = twoA ? v128.load(acc0 + (<usize>a) * 16, 16) : c00;
        let c11 = twoA ? v128.load(acc1 + (<usize>a) * 16, 16) : c10;
        for (let v = v0; v < v1; v += L) {
          const o = (<usize>v) * s;
          const x0 = v128.load(x0p + o), x1 = v128.load(x1p + o);
          const y0 = v128.load(y0p + o), y1 = v128.load(y1p + o);
          c00 = v128.add<T>(c00, v128.mul<T>(x0, y0)); c01 = v128.add<T>(c01, v128.mul<T>(x0, y1));
          c10 = v128.add<T>(c10, v128.mul<T>(x1, y0)); c11 = v128.add<T>(c11, v128.mul<T>(x1, y1));
        }
        v128.store(acc0 + (<usize>a) * 16, c00);
        if (twoA) v128.store(acc0 + (<usize>a) * 16, c01, 16);
        if (two) {
          v128.store(acc1 + (<usize>a) * 16, c10);
          if (twoA) v128.store(acc1 + (<usize>a) * 16, c11, 16);
        }
      }
    }
  }
  for (let i = 0; i < rows; i++) {
    const x = dZ + (<usize>i) * ldz;
    for (let a = 0; a < d; a++) {
      let r = hsum<T>(v128.load(acc + ((<usize>i) * (<usize>d) + (<usize>a)) * 16));
      const y = Wt + (<usize>a) * ldz;
      for (let v = kv; v < V; v++) r += load<T>(x + (<usize>v) * s) * load<T>(y + (<usize>v) * s);
      store<T>(dH + ((<usize>i) * (<usize>d) + (<usize>a)) * s, r);
    }
  }
}

/**
 * gWt[:, v0:v1] += Σ_i H[i, :]ᵀ dZ[i, v0:v1] over the block's rows i < rows, each entry adding
 * the rows' terms one by one in row order (g + h·dz).
 */
export function blockOuterAccumulate<T>(gWt: usize, H: usize, dZ: usize, rows: i32, v0: i32, v1: i32, V: i32, d: i32): void {
  const L = lanes<T>();
  const s = sizeof<T>();
  const W = 2 * L;
  const ld = (<usize>V) * s;
  const P = PANEL_BYTES / <i32>s;
  for (let j0 = v0; j0 < v1; j0 += P) {
    const j1 = min(v1, j0 + P);
    for (let a = 0; a < d; a++) {
      const g = gWt + (<usize>a) * ld;
      let j = j0;
      for (; j + W <= j1; j += W) {
        const o = (<usize>j) * s;
        let g0 = v128.load(g + o), g1 = v128.load(g + o, 16);
        for (let i = 0; i < rows; i++) {
          const h = splatAt<T>(H + ((<usize>i) * (<usize>d) + (<usize>a)) * s);
          const zp = dZ + (<usize>i) * ld + o;
          g0 = v128.add<T>(g0, v128.mul<T>(h, v128.load(zp)));
          g1 = v128.add<T>(g1, v128.mul<T>(h, v128.load(zp, 16)));
        }
        v128.store(g + o, g0);
        v128.store(g + o, g1, 16);
      }
      for (; j < j1; j++) {
        const o = (<usize>j) * s;
        let acc = load<T>(g + o);
        for (let i = 0; i < rows; i++) acc += load<T>(H + ((<usize>i) * (<usize>d) + (<usize>a)) * s) * load<T>(dZ + (<usize>i) * ld + o);
        store<T>(g + o, acc);
      }
    }
  }
}
