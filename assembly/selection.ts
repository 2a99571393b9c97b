// The selection head (SPEC §7.7, Li et al.'s `iden` + `nll`): loss −log Σ_{l: t_l = o_n} φ_l, the
// attention mass on the sample's target token. Pointer-and-size kernel: no module state.
// Layouts: offsets i32[n+1] and tokens i32[] (CSR contexts), targets i32[n], weights f64[n],
// Kt f64[V×V] with Kt[q·V + t] = K[t, q], dKt the same, phi f64[longest context].

import { expShiftSum } from './exp';

@inline function ld32(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

/**
 * Loss Σ_n π_n ℓ_n; with `backward`, adds ∂loss/∂K into dKt. ℓ_n = log1p(Σ_{l∉O} φ_l / Σ_{l∈O} φ_l)
 * and ds_l = −φ_l·(Σ_{k∉O} φ_k)/(Σ_{k∈O} φ_k) on the target, φ_l elsewhere: complement sums,
 * so both stay exact when the loss is tiny.
 */
export function selectionForwardBackward(offsets: usize, tokens: usize, targets: usize, weights: usize, n: i32,
                                         Kt: usize, dKt: usize, V: i32, phi: usize, backward: bool): f64 {
  let loss: f64 = 0;
  for (let i = 0; i < n; i++) {
    const start = ld32(offsets, i);
    const L = ld32(offsets, i + 1) - start;
    const q = ld32(tokens, start + L - 1);
    const o = ld32(targets, i);
    const w = load<f64>(weights + (<usize>i << 3));
    const krow = Kt + (<usize>q) * (<usize>V) * 8;
    let m: f64 = -Infinity;
    for (let l = 0; l < L; l++) {
      const s = load<f64>(krow + (<usize>ld32(tokens, start + l) << 3));
      store<f64>(phi + (<usize>l << 3), s);
      m = max(m, s);
    }
    const total = expShiftSum<f64>(phi, phi, L, m);
    let inO: f64 = 0;
    let outO: f64 = 0;
    for (let l = 0; l < L; l++) {
      const e = load<f64>(phi + (<usize>l << 3));
      if (ld32(tokens, start + l) == o) inO += e; else outO += e;
    }
    loss += w * Math.log1p(outO / inO);
    if (!backward) continue;
    const drow = dKt + (<usize>q) * (<usize>V) * 8;
    const ratio = outO / inO;
    for (let l = 0; l < L; l++) {
      const t = ld32(tokens, start + l);
      const f = load<f64>(phi + (<usize>l << 3)) / total;
      const ds = t == o ? -f * ratio : f;
      const at = drow + (<usize>t << 3);
      store<f64>(at, load<f64>(at) + w * ds);
    }
  }
  return loss;
}
