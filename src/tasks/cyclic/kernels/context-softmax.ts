import { headExp, type HeadBuffers } from './buffers.js';

/**
 * TypeScript twin of assembly/cyclic/context-softmax.ts `contextSoftmax`, the attention both heads share:
 * φ_l = softmax_l Kt[q, t_l] over the context at positions [start, end) of b.tokens into b.phi,
 * q the context's last token.
 */
export function contextSoftmax(b: HeadBuffers, start: number, end: number): void {
  const { tokens, Kt, phi, V } = b;
  const exp = headExp(b);
  const krow = tokens[end - 1] * V;
  let m = -Infinity;
  for (let l = start; l < end; l++) m = Math.max(m, (phi[l] = Kt[krow + tokens[l]]));
  let total = 0;
  for (let l = start; l < end; l++) {
    phi[l] = exp(phi[l] - m);
    total += phi[l]; // the stored (in f32, rounded) value, as the kernel sums it
  }
  const inv = 1 / total;
  for (let l = start; l < end; l++) phi[l] *= inv;
}
