// The `gen` head (SPEC §7.7, Li et al.'s `gen` + `ce` with one-hot tokens): logits z_v = attention
// mass on token v, cross-entropy against the target o_n; the package's frozen-M head with M the
// collocation's permutation at scale 1. Pointer-and-size kernels, no module state; one forward and
// one backward pass over all samples.
// Layouts as in selection.ts, plus scratch z f64[V], p f64[V] and dphi f64[longest context].

import { contextSoftmax, ld32 } from './context-softmax';
import { expShift } from './exp';

/** z = attention mass per token of sample i (from its φ), and p_v = exp(z_v − z_o); returns Σ_{v≠o} p_v. */
function massAndRest(tokens: usize, start: i32, L: i32, o: i32, f: usize, V: i32, z: usize, p: usize): f64 {
  memory.fill(z, 0, (<usize>V) << 3);
  for (let l = 0; l < L; l++) {
    const at = z + (<usize>ld32(tokens, start + l) << 3);
    store<f64>(at, load<f64>(at) + load<f64>(f + (<usize>l << 3)));
  }
  // z ∈ [0, 1]: shifting by z_o keeps exp in range
  expShift<f64>(p, z, V, load<f64>(z + (<usize>o << 3)));
  let rest: f64 = 0;
  for (let v = 0; v < V; v++) if (v != o) rest += load<f64>(p + (<usize>v << 3));
  return rest;
}

/** φ per position into phi; returns Σ_n π_n CE(z_n, o_n) = Σ π_n log1p(Σ_{v≠o} e^{z_v − z_o}). */
export function genForward(offsets: usize, tokens: usize, targets: usize, weights: usize, n: i32,
                           Kt: usize, V: i32, phi: usize, z: usize, p: usize): f64 {
  let loss: f64 = 0;
  for (let i = 0; i < n; i++) {
    const start = ld32(offsets, i);
    const L = ld32(offsets, i + 1) - start;
    const q = ld32(tokens, start + L - 1);
    const f = phi + (<usize>start << 3);
    contextSoftmax(tokens, start, L, Kt + (<usize>q) * (<usize>V) * 8, f);
    const rest = massAndRest(tokens, start, L, ld32(targets, i), f, V, z, p);
    loss += load<f64>(weights + (<usize>i << 3)) * Math.log1p(rest);
  }
  return loss;
}

/**
 * dKt[q, t_l] += ds_l from the φ of the last forward pass: dz = π (p − e_o) with dz_o = −π Σ_{v≠o} p_v,
 * dφ_l = dz[t_l], ds_l = φ_l((dφ_l − dφ_ref) − Σ_k φ_k (dφ_k − dφ_ref)), centred on the most
 * attended position so that the sum is of small exact terms.
 */
export function genBackward(offsets: usize, tokens: usize, targets: usize, weights: usize, n: i32,
                            phi: usize, V: i32, dKt: usize, z: usize, p: usize, dphi: usize): void {
  for (let i = 0; i < n; i++) {
    const start = ld32(offsets, i);
    const L = ld32(offsets, i + 1) - start;
    const q = ld32(tokens, start + L - 1);
    const o = ld32(targets, i);
    const w = load<f64>(weights + (<usize>i << 3));
    const f = phi + (<usize>start << 3);
    const rest = massAndRest(tokens, start, L, o, f, V, z, p);
    const sInv = 1 / (1 + rest);
    let ref = 0;
    for (let l = 0; l < L; l++) {
      const t = ld32(tokens, start + l);
      store<f64>(dphi + (<usize>l << 3), t == o ? -w * rest * sInv : w * load<f64>(p + (<usize>t << 3)) * sInv);
      if (load<f64>(f + (<usize>l << 3)) > load<f64>(f + (<usize>ref << 3))) ref = l;
    }
    const dref = load<f64>(dphi + (<usize>ref << 3));
    let c: f64 = 0;
    for (let l = 0; l < L; l++) c += load<f64>(f + (<usize>l << 3)) * (load<f64>(dphi + (<usize>l << 3)) - dref);
    const drow = dKt + (<usize>q) * (<usize>V) * 8;
    for (let l = 0; l < L; l++) {
      const at = drow + (<usize>ld32(tokens, start + l) << 3);
      store<f64>(at, load<f64>(at) + load<f64>(f + (<usize>l << 3)) * ((load<f64>(dphi + (<usize>l << 3)) - dref) - c));
    }
  }
}
