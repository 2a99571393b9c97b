// The one matrix product of the causal transformer: C (m×n) (+)= A·B with A[i, p] at
// a + i·aRow + p·aCol (so Aᵀ·B is a stride swap), B row-major with row stride ldb, C with row
// stride ldc (strides in elements). A 4-row × 2-vector register block: every B row loaded once
// feeds eight accumulators; the last rows go as one 2-row and one 1-row block, and the column tail
// falls back to one vector, then to one vector of which only the first n mod L lanes are stored
// (it reads up to L − 1 values past a row of B and C: every operand lies in an arena followed by
// 64 spare bytes; the lanes read there are dropped).
//
// `band` skips the products a causal mask makes zero, per block of rows [i, i + r):
//   BAND_FULL      every p and j;
//   BAND_LOWER_A   p < i + r: A lower-triangular (row t reads keys p ≤ t; A·V, dS·K);
//   BAND_UPPER_AT  p ≥ i: A = Xᵀ with X lower-triangular (Aᵀ·dOut, dSᵀ·Q);
//   BAND_LOWER_C   j < i + r: only C's lower triangle is wanted (Q·Kᵀ, dOut·Vᵀ); the caller
//                  masks what the block's edge computed past the diagonal. Entries past the
//                  edge are never written, and no band reads them: they need no clearing.
// Skipped terms are exact zeros of the stored operands, so the band changes no value.

import { splatAt, storeFirst } from '../vec';

export const BAND_FULL: i32 = 0;
export const BAND_LOWER_A: i32 = 1;
export const BAND_UPPER_AT: i32 = 2;
export const BAND_LOWER_C: i32 = 3;

export function gemm<T>(c: usize, ldc: i32, a: usize, aRow: i32, aCol: i32, b: usize, ldb: i32, m: i32, n: i32, k: i32, acc: bool, band: i32): void {
  let i = 0;
  for (; i + 4 <= m; i += 4) rows<T>(c, ldc, a, aRow, aCol, b, ldb, i, 4, n, k, acc, band);
  if (i + 2 <= m) {
    rows<T>(c, ldc, a, aRow, aCol, b, ldb, i, 2, n, k, acc, band);
    i += 2;
  }
  if (i < m) rows<T>(c, ldc, a, aRow, aCol, b, ldb, i, 1, n, k, acc, band);
}

/**
 * Rows [i, i + r) of C, r ∈ {1, 2, 4} (2 and 1 only at the end of C, from a row i ≡ 0 mod 4: a
 * band's edge stays inside the 4-row block's). r is a constant at each inlined call, so the rows
 * past it fold away: one register block for the three heights.
 */
@inline function rows<T>(c: usize, ldc: i32, a: usize, aRow: i32, aCol: i32, b: usize, ldb: i32, i: i32, r: i32, n: i32, k: i32, acc: bool, band: i32): void {
  const L = 16 / sizeof<T>();
  const W = 2 * L;
  const s = <usize>sizeof<T>();
  const ar = (<usize>aRow) * s;
  const ac = (<usize>aCol) * s;
  const bs = (<usize>ldb) * s;
  const cs = (<usize>ldc) * s;
  const p0 = band == BAND_UPPER_AT ? i : 0;
  const p1 = band == BAND_LOWER_A ? min(k, i + r) : k;
  const nEnd = band == BAND_LOWER_C ? min(n, i + r) : n;
  const a0 = a + (<usize>i) * ar + (<usize>p0) * ac;
  const c0 = c + (<usize>i) * cs;
  const b0 = b + (<usize>p0) * bs;
  const zero = v128.splat<T>(<T>0);
  let j = 0;
  for (; j + W <= nEnd; j += W) {
    const cp = c0 + (<usize>j) * s;
    let x00 = zero, x01 = zero, x10 = zero, x11 = zero, x20 = zero, x21 = zero, x30 = zero, x31 = zero;
    if (acc) {
      x00 = v128.load(cp); x01 = v128.load(cp, 16);
      if (r > 1) { x10 = v128.load(cp + cs); x11 = v128.load(cp + cs, 16); }
      if (r > 2) {
        x20 = v128.load(cp + 2 * cs); x21 = v128.load(cp + 2 * cs, 16);
        x30 = v128.load(cp + 3 * cs); x31 = v128.load(cp + 3 * cs, 16);
      }
    }
    let bp = b0 + (<usize>j) * s;
    let ap = a0;
    for (let p = p0; p < p1; p++) {
      const v0 = v128.load(bp);
      const v1 = v128.load(bp, 16);
      const y0 = splatAt<T>(ap);
      x00 = v128.add<T>(x00, v128.mul<T>(y0, v0)); x01 = v128.add<T>(x01, v128.mul<T>(y0, v1));
      if (r > 1) {
        const y1 = splatAt<T>(ap + ar);
        x10 = v128.add<T>(x10, v128.mul<T>(y1, v0)); x11 = v128.add<T>(x11, v128.mul<T>(y1, v1));
      }
      if (r > 2) {
        const y2 = splatAt<T>(ap + 2 * ar);
        const y3 = splatAt<T>(ap + 3 * ar);
        x20 = v128.add<T>(x20, v128.mul<T>(y2, v0)); x21 = v128.add<T>(x21, v128.mul<T>(y2, v1));
        x30 = v128.add<T>(x30, v128.mul<T>(y3, v0)); x31 = v128.add<T>(x31, v128.mul<T>(y3, v1));
      }
      bp += bs;
      ap += ac;
    }
    v128.store(cp, x00); v128.store(cp, x01, 16);
    if (r > 1) { v128.store(cp + cs, x10); v128.store(cp + cs, x11, 16); }
    if (r > 2) {
      v128.store(cp + 2 * cs, x20); v128.store(cp + 2 * cs, x21, 16);
      v128.store(cp + 3 * cs, x30); v128.store(cp + 3 * cs, x31, 16);
    }
  }
  // the last whole vector, then a vector of which the first nEnd − j lanes are stored
  for (; j < nEnd; j += L) {
    const cp = c0 + (<usize>j) * s;
    let x0 = zero, x1 = zero, x2 = zero, x3 = zero;
    if (acc) {
      x0 = v128.load(cp);
      if (r > 1) x1 = v128.load(cp + cs);
      if (r > 2) { x2 = v128.load(cp + 2 * cs); x3 = v128.load(cp + 3 * cs); }
    }
    let bp = b0 + (<usize>j) * s;
    let ap = a0;
    for (let p = p0; p < p1; p++) {
      const v0 = v128.load(bp);
      x0 = v128.add<T>(x0, v128.mul<T>(splatAt<T>(ap), v0));
      if (r > 1) x1 = v128.add<T>(x1, v128.mul<T>(splatAt<T>(ap + ar), v0));
      if (r > 2) {
        x2 = v128.add<T>(x2, v128.mul<T>(splatAt<T>(ap + 2 * ar), v0));
        x3 = v128.add<T>(x3, v128.mul<T>(splatAt<T>(ap + 3 * ar), v0));
      }
      bp += bs;
      ap += ac;
    }
    const m = nEnd - j;
    storeFirst<T>(cp, x0, m);
    if (r > 1) storeFirst<T>(cp + cs, x1, m);
    if (r > 2) { storeFirst<T>(cp + 2 * cs, x2, m); storeFirst<T>(cp + 3 * cs, x3, m); }
  }
}
