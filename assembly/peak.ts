// The machine's SIMD ceiling for the benchmarks: independent multiply-add chains (a separate
// mul and add, as the kernels issue them: WebAssembly SIMD has no fused multiply-add) on
// 128-bit vectors, twelve accumulators so no chain waits on its own latency.

/** n rounds of acc ← acc·x + y on twelve vectors; returns a lane sum so the work cannot be elided. 24·lanes FLOP per round. */
export function peakMulAdd<T>(n: i32): f64 {
  const x = v128.splat<T>(<T>0.999999), y = v128.splat<T>(<T>1e-7);
  let a0 = v128.splat<T>(<T>1), a1 = v128.splat<T>(<T>2), a2 = v128.splat<T>(<T>3), a3 = v128.splat<T>(<T>4);
  let a4 = v128.splat<T>(<T>5), a5 = v128.splat<T>(<T>6), a6 = v128.splat<T>(<T>7), a7 = v128.splat<T>(<T>8);
  let a8 = v128.splat<T>(<T>9), a9 = v128.splat<T>(<T>10), a10 = v128.splat<T>(<T>11), a11 = v128.splat<T>(<T>12);
  for (let i = 0; i < n; i++) {
    a0 = v128.add<T>(v128.mul<T>(a0, x), y); a1 = v128.add<T>(v128.mul<T>(a1, x), y);
    a2 = v128.add<T>(v128.mul<T>(a2, x), y); a3 = v128.add<T>(v128.mul<T>(a3, x), y);
    a4 = v128.add<T>(v128.mul<T>(a4, x), y); a5 = v128.add<T>(v128.mul<T>(a5, x), y);
    a6 = v128.add<T>(v128.mul<T>(a6, x), y); a7 = v128.add<T>(v128.mul<T>(a7, x), y);
    a8 = v128.add<T>(v128.mul<T>(a8, x), y); a9 = v128.add<T>(v128.mul<T>(a9, x), y);
    a10 = v128.add<T>(v128.mul<T>(a10, x), y); a11 = v128.add<T>(v128.mul<T>(a11, x), y);
  }
  const s = v128.add<T>(v128.add<T>(v128.add<T>(a0, a1), v128.add<T>(a2, a3)), v128.add<T>(v128.add<T>(a4, a5), v128.add<T>(a6, a7)));
  const r = v128.add<T>(s, v128.add<T>(v128.add<T>(a8, a9), v128.add<T>(a10, a11)));
  return <f64>v128.extract_lane<T>(r, 0);
}
