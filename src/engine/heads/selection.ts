import type { HeadBuffers } from './buffers.js';

/**
 * TypeScript twin of assembly/selection.ts: the selection head's loss Σ π_n log1p(Σ_{l∉O}φ_l / Σ_{l∈O}φ_l)
 * and, with `backward`, its gradient added into dKt (ds_l = −φ_l·out/in on the target, φ_l elsewhere).
 */
export function selectionForwardBackward(b: HeadBuffers, backward: boolean): number {
  const { offsets, tokens, targets, weights, Kt, dKt, phi, V } = b;
  let loss = 0;
  for (let i = 0; i < b.n; i++) {
    const start = offsets[i];
    const L = offsets[i + 1] - start;
    const q = tokens[start + L - 1];
    const o = targets[i];
    const w = weights[i];
    const krow = q * V;
    let m = -Infinity;
    for (let l = 0; l < L; l++) {
      const s = Kt[krow + tokens[start + l]];
      phi[l] = s;
      if (s > m) m = s;
    }
    let total = 0;
    for (let l = 0; l < L; l++) total += (phi[l] = Math.exp(phi[l] - m));
    let inO = 0;
    let outO = 0;
    for (let l = 0; l < L; l++) {
      if (tokens[start + l] === o) inO += phi[l];
      else outO += phi[l];
    }
    loss += w * Math.log1p(outO / inO);
    if (!backward) continue;
    const ratio = outO / inO;
    for (let l = 0; l < L; l++) {
      const t = tokens[start + l];
      const f = phi[l] / total;
      dKt[krow + t] += w * (t === o ? -f * ratio : f);
    }
  }
  return loss;
}
