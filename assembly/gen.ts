// The `gen` head (SPEC §7.7, Li et al.'s `gen` + `ce` with one-hot tokens): logits z_v = attention
// mass on token v, cross-entropy against the target o_n. The package's frozen-M head with M the
// collocation's permutation at scale 1. Pointer-and-size kernel: no module state.
// Layouts as in selection.ts, plus scratch z f64[V], p f64[V], dphi f64[longest context].

import { expShift, expShiftSum } from './exp';

@inline function ld32(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

/** Loss Σ_n π_n CE(z_n, o_n); with `backward`, adds ∂loss/∂K into dKt. */
export function genForwardBackward(offsets: usize, tokens: usize, targets: usize, weights: usize, n: i32,
                                   Kt: usize, dKt: usize, V: i32, phi: usize, dphi: usize, z: usize, p: usize,
                                   backward: bool): f64 {
  let loss: f64 = 0;
  const vBytes = (<usize>V) << 3;
  for (let i = 0; i < n; i++) {
    const start = ld32(offsets, i);
    const L = ld32(offsets, i + 1) - start;
    const q = ld32(tokens, start + L - 1);
    const o = ld32(targets, i);
    const w = load<f64>(weights + (<usize>i << 3));
    const krow = Kt + (<usize>q) * vBytes;
    let m: f64 = -Infinity;
    for (let l = 0; l < L; l++) {
      const s = load<f64>(krow + (<usize>ld32(tokens, start + l) << 3));
      store<f64>(phi + (<usize>l << 3), s);
      m = max(m, s);
    }
    const total = expShiftSum<f64>(phi, phi, L, m);
    const inv = 1 / total;
    memory.fill(z, 0, vBytes);
    for (let l = 0; l < L; l++) {
      const f = load<f64>(phi + (<usize>l << 3)) * inv;
      store<f64>(phi + (<usize>l << 3), f);
      const at = z + (<usize>ld32(tokens, start + l) << 3);
      store<f64>(at, load<f64>(at) + f);
    }
    // z ∈ [0, 1]: shifting by z_o keeps exp in range, and log1p keeps the loss exact when tiny.
    const zo = load<f64>(z + (<usize>o << 3));
    expShift<f64>(p, z, V, zo);
    let rest: f64 = 0;
    for (let v = 0; v < V; v++) if (v != o) rest += load<f64>(p + (<usize>v << 3));
    loss += w * Math.log1p(rest);
    if (!backward) continue;
    // dz = π (p − e_o), with dz_o = −π Σ_{v≠o} p_v (never 1 − p_o).
    const sInv = 1 / (1 + rest);
    let ref = 0;
    for (let l = 0; l < L; l++) {
      const t = ld32(tokens, start + l);
      const d = t == o ? -w * rest * sInv : w * load<f64>(p + (<usize>t << 3)) * sInv;
      store<f64>(dphi + (<usize>l << 3), d);
      if (load<f64>(phi + (<usize>l << 3)) > load<f64>(phi + (<usize>ref << 3))) ref = l;
    }
    const dref = load<f64>(dphi + (<usize>ref << 3));
    let c: f64 = 0;
    for (let l = 0; l < L; l++) c += load<f64>(phi + (<usize>l << 3)) * (load<f64>(dphi + (<usize>l << 3)) - dref);
    const drow = dKt + (<usize>q) * vBytes;
    for (let l = 0; l < L; l++) {
      const ds = load<f64>(phi + (<usize>l << 3)) * ((load<f64>(dphi + (<usize>l << 3)) - dref) - c);
      const at = drow + (<usize>ld32(tokens, start + l) << 3);
      store<f64>(at, load<f64>(at) + ds);
    }
  }
  return loss;
}
