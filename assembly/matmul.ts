// Blocked SIMD matrix products and the transpose that several kernels share (the embedding
// transforms, the recall family's output layers, the autoregressive step).
// Row-major throughout; strides are in elements.

import { lanes, hsum, splatAt } from './vec';

/**
 * The 4-row × 2-vector register block of a product: C[0..4, 0..2L) = Σ_p A[r, p]·B[p, 0..2L), with
 * rows of C ldc bytes apart, A[r, p] at a + r·ar + p·ac and rows of B ldb bytes apart; each B row
 * loaded once feeds eight accumulators. Shared by gemmNN and the logits panels (assembly/logits.ts).
 */
@inline export function block4x2<T>(c: usize, ldc: usize, a: usize, ar: usize, ac: usize, b: usize, ldb: usize, k: i32): void {
  let c00 = v128.splat<T>(<T>0), c01 = v128.splat<T>(<T>0);
  let c10 = v128.splat<T>(<T>0), c11 = v128.splat<T>(<T>0);
  let c20 = v128.splat<T>(<T>0), c21 = v128.splat<T>(<T>0);
  let c30 = v128.splat<T>(<T>0), c31 = v128.splat<T>(<T>0);
  let bp = b;
  let ap = a;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const x0 = splatAt<T>(ap);
    const x1 = splatAt<T>(ap + ar);
    const x2 = splatAt<T>(ap + 2 * ar);
    const x3 = splatAt<T>(ap + 3 * ar);
    c00 = v128.add<T>(c00, v128.mul<T>(x0, b0)); c01 = v128.add<T>(c01, v128.mul<T>(x0, b1));
    c10 = v128.add<T>(c10, v128.mul<T>(x1, b0)); c11 = v128.add<T>(c11, v128.mul<T>(x1, b1));
    c20 = v128.add<T>(c20, v128.mul<T>(x2, b0)); c21 = v128.add<T>(c21, v128.mul<T>(x2, b1));
    c30 = v128.add<T>(c30, v128.mul<T>(x3, b0)); c31 = v128.add<T>(c31, v128.mul<T>(x3, b1));
    bp += ldb;
    ap += ac;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

/**
 * C (m×n) = A·B with A[i,p] at A + (i·aRow + p·aCol)·sizeof<T>, B row-major k×n.
 * Strided A covers both A·B (aRow = k, aCol = 1) and Aᵀ·B (aRow = 1, aCol = m).
 * A 4-row × 2-vector register block: each B row loaded once feeds eight accumulators.
 */
export function gemmNN<T>(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, aRow: i32, aCol: i32): void {
  const L = lanes<T>();
  const s = sizeof<T>();
  const W = 2 * L;
  const ar = (<usize>aRow) * s;
  const ac = (<usize>aCol) * s;
  const bs = (<usize>n) * s;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = a + (<usize>i) * ar;
    let j = 0;
    for (; j + W <= n; j += W) {
      block4x2<T>(c + ((<usize>i) * (<usize>n) + (<usize>j)) * s, bs, a0, ar, ac, b + (<usize>j) * s, bs, k);
    }
    for (; j < n; j++) {
      for (let r = 0; r < 4; r++) {
        let acc: T = <T>0;
        for (let p = 0; p < k; p++) {
          acc += load<T>(a0 + (<usize>r) * ar + (<usize>p) * ac) * load<T>(b + ((<usize>p) * (<usize>n) + (<usize>j)) * s);
        }
        store<T>(c + ((<usize>(i + r)) * (<usize>n) + (<usize>j)) * s, acc);
      }
    }
  }
  for (; i < m; i++) {
    const cp = c + (<usize>i) * bs;
    memory.fill(cp, 0, bs);
    for (let p = 0; p < k; p++) {
      const x = load<T>(a + (<usize>i) * ar + (<usize>p) * ac);
      const bp = b + (<usize>p) * bs;
      const xv = v128.splat<T>(x);
      let j = 0;
      for (; j + L <= n; j += L) {
        const o = (<usize>j) * s;
        v128.store(cp + o, v128.add<T>(v128.load(cp + o), v128.mul<T>(xv, v128.load(bp + o))));
      }
      for (; j < n; j++) {
        const o = (<usize>j) * s;
        store<T>(cp + o, load<T>(cp + o) + x * load<T>(bp + o));
      }
    }
  }
}

/**
 * C (m×n) = A·Bᵀ, A row-major m×k, B row-major n×k: dot products of rows, 2×2 blocked.
 */
export function gemmNT<T>(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32): void {
  const L = lanes<T>();
  const s = sizeof<T>();
  const rs = (<usize>k) * s;
  const kv = k - k % L;
  let i = 0;
  for (; i < m; i += 2) {
    const two = i + 1 < m;
    const a0 = a + (<usize>i) * rs;
    const a1 = two ? a0 + rs : a0;
    for (let j = 0; j < n; j += 2) {
      const twoJ = j + 1 < n;
      const b0 = b + (<usize>j) * rs;
      const b1 = twoJ ? b0 + rs : b0;
      let c00 = v128.splat<T>(<T>0), c01 = v128.splat<T>(<T>0);
      let c10 = v128.splat<T>(<T>0), c11 = v128.splat<T>(<T>0);
      for (let p = 0; p < kv; p += L) {
        const o = (<usize>p) * s;
        const x0 = v128.load(a0 + o), x1 = v128.load(a1 + o);
        const y0 = v128.load(b0 + o), y1 = v128.load(b1 + o);
        c00 = v128.add<T>(c00, v128.mul<T>(x0, y0)); c01 = v128.add<T>(c01, v128.mul<T>(x0, y1));
        c10 = v128.add<T>(c10, v128.mul<T>(x1, y0)); c11 = v128.add<T>(c11, v128.mul<T>(x1, y1));
      }
      let r00 = hsum<T>(c00), r01 = hsum<T>(c01), r10 = hsum<T>(c10), r11 = hsum<T>(c11);
      for (let p = kv; p < k; p++) {
        const o = (<usize>p) * s;
        const x0 = load<T>(a0 + o), x1 = load<T>(a1 + o);
        const y0 = load<T>(b0 + o), y1 = load<T>(b1 + o);
        r00 += x0 * y0; r01 += x0 * y1; r10 += x1 * y0; r11 += x1 * y1;
      }
      const cp = c + ((<usize>i) * (<usize>n) + (<usize>j)) * s;
      store<T>(cp, r00);
      if (twoJ) store<T>(cp + s, r01);
      if (two) {
        store<T>(cp + (<usize>n) * s, r10);
        if (twoJ) store<T>(cp + (<usize>n) * s + s, r11);
      }
    }
  }
}

/** dst (cols×rows) = srcᵀ, src rows×cols with row stride ld */
export function transpose<T>(dst: usize, src: usize, ld: i32, rows: i32, cols: i32): void {
  const s = <usize>sizeof<T>();
  for (let i = 0; i < rows; i++) {
    const si = src + (<usize>i) * (<usize>ld) * s;
    for (let j = 0; j < cols; j++) store<T>(dst + ((<usize>j) * (<usize>rows) + (<usize>i)) * s, load<T>(si + (<usize>j) * s));
  }
}
