/**
 * TS twin of assembly/autoregressive/gemm.ts: C (m×n) (+)= A·B with A[i, p] at a + i·aRow + p·aCol,
 * B and C row-major with row strides ldb, ldc, and the same causal bands (per block of four rows,
 * then single rows) so that both backends add the same terms in the same order.
 */
export const BAND_FULL = 0;
export const BAND_LOWER_A = 1;
export const BAND_UPPER_AT = 2;
export const BAND_LOWER_C = 3;

type Buf = Float64Array | Float32Array;

export function gemm(buf: Buf, c: number, ldc: number, a: number, aRow: number, aCol: number, b: number, ldb: number, m: number, n: number, k: number, acc: boolean, band: number): void {
  const m4 = m - (m % 4);
  for (let i = 0; i < m; i++) {
    // the block of rows i belongs to: [i0, i0 + r)
    const i0 = i < m4 ? i - (i % 4) : i;
    const r = i < m4 ? 4 : 1;
    const p0 = band === BAND_UPPER_AT ? i0 : 0;
    const p1 = band === BAND_LOWER_A ? Math.min(k, i0 + r) : k;
    const nEnd = band === BAND_LOWER_C ? Math.min(n, i0 + r) : n;
    for (let j = 0; j < nEnd; j++) {
      let x = acc ? buf[c + i * ldc + j] : 0;
      for (let p = p0; p < p1; p++) x += buf[a + i * aRow + p * aCol] * buf[b + p * ldb + j];
      buf[c + i * ldc + j] = x;
    }
  }
}

/** dst (cols×rows) = srcᵀ, src rows×cols with row stride ld */
export function transpose(buf: Buf, dst: number, src: number, ld: number, rows: number, cols: number): void {
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) buf[dst + j * rows + i] = buf[src + i * ld + j];
}
