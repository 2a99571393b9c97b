// SIMD primitives over contiguous arrays of T (f64: two lanes, f32: four lanes).
// Every buffer is 16-byte aligned by the layout; lengths need not be multiples of the lane count.

@inline export function lanes<T>(): i32 {
  return 16 / sizeof<T>();
}

/** The T at p in every lane, as one load-and-splat instruction (a load, then a splat, is two). */
@inline export function splatAt<T>(p: usize): v128 {
  return sizeof<T>() == 8 ? v128.load64_splat(p) : v128.load32_splat(p);
}

/** The largest multiple of the lane count ≤ count: where a row's whole vectors end and its masked last one starts. */
@inline export function wholeLanes<T>(count: i32): i32 {
  return count - count % lanes<T>();
}

/** All ones in the first `count` lanes (0 < count < L), zeros after: which lanes of a row's last, partial vector are the row's. */
@inline export function laneMask<T>(count: i32): v128 {
  if (sizeof<T>() == 8) return i64x2.gt_s(i64x2.splat(<i64>count), i64x2(0, 1));
  return i32x4.gt_s(i32x4.splat(count), i32x4(0, 1, 2, 3));
}

@inline export function hsum<T>(v: v128): T {
  if (sizeof<T>() == 8) {
    return <T>(v128.extract_lane<f64>(v, 0) + v128.extract_lane<f64>(v, 1));
  } else {
    return <T>(v128.extract_lane<f32>(v, 0) + v128.extract_lane<f32>(v, 1) +
      (v128.extract_lane<f32>(v, 2) + v128.extract_lane<f32>(v, 3)));
  }
}

@inline export function hmax<T>(v: v128): T {
  if (sizeof<T>() == 8) {
    return <T>max(v128.extract_lane<f64>(v, 0), v128.extract_lane<f64>(v, 1));
  } else {
    return <T>max(max(v128.extract_lane<f32>(v, 0), v128.extract_lane<f32>(v, 1)),
      max(v128.extract_lane<f32>(v, 2), v128.extract_lane<f32>(v, 3)));
  }
}

/** y += x, element by element (a gradient's partial sums added in a fixed order: the same bits on every path) */
export function addInto<T>(y: usize, x: usize, n: i32): void {
  const L = lanes<T>();
  const s = sizeof<T>();
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = (<usize>i) * s;
    v128.store(y + o, v128.add<T>(v128.load(y + o), v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) * s;
    store<T>(y + o, load<T>(y + o) + load<T>(x + o));
  }
}

/** The first n lanes of x at p: all L when n ≥ L, none when n ≤ 0 (a row's last, partial vector). */
@inline export function storeFirst<T>(p: usize, x: v128, n: i32): void {
  if (n >= lanes<T>()) v128.store(p, x);
  else if (n > 0) {
    store<T>(p, v128.extract_lane<T>(x, 0));
    if (sizeof<T>() == 4) {
      if (n > 1) store<T>(p, v128.extract_lane<T>(x, 1), 4);
      if (n > 2) store<T>(p, v128.extract_lane<T>(x, 2), 8);
    }
  }
}

/** y += a·x */
export function axpy<T>(y: usize, a: T, x: usize, n: i32): void {
  const L = lanes<T>();
  const s = sizeof<T>();
  const av = v128.splat<T>(a);
  let i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const o = (<usize>i) * s;
    v128.store(y + o, v128.add<T>(v128.load(y + o), v128.mul<T>(av, v128.load(x + o))));
    v128.store(y + o + 16, v128.add<T>(v128.load(y + o + 16), v128.mul<T>(av, v128.load(x + o + 16))));
  }
  for (; i < n; i++) {
    const o = (<usize>i) * s;
    store<T>(y + o, load<T>(y + o) + a * load<T>(x + o));
  }
}

