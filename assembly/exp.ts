// Vectorized exp with range reduction: x = k·ln2 + r, |r| ≤ ln2/2, exp(r) by a Taylor
// polynomial whose truncation error is below half an ulp, and 2^k applied as two exact
// power-of-two factors so that results in the subnormal range are rounded only once.

import { lanes, hsum } from './vec';

// f64: ln2 split so that k·LN2_HI is exact for |k| < 2^11
const LOG2E: f64 = 1.4426950408889634;
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const LOG2E_F: f32 = 1.44269502;
/** float32 exponentials of arguments below this are 0 (e^−60 ≈ 8.8e−27); see exp4v */
export const FLUSH_F32: f32 = -60.0;
const LN2_HI_F: f32 = 6.9314575195e-01;
const LN2_LO_F: f32 = 1.4286067653e-06;

@inline function exp2v(x: v128): v128 {
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

@inline function exp4v(x: v128): v128 {
  // clamped at the flush threshold, so that no intermediate product is subnormal either
  const xc = f32x4.pmin(f32x4.pmax(x, f32x4.splat(FLUSH_F32)), f32x4.splat(90.0));
  const kf = f32x4.nearest(f32x4.mul(xc, f32x4.splat(LOG2E_F)));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(kf, f32x4.splat(LN2_HI_F))), f32x4.mul(kf, f32x4.splat(LN2_LO_F)));
  // 1/k!, k = 0 … 7 (truncation r^8/8! < 6e-9 for |r| ≤ 0.347), Estrin's scheme as above
  const r2 = f32x4.mul(r, r);
  const r4 = f32x4.mul(r2, r2);
  const p01 = f32x4.add(f32x4.splat(<f32>1.0), r);
  const p23 = f32x4.add(f32x4.splat(<f32>0.5), f32x4.mul(r, f32x4.splat(<f32>(1.0 / 6.0))));
  const p45 = f32x4.add(f32x4.splat(<f32>(1.0 / 24.0)), f32x4.mul(r, f32x4.splat(<f32>(1.0 / 120.0))));
  const p67 = f32x4.add(f32x4.splat(<f32>(1.0 / 720.0)), f32x4.mul(r, f32x4.splat(<f32>(1.0 / 5040.0))));
  const p = f32x4.add(f32x4.add(p01, f32x4.mul(p23, r2)), f32x4.mul(f32x4.add(p45, f32x4.mul(p67, r2)), r4));
  const k1 = f32x4.floor(f32x4.mul(kf, f32x4.splat(<f32>0.5)));
  const k2 = f32x4.sub(kf, k1);
  const magic = f32x4.splat(<f32>8388735.0); // 2^23 + 127
  const s1 = i32x4.shl(f32x4.add(k1, magic), 23);
  const s2 = i32x4.shl(f32x4.add(k2, magic), 23);
  // Flush results below e^FLUSH_F32 to zero: products of smaller values with gradients and
  // weights become subnormal, and subnormal arithmetic is tens of times slower on x86.
  const keep = f32x4.ge(x, f32x4.splat(FLUSH_F32));
  return v128.and(f32x4.mul(f32x4.mul(p, s1), s2), keep);
}

/** exp of every lane of a v128 of T */
@inline export function expv<T>(x: v128): v128 {
  if (sizeof<T>() == 8) return exp2v(x);
  return exp4v(x);
}

/** scalar exp through the same vector code, so tails agree with the vector body */
@inline export function exps<T>(x: T): T {
  return v128.extract_lane<T>(expv<T>(v128.splat<T>(x)), 0);
}

/** out[i] = exp(x[i] − shift) */
export function expShift<T>(out: usize, x: usize, n: i32, shift: T): void {
  const L = lanes<T>();
  const s = sizeof<T>();
  const sv = v128.splat<T>(shift);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = (<usize>i) * s;
    v128.store(out + o, expv<T>(v128.sub<T>(v128.load(x + o), sv)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) * s;
    store<T>(out + o, exps<T>(load<T>(x + o) - shift));
  }
}

/** out[i] = exp(x[i] − shift), returning Σ out */
export function expShiftSum<T>(out: usize, x: usize, n: i32, shift: T): T {
  const L = lanes<T>();
  const s = sizeof<T>();
  const sv = v128.splat<T>(shift);
  let acc = v128.splat<T>(<T>0);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = (<usize>i) * s;
    const e = expv<T>(v128.sub<T>(v128.load(x + o), sv));
    v128.store(out + o, e);
    acc = v128.add<T>(acc, e);
  }
  let r = hsum<T>(acc);
  for (; i < n; i++) {
    const o = (<usize>i) * s;
    const e = exps<T>(load<T>(x + o) - shift);
    store<T>(out + o, e);
    r += e;
  }
  return r;
}
