// The attention layer for one sample, forward and backward, in token space:
// s_l = K[t_l, q], φ = softmax(s), z = Σ_l φ_l M[:, t_l].

import { V, Kt, Mt, dKt, dMt, tokens, phi, dphi, z, dz } from './state';
import { axpy, axpy2, dot4, scale, scaleInto } from './vec';
import { expShiftSum } from './exp';

@inline function tok(i: i32): i32 {
  return load<i32>(tokens + (<usize>i) * 4);
}

/** φ = softmax over the context of the query's scores K[t_l, q] */
export function attentionForward<T>(start: i32, L: i32, q: i32): void {
  const s = sizeof<T>();
  const krow = Kt + (<usize>q) * (<usize>V) * s;
  let m = load<T>(krow + (<usize>tok(start)) * s);
  for (let l = 0; l < L; l++) {
    const score = load<T>(krow + (<usize>tok(start + l)) * s);
    store<T>(phi + (<usize>l) * s, score);
    m = max(m, score);
  }
  const total = expShiftSum<T>(phi, phi, L, m);
  scale<T>(phi, <T>1 / total, L);
}

/** Position of the first occurrence in the context of the token at position l. */
@inline function firstOf(start: i32, l: i32): i32 {
  const t = tok(start + l);
  let j = 0;
  while (tok(start + j) != t) j++;
  return j;
}

/**
 * z = Σ_l φ_l M[:, t_l], summed over distinct tokens: a token repeated in the context has its
 * weights added first (w = Σ φ over its positions, kept in dphi at its first position), so its
 * column of M is read once. Contexts repeat about a quarter of their tokens (the benchmark's
 * datasets), and this product and its backward are bound by loads and multiplies.
 */
export function logitsForward<T>(start: i32, L: i32): void {
  const s = sizeof<T>();
  const rowBytes = (<usize>V) * s;
  for (let l = 0; l < L; l++) {
    const j = firstOf(start, l);
    const p = load<T>(phi + (<usize>l) * s);
    if (j == l) store<T>(dphi + (<usize>l) * s, p);
    else {
      store<T>(dphi + (<usize>j) * s, load<T>(dphi + (<usize>j) * s) + p);
      store<T>(dphi + (<usize>l) * s, <T>0);
    }
  }
  // The first token writes z (0 + w·m is w·m); the others are added two at a time, z + a·x + b·y
  // in that order (the sum of two axpys, with half the loads and stores of z).
  let first = true;
  let pendingW: T = <T>0;
  let pendingM: usize = 0;
  for (let l = 0; l < L; l++) {
    const w = load<T>(dphi + (<usize>l) * s);
    if (w == <T>0) continue;
    const m = Mt + (<usize>tok(start + l)) * rowBytes;
    if (first) {
      scaleInto<T>(z, w, m, V);
      first = false;
    } else if (pendingM == 0) {
      pendingW = w;
      pendingM = m;
    } else {
      axpy2<T>(z, pendingW, pendingM, w, m, V);
      pendingM = 0;
    }
  }
  if (pendingM != 0) axpy<T>(z, pendingW, pendingM, V);
  if (first) memory.fill(z, 0, rowBytes);
}

/**
 * From dz: dφ_l = dzᵀ M[:, t_l], ds_l = φ_l (dφ_l − Σ_k φ_k dφ_k), dK[t_l, q] += ds_l,
 * and for joint training dM[:, t_l] += φ_l dz.
 * The centring is taken relative to the most attended token: when it holds almost all the
 * weight, Σ_k φ_k (dφ_k − dφ_ref) is a sum of small exact terms instead of a difference of
 * two nearly equal numbers.
 */
export function attentionBackward<T>(start: i32, L: i32, q: i32, joint: bool): void {
  const s = sizeof<T>();
  const rowBytes = (<usize>V) * s;
  let ref = 0;
  for (let l = 0; l < L; l++) {
    // a repeated token has the dφ of its first occurrence
    const j = firstOf(start, l);
    store<T>(dphi + (<usize>l) * s, j == l ? dot4<T>(dz, Mt + (<usize>tok(start + l)) * rowBytes, V) : load<T>(dphi + (<usize>j) * s));
    if (load<T>(phi + (<usize>l) * s) > load<T>(phi + (<usize>ref) * s)) ref = l;
  }
  const dref = load<T>(dphi + (<usize>ref) * s);
  let c: T = <T>0;
  for (let l = 0; l < L; l++) {
    c += load<T>(phi + (<usize>l) * s) * (load<T>(dphi + (<usize>l) * s) - dref);
  }
  const krow = dKt + (<usize>q) * rowBytes;
  for (let l = 0; l < L; l++) {
    const ds = load<T>(phi + (<usize>l) * s) * ((load<T>(dphi + (<usize>l) * s) - dref) - c);
    const at = krow + (<usize>tok(start + l)) * s;
    store<T>(at, load<T>(at) + ds);
  }
  if (joint) {
    for (let l = 0; l < L; l++) {
      axpy<T>(dMt + (<usize>tok(start + l)) * rowBytes, load<T>(phi + (<usize>l) * s), dz, V);
    }
  }
}