/** z = (z + a·x) + b·y, rounded as two axpys */
export function axpy2<T>(z: usize, a: T, x: usize, b: T, y: usize, n: i32): void {
  const L = lanes<T>();
  const s = sizeof<T>();
  const av = v128.splat<T>(a);
  const bv = v128.splat<T>(b);
  let i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const o = (<usize>i) * s;
    v128.store(z + o, v128.add<T>(v128.add<T>(v128.load(z + o), v128.mul<T>(av, v128.load(x + o))), v128.mul<T>(bv, v128.load(y + o))));
    v128.store(z + o, v128.add<T>(v128.add<T>(v128.load(z + o, 16), v128.mul<T>(av, v128.load(x + o, 16))), v128.mul<T>(bv, v128.load(y + o, 16))), 16);
  }
  for (; i < n; i++) {
    const o = (<usize>i) * s;
    store<T>(z + o, (load<T>(z + o) + a * load<T>(x + o)) + b * load<T>(y + o));
  }
}

/** y = a·x */
export function scaleInto<T>(y: usize, a: T, x: usize, n: i32): void {
  const L = lanes<T>();
  const s = sizeof<T>();
  const av = v128.splat<T>(a);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = (<usize>i) * s;
    v128.store(y + o, v128.mul<T>(av, v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) * s;
    store<T>(y + o, a * load<T>(x + o));
  }
}

/** x·y */
export function dot<T>(x: usize, y: usize, n: i32): T {
  const L = lanes<T>();
  const s = sizeof<T>();
  let acc0 = v128.splat<T>(<T>0);
  let acc1 = v128.splat<T>(<T>0);
  let i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const o = (<usize>i) * s;
    acc0 = v128.add<T>(acc0, v128.mul<T>(v128.load(x + o), v128.load(y + o)));
    acc1 = v128.add<T>(acc1, v128.mul<T>(v128.load(x + o + 16), v128.load(y + o + 16)));
  }
  let r = hsum<T>(v128.add<T>(acc0, acc1));
  for (; i < n; i++) {
    const o = (<usize>i) * s;
    r += load<T>(x + o) * load<T>(y + o);
  }
  return r;
}

/**
 * x·y with four accumulators: a sum over |V| is a chain of dependent additions, and the adder's
 * latency, not its throughput, bounds a two-accumulator dot (the stage-2 backward's dots).
 */
export function dot4<T>(x: usize, y: usize, n: i32): T {
  const L = lanes<T>();
  const s = sizeof<T>();
  let acc0 = v128.splat<T>(<T>0);
  let acc1 = acc0;
  let acc2 = acc0;
  let acc3 = acc0;
  let i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    const o = (<usize>i) * s;
    acc0 = v128.add<T>(acc0, v128.mul<T>(v128.load(x + o), v128.load(y + o)));
    acc1 = v128.add<T>(acc1, v128.mul<T>(v128.load(x + o, 16), v128.load(y + o, 16)));
    acc2 = v128.add<T>(acc2, v128.mul<T>(v128.load(x + o, 32), v128.load(y + o, 32)));
    acc3 = v128.add<T>(acc3, v128.mul<T>(v128.load(x + o, 48), v128.load(y + o, 48)));
  }
  for (; i + L <= n; i += L) {
    const o = (<usize>i) * s;
    acc0 = v128.add<T>(acc0, v128.mul<T>(v128.load(x + o), v128.load(y + o)));
  }
  let r = hsum<T>(v128.add<T>(v128.add<T>(acc0, acc1), v128.add<T>(acc2, acc3)));
  for (; i < n; i++) {
    const o = (<usize>i) * s;
    r += load<T>(x + o) * load<T>(y + o);
  }
  return r;
}

/** max x (n ≥ 1), with four accumulators (see dot4); the same result as vmax */
export function vmax4<T>(x: usize, n: i32): T {
  const L = lanes<T>();
  const s = sizeof<T>();
  if (n < 4 * L) return vmax<T>(x, n);
  let a0 = v128.load(x);
  let a1 = v128.load(x, 16);
  let a2 = v128.load(x, 32);
  let a3 = v128.load(x, 48);
  let i = 4 * L;
  for (; i + 4 * L <= n; i += 4 * L) {
    const p = x + (<usize>i) * s;
    a0 = v128.pmax<T>(a0, v128.load(p));
    a1 = v128.pmax<T>(a1, v128.load(p, 16));
    a2 = v128.pmax<T>(a2, v128.load(p, 32));
    a3 = v128.pmax<T>(a3, v128.load(p, 48));
  }
  let r = hmax<T>(v128.pmax<T>(v128.pmax<T>(a0, a1), v128.pmax<T>(a2, a3)));
  for (; i < n; i++) r = max(r, load<T>(x + (<usize>i) * s));
  return r;
}

