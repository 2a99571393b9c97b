import { headExp, type HeadBuffers } from './buffers.js';
import { contextSoftmax } from './context-softmax.js';

/**
 * z = attention mass per context token of one sample, p_t = exp(z_t − z_o) for each distinct
 * context token t ≠ o; returns Σ_{v≠o} p_v, the tokens outside the context (z_v = 0) as one term
 * (|V| − 1 − their count)·e^{−z_o}, as assembly/cyclic/gen.ts does.
 */
function massAndRest(b: HeadBuffers, start: number, end: number, o: number): number {
  const { tokens, phi, z, p, V } = b;
  const exp = headExp(b);
  for (let l = start; l < end; l++) z[tokens[l]] = 0;
  let zo = 0;
  for (let l = start; l < end; l++) {
    const t = tokens[l];
    z[t] += phi[l];
    if (t === o) zo = z[t];
  }
  let rest = 0;
  let seen = 0;
  for (let l = start; l < end; l++) {
    const t = tokens[l];
    // a mass is ≥ 0: −1 marks a token already counted
    if (t === o || z[t] < 0) continue;
    p[t] = exp(z[t] - zo);
    rest += p[t];
    z[t] = -1;
    seen++;
  }
  return rest + (V - 1 - seen) * exp(-zo);
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
