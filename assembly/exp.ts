// Vectorized exp with range reduction: x = k·ln2 + r, |r| ≤ ln2/2, exp(r) by a rational
// approximation (f64) or a Taylor polynomial (f32) accurate to an ulp, and 2^k applied as two exact
// power-of-two factors so that results in the subnormal range are rounded only once.

import { lanes, hsum } from './vec';

// f64: ln2 split so that k·LN2_HI is exact for |k| < 2^11
const LOG2E: f64 = 1.4426950408889634;
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
// fdlibm's minimax coefficients for exp on |r| ≤ ln2/2
const P1: f64 = 1.66666666666666019037e-01;
const P2: f64 = -2.77777777770155933842e-03;
const P3: f64 = 6.61375632143793436117e-05;
const P4: f64 = -1.65339022054652515390e-06;
const P5: f64 = 4.13813679705723846039e-08;
const LOG2E_F: f32 = 1.44269502;
/** float32 exponentials of arguments below this are 0 (e^−60 ≈ 8.8e−27); see exp4v */
export const FLUSH_F32: f32 = -60.0;
const LN2_HI_F: f32 = 6.9314575195e-01;
const LN2_LO_F: f32 = 1.4286067653e-06;

/** exp(r) for r = x − k·ln2 (xc = x, kf = k): the polynomial part of exp2v */
@inline function expReduced2v(xc: v128, kf: v128): v128 {
  // exp(r) by fdlibm's rational form (e_exp.c): with c = r − r²·P(r²), P of degree 4,
  // exp(r) = 1 + r + r·c/(2 − c), evaluated as 1 − ((lo − r·c/(2 − c)) − hi) with r = hi − lo so
  // that the reduction's rounding is not lost; error below 1 ulp. Fifteen operations and a
  // division against the twenty-nine of a degree-13 Taylor polynomial (assembly/exp-taylor.ts).
  const hi = f64x2.sub(xc, f64x2.mul(kf, f64x2.splat(LN2_HI)));
  const lo = f64x2.mul(kf, f64x2.splat(LN2_LO));
  const r = f64x2.sub(hi, lo);
  const t = f64x2.mul(r, r);
  let q = f64x2.add(f64x2.splat(P4), f64x2.mul(t, f64x2.splat(P5)));
  q = f64x2.add(f64x2.splat(P3), f64x2.mul(t, q));
  q = f64x2.add(f64x2.splat(P2), f64x2.mul(t, q));
  q = f64x2.add(f64x2.splat(P1), f64x2.mul(t, q));
  const c = f64x2.sub(r, f64x2.mul(t, q));
  const y = f64x2.div(f64x2.mul(r, c), f64x2.sub(f64x2.splat(2.0), c));
  return f64x2.sub(f64x2.splat(1.0), f64x2.sub(f64x2.sub(lo, y), hi));
}

@inline function exp2v(x: v128): v128 {
  // Arguments in [−708, 709] have normal results: no clamping, and 2^k is one exact factor.
  // The cross-entropy's shifted logits are almost always there (only a separable step reaches
  // below), and the branch is taken for both lanes at once.
  const edge = v128.or(f64x2.lt(x, f64x2.splat(-708.0)), f64x2.gt(x, f64x2.splat(709.0)));
  if (!v128.any_true(edge)) {
    const k = f64x2.nearest(f64x2.mul(x, f64x2.splat(LOG2E)));
    const scale = i64x2.shl(f64x2.add(k, f64x2.splat(4503599627371519.0)), 52); // 2^k, as below
    return f64x2.mul(expReduced2v(x, k), scale);
  }
  // Below −745.14 the result rounds to 0: those lanes are computed from a harmless −700 and
  // masked, because a multiply that underflows costs a microcode assist on x86 (long runs in
  // the separable regime have many such logits). Results in the subnormal band above stay
  // exact. pmin/pmax are single instructions (min/max must order −0 and NaN, costing several);
  // with x first they keep NaN.
  const zero = f64x2.lt(x, f64x2.splat(-745.2));
  const xc = v128.bitselect(f64x2.splat(-700.0), f64x2.pmin(x, f64x2.splat(710.0)), zero);
  const kf = f64x2.nearest(f64x2.mul(xc, f64x2.splat(LOG2E)));
  const p = expReduced2v(xc, kf);
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
  // 1/k!, k = 0 … 7 (truncation r^8/8! < 6e-9 for |r| ≤ 0.347), by Estrin's scheme: four
  // dependent operations deep instead of Horner's eight, so consecutive exps overlap
  const r2 = f32x4.mul(r, r);
  const r4 = f32x4.mul(r2, r2);
  const p01 = f32x4.add(f32x4.splat(<f32>1.0), r);
  const p23 = f32x4.add(f32x4.splat(<f32>0.5), f32x4.mul(r, f32x4.splat(<f32>(1.0 / 6.0))));
  const p45 = f32x4.add(f32x4.splat(<f32>(1.0 / 24.0)), f32x4.mul(r, f32x4.splat(<f32>(1.0 / 120.0))));
  const p67 = f32x4.add(f32x4.splat(<f32>(1.0 / 720.0)), f32x4.mul(r, f32x4.splat(<f32>(1.0 / 5040.0))));
  const p = f32x4.add(f32x4.add(p01, f32x4.mul(p23, r2)), f32x4.mul(f32x4.add(p45, f32x4.mul(p67, r2)), r4));
  // Flush results below e^FLUSH_F32 to zero: products of smaller values with gradients and
  // weights become subnormal, and subnormal arithmetic is tens of times slower on x86.
  const keep = f32x4.ge(x, f32x4.splat(FLUSH_F32));
  const magic = f32x4.splat(<f32>8388735.0); // 2^23 + 127
  // k ≤ 127 on every lane (x ≤ 88; softmax's shifted scores are ≤ 0): 2^k is one normal factor
  // (k ≥ −87 after the clamp), the same product as the two below
  if (!v128.any_true(f32x4.gt(xc, f32x4.splat(<f32>88.0)))) return v128.and(f32x4.mul(p, i32x4.shl(f32x4.add(kf, magic), 23)), keep);
  const k1 = f32x4.floor(f32x4.mul(kf, f32x4.splat(<f32>0.5)));
  const k2 = f32x4.sub(kf, k1);
  const s1 = i32x4.shl(f32x4.add(k1, magic), 23);
  const s2 = i32x4.shl(f32x4.add(k2, magic), 23);
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
