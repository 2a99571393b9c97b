// The stage-2 loss and W_kq gradient (f64) as the engine computed them before the cheaper
// step: the Taylor exp in the cross-entropy, and every context position reading its column of M
// even when its token repeats. Kept only for the benchmark's baseline row and the test that
// the two agree; training never calls it.

import { V, N, offsets, tokens, labels, weights, fixed, Mt, dKt, z, dz, phi, dphi } from './state';
import { attentionForward } from './attention';
import { expShiftSumTaylor } from './exp-taylor';
import { axpy, dot, scale, vmax } from './vec';

@inline function i32at(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i) * 4);
}

function crossEntropyTaylor(n: i32, y: i32, w: f64): f64 {
  const zy = load<f64>(z + (<usize>y) * 8);
  const m = vmax<f64>(z, n);
  if (m <= zy) {
    store<f64>(z + (<usize>y) * 8, -Infinity);
    const S = expShiftSumTaylor(dz, z, n, zy);
    store<f64>(z + (<usize>y) * 8, zy);
    const inv = 1 / (1 + S);
    scale<f64>(dz, w * inv, n);
    store<f64>(dz + (<usize>y) * 8, -w * (S * inv));
    return Math.log1p(S);
  }
  const total = expShiftSumTaylor(dz, z, n, m);
  const rest = total - load<f64>(dz + (<usize>y) * 8);
  const inv = 1 / total;
  scale<f64>(dz, w * inv, n);
  store<f64>(dz + (<usize>y) * 8, -w * (rest * inv));
  return (m - zy) + Math.log(total);
}

/** Σ_n π_n ℓ_n over the samples whose logits depend on W_kq, with dK accumulated (one-hot or token space). */
export function stage2GradientBaseline(): f64 {
  const rowBytes = (<usize>V) * 8;
  memory.fill(dKt, 0, (<usize>V) * rowBytes);
  let loss: f64 = 0;
  for (let n = 0; n < N; n++) {
    if (i32at(fixed, n)) continue;
    const start = i32at(offsets, n);
    const L = i32at(offsets, n + 1) - start;
    const q = i32at(tokens, start + L - 1);
    const w = load<f64>(weights + (<usize>n) * 8);
    attentionForward<f64>(start, L, q);
    memory.fill(z, 0, rowBytes);
    for (let l = 0; l < L; l++) axpy<f64>(z, load<f64>(phi + (<usize>l) * 8), Mt + (<usize>i32at(tokens, start + l)) * rowBytes, V);
    loss += w * crossEntropyTaylor(V, i32at(labels, n), w);
    let ref = 0;
    for (let l = 0; l < L; l++) {
      store<f64>(dphi + (<usize>l) * 8, dot<f64>(dz, Mt + (<usize>i32at(tokens, start + l)) * rowBytes, V));
      if (load<f64>(phi + (<usize>l) * 8) > load<f64>(phi + (<usize>ref) * 8)) ref = l;
    }
    const dref = load<f64>(dphi + (<usize>ref) * 8);
    let c: f64 = 0;
    for (let l = 0; l < L; l++) c += load<f64>(phi + (<usize>l) * 8) * (load<f64>(dphi + (<usize>l) * 8) - dref);
    const krow = dKt + (<usize>q) * rowBytes;
    for (let l = 0; l < L; l++) {
      const ds = load<f64>(phi + (<usize>l) * 8) * ((load<f64>(dphi + (<usize>l) * 8) - dref) - c);
      const at = krow + (<usize>i32at(tokens, start + l)) * 8;
      store<f64>(at, load<f64>(at) + ds);
    }
  }
  return loss;
}
