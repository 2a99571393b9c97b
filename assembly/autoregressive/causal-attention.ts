// Causal attention over real-valued token arrays (one sequence, one head): lower-triangular
// T×T score blocks whose row t holds keys j = 1 … t. The key at position 0 is masked (it carries
// no pair), so row 0 is empty. σ lives in its own file per variant (causal-exp.ts,
// causal-softmax.ts; linear attention is the identity). Row-major; D-long rows use vec.ts SIMD.

import { hsum } from '../vec';

// Rows are short (D = 4d: 8 … 20 values), so after the two-vector body one single-vector step
// runs before the scalar tail (vec.ts's axpy/dot go straight to scalars: 4 of 20 f32 values).

/** y += a·x over n values */
@inline function axpy<T>(y: usize, a: T, x: usize, n: i32): void {
  const L = 16 / sizeof<T>();
  const s = <usize>sizeof<T>();
  const av = v128.splat<T>(a);
  let i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const o = (<usize>i) * s;
    v128.store(y + o, v128.add<T>(v128.load(y + o), v128.mul<T>(av, v128.load(x + o))));
    v128.store(y + o + 16, v128.add<T>(v128.load(y + o + 16), v128.mul<T>(av, v128.load(x + o + 16))));
  }
  if (i + L <= n) {
    const o = (<usize>i) * s;
    v128.store(y + o, v128.add<T>(v128.load(y + o), v128.mul<T>(av, v128.load(x + o))));
    i += L;
  }
  for (; i < n; i++) {
    const o = (<usize>i) * s;
    store<T>(y + o, load<T>(y + o) + a * load<T>(x + o));
  }
}

/** x·y over n values */
@inline function dot<T>(x: usize, y: usize, n: i32): T {
  const L = 16 / sizeof<T>();
  const s = <usize>sizeof<T>();
  let acc0 = v128.splat<T>(<T>0);
  let acc1 = v128.splat<T>(<T>0);
  let i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const o = (<usize>i) * s;
    acc0 = v128.add<T>(acc0, v128.mul<T>(v128.load(x + o), v128.load(y + o)));
    acc1 = v128.add<T>(acc1, v128.mul<T>(v128.load(x + o + 16), v128.load(y + o + 16)));
  }
  if (i + L <= n) {
    const o = (<usize>i) * s;
    acc0 = v128.add<T>(acc0, v128.mul<T>(v128.load(x + o), v128.load(y + o)));
    i += L;
  }
  let r = hsum<T>(v128.add<T>(acc0, acc1));
  for (; i < n; i++) {
    const o = (<usize>i) * s;
    r += load<T>(x + o) * load<T>(y + o);
  }
  return r;
}

/** S[t, j] = q_t · k_j for 1 ≤ j ≤ t, 0 elsewhere */
export function causalScores<T>(S: usize, q: usize, k: usize, n: i32, D: i32): void {
  const s = <usize>sizeof<T>();
  const row = (<usize>D) * s;
  memory.fill(S, 0, (<usize>n) * (<usize>n) * s);
  for (let t = 1; t < n; t++) {
    const qt = q + (<usize>t) * row;
    const St = S + (<usize>t) * (<usize>n) * s;
    for (let j = 1; j <= t; j++) store<T>(St + (<usize>j) * s, dot<T>(qt, k + (<usize>j) * row, D));
  }
}

/** dq_t = Σ_j dS[t, j] k_j and dk_j = Σ_{t ≥ j} dS[t, j] q_t (both overwritten) */
export function causalScoresBackward<T>(dq: usize, dk: usize, dS: usize, q: usize, k: usize, n: i32, D: i32): void {
  const s = <usize>sizeof<T>();
  const row = (<usize>D) * s;
  memory.fill(dq, 0, (<usize>n) * row);
  memory.fill(dk, 0, (<usize>n) * row);
  for (let t = 1; t < n; t++) {
    const dSt = dS + (<usize>t) * (<usize>n) * s;
    const dqt = dq + (<usize>t) * row;
    const qt = q + (<usize>t) * row;
    for (let j = 1; j <= t; j++) {
      const g = load<T>(dSt + (<usize>j) * s);
      axpy<T>(dqt, g, k + (<usize>j) * row, D);
      axpy<T>(dk + (<usize>j) * row, g, qt, D);
    }
  }
}

/** out_t += Σ_{1 ≤ j ≤ t} A[t, j] v_j */
export function causalApply<T>(out: usize, A: usize, v: usize, n: i32, D: i32): void {
  const s = <usize>sizeof<T>();
  const row = (<usize>D) * s;
  for (let t = 1; t < n; t++) {
    const At = A + (<usize>t) * (<usize>n) * s;
    const ot = out + (<usize>t) * row;
    for (let j = 1; j <= t; j++) axpy<T>(ot, load<T>(At + (<usize>j) * s), v + (<usize>j) * row, D);
  }
}

/** dA[t, j] = dOut_t · v_j on valid entries (0 elsewhere); dv_j = Σ_{t ≥ j} A[t, j] dOut_t (overwritten) */
export function causalApplyBackward<T>(dA: usize, dv: usize, A: usize, v: usize, dOut: usize, n: i32, D: i32): void {
  const s = <usize>sizeof<T>();
  const row = (<usize>D) * s;
  memory.fill(dA, 0, (<usize>n) * (<usize>n) * s);
  memory.fill(dv, 0, (<usize>n) * row);
  for (let t = 1; t < n; t++) {
    const At = A + (<usize>t) * (<usize>n) * s;
    const dAt = dA + (<usize>t) * (<usize>n) * s;
    const gt = dOut + (<usize>t) * row;
    for (let j = 1; j <= t; j++) {
      store<T>(dAt + (<usize>j) * s, dot<T>(gt, v + (<usize>j) * row, D));
      axpy<T>(dv + (<usize>j) * row, load<T>(At + (<usize>j) * s), gt, D);
    }
  }
}

/** C (m×n) += A (m×k) · B (k×n): the input gradient dE += dq·W */
export function gemmNNAcc<T>(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32): void {
  const s = <usize>sizeof<T>();
  for (let i = 0; i < m; i++) {
    const ci = c + (<usize>i) * (<usize>n) * s;
    const ai = a + (<usize>i) * (<usize>k) * s;
    for (let p = 0; p < k; p++) axpy<T>(ci, load<T>(ai + (<usize>p) * s), b + (<usize>p) * (<usize>n) * s, n);
  }
}

/** C (m×n) += A (k×m)ᵀ · B (k×n): the weight gradient dW += dqᵀ·E */
export function gemmTNAcc<T>(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32): void {
  const s = <usize>sizeof<T>();
  for (let p = 0; p < k; p++) {
    const ap = a + (<usize>p) * (<usize>m) * s;
    const bp = b + (<usize>p) * (<usize>n) * s;
    for (let i = 0; i < m; i++) axpy<T>(c + (<usize>i) * (<usize>n) * s, load<T>(ap + (<usize>i) * s), bp, n);
  }
}