/** max x (n ≥ 1) */
export function vmax<T>(x: usize, n: i32): T {
  const L = lanes<T>();
  const s = sizeof<T>();
  let r = load<T>(x);
  let i = 0;
  if (n >= L) {
    let acc = v128.load(x);
    // pmax is one instruction; a NaN here surfaces in the loss anyway
    for (i = L; i + L <= n; i += L) acc = v128.pmax<T>(acc, v128.load(x + (<usize>i) * s));
    r = hmax<T>(acc);
  }
  for (; i < n; i++) r = max(r, load<T>(x + (<usize>i) * s));
  return r;
}

/** max |x| */
export function amax<T>(x: usize, n: i32): T {
  const L = lanes<T>();
  const s = sizeof<T>();
  let acc = v128.splat<T>(<T>0);
  let i = 0;
  for (; i + L <= n; i += L) acc = v128.max<T>(acc, v128.abs<T>(v128.load(x + (<usize>i) * s)));
  let r = hmax<T>(acc);
  for (; i < n; i++) r = max(r, abs(load<T>(x + (<usize>i) * s)));
  return r;
}

/** x *= a */
export function scale<T>(x: usize, a: T, n: i32): void {
  const L = lanes<T>();
  const s = sizeof<T>();
  const av = v128.splat<T>(a);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = (<usize>i) * s;
    v128.store(x + o, v128.mul<T>(av, v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) * s;
    store<T>(x + o, a * load<T>(x + o));
  }
}

/**
 * Σ (x / m)² for m = max|x| > 0. Dividing first keeps the squares representable when the
 * gradient is near underflow (f32: 1e-22² is already zero) or near overflow. The division is a
 * multiply by inv = 1/m, unless 1/m overflows (m subnormal).
 */
export function scaledSumSquares<T>(x: usize, n: i32, m: T, inv: T, byInv: bool): T {
  const L = lanes<T>();
  const s = sizeof<T>();
  const mv = v128.splat<T>(m);
  const iv = v128.splat<T>(inv);
  let acc = v128.splat<T>(<T>0);
  let i = 0;
  for (; i + L <= n; i += L) {
    const g = v128.load(x + (<usize>i) * s);
    const u = byInv ? v128.mul<T>(g, iv) : v128.div<T>(g, mv);
    acc = v128.add<T>(acc, v128.mul<T>(u, u));
  }
  let r = hsum<T>(acc);
  for (; i < n; i++) {
    const g = load<T>(x + (<usize>i) * s);
    const u = byInv ? g * inv : g / m;
    r += u * u;
  }
  return r;
}

/**
 * out = w − a·(g / m) (the division as in scaledSumSquares), returning whether every entry is
 * finite. `out` may be g itself: the step is computed beside the weights and copied over only
 * when it stays in range, so a run that would overflow keeps its last finite iterate.
 */
export function stepInto<T>(out: usize, w: usize, g: usize, n: i32, a: T, m: T, inv: T, byInv: bool): bool {
  const L = lanes<T>();
  const s = sizeof<T>();
  const av = v128.splat<T>(a);
  const mv = v128.splat<T>(m);
  const iv = v128.splat<T>(inv);
  // x − x is 0 for finite x and NaN otherwise, and NaN survives the sum
  let acc = v128.splat<T>(<T>0);
  let i = 0;
  for (; i + L <= n; i += L) {
    const o = (<usize>i) * s;
    const gv = v128.load(g + o);
    const u = byInv ? v128.mul<T>(gv, iv) : v128.div<T>(gv, mv);
    const x = v128.sub<T>(v128.load(w + o), v128.mul<T>(av, u));
    v128.store(out + o, x);
    acc = v128.add<T>(acc, v128.sub<T>(x, x));
  }
  let r = hsum<T>(acc);
  for (; i < n; i++) {
    const o = (<usize>i) * s;
    const gs = load<T>(g + o);
    const x = load<T>(w + o) - a * (byInv ? gs * inv : gs / m);
    store<T>(out + o, x);
    r += x - x;
  }
  return r == <T>0;
}
