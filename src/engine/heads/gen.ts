import type { HeadBuffers } from './buffers.js';

/**
 * TypeScript twin of assembly/gen.ts: logits z_v = attention mass on token v, cross-entropy against
 * the target; with `backward`, ∇K added into dKt through the cancellation-free attention backward.
 */
export function genForwardBackward(b: HeadBuffers, backward: boolean): number {
  const { offsets, tokens, targets, weights, Kt, dKt, phi, dphi, z, p, V } = b;
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
    const inv = 1 / total;
    z.fill(0);
    for (let l = 0; l < L; l++) {
      phi[l] *= inv;
      z[tokens[start + l]] += phi[l];
    }
    const zo = z[o];
    for (let v = 0; v < V; v++) p[v] = Math.exp(z[v] - zo);
    let rest = 0;
    for (let v = 0; v < V; v++) if (v !== o) rest += p[v];
    loss += w * Math.log1p(rest);
    if (!backward) continue;
    const sInv = 1 / (1 + rest);
    let ref = 0;
    for (let l = 0; l < L; l++) {
      const t = tokens[start + l];
      dphi[l] = t === o ? -w * rest * sInv : w * p[t] * sInv;
      if (phi[l] > phi[ref]) ref = l;
    }
    const dref = dphi[ref];
    let c = 0;
    for (let l = 0; l < L; l++) c += phi[l] * (dphi[l] - dref);
    for (let l = 0; l < L; l++) dKt[krow + tokens[start + l]] += phi[l] * (dphi[l] - dref - c);
  }
  return loss;
}
