// The selection head (SPEC §7.7, Li et al.'s `iden` + `nll`): loss −log Σ_{l: t_l = o_n} φ_l, the
// attention mass on the sample's target token. Pointer-and-size kernels, no module state; one
// forward and one backward pass over all samples.
// Layouts: offsets i32[n+1] and tokens i32[] (CSR contexts), targets i32[n], weights f64[n],
// Kt f64[V×V] with Kt[q·V + t] = K[t, q], dKt the same, phi f64[total tokens] (φ per position).

import { contextSoftmax, ld32 } from './context-softmax';

/** φ = softmax of each context's scores into phi; returns Σ_n π_n log1p(Σ_{l∉O} φ_l / Σ_{l∈O} φ_l). */
export function selectionForward(offsets: usize, tokens: usize, targets: usize, weights: usize, n: i32,
                                 Kt: usize, V: i32, phi: usize): f64 {
  let loss: f64 = 0;
  for (let i = 0; i < n; i++) {
    const start = ld32(offsets, i);
    const L = ld32(offsets, i + 1) - start;
    const q = ld32(tokens, start + L - 1);
    const o = ld32(targets, i);
    const f = phi + (<usize>start << 3);
    contextSoftmax(tokens, start, L, Kt + (<usize>q) * (<usize>V) * 8, f);
    let inO: f64 = 0;
    let outO: f64 = 0;
    for (let l = 0; l < L; l++) {
      const e = load<f64>(f + (<usize>l << 3));
      if (ld32(tokens, start + l) == o) inO += e; else outO += e;
    }
    // log1p of the complement ratio: exact when the loss is tiny
    loss += load<f64>(weights + (<usize>i << 3)) * Math.log1p(outO / inO);
  }
  return loss;
}

/**
 * dKt[q, t_l] += π_n ds_l with ds_l = −φ_l·(Σ_{k∉O} φ_k)/(Σ_{k∈O} φ_k) on the target and φ_l elsewhere
 * (complement sums, never 1 − Φ_O), from the φ of the last forward pass.
 */
export function selectionBackward(offsets: usize, tokens: usize, targets: usize, weights: usize, n: i32,
                                  phi: usize, V: i32, dKt: usize): void {
  for (let i = 0; i < n; i++) {
    const start = ld32(offsets, i);
    const L = ld32(offsets, i + 1) - start;
    const q = ld32(tokens, start + L - 1);
    const o = ld32(targets, i);
    const w = load<f64>(weights + (<usize>i << 3));
    const f = phi + (<usize>start << 3);
    let inO: f64 = 0;
    let outO: f64 = 0;
    for (let l = 0; l < L; l++) {
      const e = load<f64>(f + (<usize>l << 3));
      if (ld32(tokens, start + l) == o) inO += e; else outO += e;
    }
    const ratio = outO / inO;
    const drow = dKt + (<usize>q) * (<usize>V) * 8;
    for (let l = 0; l < L; l++) {
      const t = ld32(tokens, start + l);
      const p = load<f64>(f + (<usize>l << 3));
      const at = drow + (<usize>t << 3);
      store<f64>(at, load<f64>(at) + w * (t == o ? -p * ratio : p));
    }
  }
}
