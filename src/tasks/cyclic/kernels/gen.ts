import { headExp, type HeadBuffers } from './buffers.js';
import { contextSoftmax } from './context-softmax.js';

/** z = attention mass per token of one sample, p_v = exp(z_v − z_o); returns Σ_{v≠o} p_v. */
function massAndRest(b: HeadBuffers, start: number, end: number, o: number): number {
  const { tokens, phi, z, p, V } = b;
  const exp = headExp(b);
  z.fill(0);
  for (let l = start; l < end; l++) z[tokens[l]] += phi[l];
  const zo = z[o];
  let rest = 0;
  for (let v = 0; v < V; v++) {
    p[v] = exp(z[v] - zo);
    if (v !== o) rest += p[v];
  }
  return rest;
}

/** TypeScript twin of assembly/cyclic/gen.ts `genForward`: φ per position, returns Σ_n π_n log1p(Σ_{v≠o} e^{z_v − z_o}). */
export function genForward(b: HeadBuffers): number {
  const { offsets, targets, weights } = b;
  let loss = 0;
  for (let i = 0; i < b.n; i++) {
    const start = offsets[i];
    const end = offsets[i + 1];
    contextSoftmax(b, start, end);
    loss += weights[i] * Math.log1p(massAndRest(b, start, end, targets[i]));
  }
  return loss;
}

/** Twin of `genBackward`: dKt += ∇K through the cancellation-free attention backward, from the last forward's φ. */
export function genBackward(b: HeadBuffers): void {
  const { offsets, tokens, targets, weights, dKt, phi, dphi, p, V } = b;
  for (let i = 0; i < b.n; i++) {
    const start = offsets[i];
    const end = offsets[i + 1];
    const krow = tokens[end - 1] * V;
    const o = targets[i];
    const w = weights[i];
    const rest = massAndRest(b, start, end, o);
    const sInv = 1 / (1 + rest);
    let ref = start;
    for (let l = start; l < end; l++) {
      const t = tokens[l];
      dphi[l - start] = t === o ? -w * rest * sInv : w * p[t] * sInv;
      if (phi[l] > phi[ref]) ref = l;
    }
    const dref = dphi[ref - start];
    let c = 0;
    for (let l = start; l < end; l++) c += phi[l] * (dphi[l - start] - dref);
    for (let l = start; l < end; l++) dKt[krow + tokens[l]] += phi[l] * (dphi[l - start] - dref - c);
  }
}
