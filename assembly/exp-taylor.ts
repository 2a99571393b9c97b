// The f64 exp the engine used before the rational form of assembly/exp.ts: a degree-13 Taylor
// polynomial by Estrin's scheme. Kept only as the benchmark's baseline row for the exp.

import { hsum } from './vec';

const LOG2E: f64 = 1.4426950408889634;
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;

@inline function expTaylor2v(x: v128): v128 {
  // Below −745.14 the result rounds to 0: those lanes are computed from a harmless −700 and
  // masked, because a multiply that underflows costs a microcode assist on x86 (long runs in
  // the separable regime have many such logits). Results in the subnormal band above stay
  // exact. pmin/pmax are single instructions (min/max must order −0 and NaN, costing several);
  // with x first they keep NaN.
  const zero = f64x2.lt(x, f64x2.splat(-745.2));
  const xc = v128.bitselect(f64x2.splat(-700.0), f64x2.pmin(x, f64x2.splat(710.0)), zero);
  const kf = f64x2.nearest(f64x2.mul(xc, f64x2.splat(LOG2E)));
  const r = f64x2.sub(f64x2.sub(xc, f64x2.mul(kf, f64x2.splat(LN2_HI))), f64x2.mul(kf, f64x2.splat(LN2_LO)));
  // Taylor terms 1/k!, k = 0 … 13 (truncation r^14/14! < 4e-18 for |r| ≤ 0.347), summed by
  // Estrin's scheme: eight dependent operations deep instead of Horner's 26, so consecutive
  // exps overlap in the pipeline.
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const r8 = f64x2.mul(r4, r4);
  const p01 = f64x2.add(f64x2.splat(1.0), r);
  const p23 = f64x2.add(f64x2.splat(0.5), f64x2.mul(r, f64x2.splat(1.0 / 6.0)));
  const p45 = f64x2.add(f64x2.splat(1.0 / 24.0), f64x2.mul(r, f64x2.splat(1.0 / 120.0)));
  const p67 = f64x2.add(f64x2.splat(1.0 / 720.0), f64x2.mul(r, f64x2.splat(1.0 / 5040.0)));
  const p89 = f64x2.add(f64x2.splat(1.0 / 40320.0), f64x2.mul(r, f64x2.splat(1.0 / 362880.0)));
  const p1011 = f64x2.add(f64x2.splat(1.0 / 3628800.0), f64x2.mul(r, f64x2.splat(1.0 / 39916800.0)));
  const p1213 = f64x2.add(f64x2.splat(1.0 / 479001600.0), f64x2.mul(r, f64x2.splat(1.0 / 6227020800.0)));
  const q0 = f64x2.add(p01, f64x2.mul(p23, r2));
  const q1 = f64x2.add(p45, f64x2.mul(p67, r2));
  const q2 = f64x2.add(p89, f64x2.mul(p1011, r2));
  const e0 = f64x2.add(q0, f64x2.mul(q1, r4));
  const e1 = f64x2.add(q2, f64x2.mul(p1213, r4));
  const p = f64x2.add(e0, f64x2.mul(e1, r8));
  // 2^k1 and 2^k2 (k1 = ⌊k/2⌋, k2 = k − k1) without integer conversions or 64-bit arithmetic
  // shifts (which x86 SIMD lacks): adding 2^52 + 1023 puts k1 + 1023 in the low mantissa bits,
  // and a left shift by 52 moves them into the exponent field.
  const k1 = f64x2.floor(f64x2.mul(kf, f64x2.splat(0.5)));
  const k2 = f64x2.sub(kf, k1);
  const magic = f64x2.splat(4503599627371519.0); // 2^52 + 1023
  const s1 = i64x2.shl(f64x2.add(k1, magic), 52);
  const s2 = i64x2.shl(f64x2.add(k2, magic), 52);
  return v128.andnot(f64x2.mul(f64x2.mul(p, s1), s2), zero);
}

/** out[i] = exp(x[i] − shift) by the Taylor form, returning Σ out (f64) */
export function expShiftSumTaylor(out: usize, x: usize, n: i32, shift: f64): f64 {
  const sv = f64x2.splat(shift);
  let acc = f64x2.splat(0);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = (<usize>i) * 8;
    const e = expTaylor2v(f64x2.sub(v128.load(x + o), sv));
    v128.store(out + o, e);
    acc = f64x2.add(acc, e);
  }
  let r = hsum<f64>(acc);
  for (; i < n; i++) {
    const o = (<usize>i) * 8;
    const e = f64x2.extract_lane(expTaylor2v(f64x2.splat(load<f64>(x + o) - shift)), 0);
    store<f64>(out + o, e);
    r += e;
  }
  return r;
}
