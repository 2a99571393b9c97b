import type { HeadBuffers } from './buffers.js';
import { contextSoftmax } from './context-softmax.js';

/**
 * TypeScript twin of assembly/cyclic/selection.ts `selectionForward`: φ per position into b.phi, returns
 * Σ_n π_n log1p(Σ_{l∉O} φ_l / Σ_{l∈O} φ_l).
 */
export function selectionForward(b: HeadBuffers): number {
  const { offsets, tokens, targets, weights, phi } = b;
  let loss = 0;
  for (let i = 0; i < b.n; i++) {
    const start = offsets[i];
    const end = offsets[i + 1];
    const o = targets[i];
    contextSoftmax(b, start, end);
    let inO = 0;
    let outO = 0;
    for (let l = start; l < end; l++) {
      if (tokens[l] === o) inO += phi[l];
      else outO += phi[l];
    }
    loss += weights[i] * Math.log1p(outO / inO);
  }
  return loss;
}

/** Twin of `selectionBackward`: dKt[q, t_l] += π_n ds_l from the φ of the last forward pass. */
export function selectionBackward(b: HeadBuffers): void {
  const { offsets, tokens, targets, weights, dKt, phi, V } = b;
  for (let i = 0; i < b.n; i++) {
    const start = offsets[i];
    const end = offsets[i + 1];
    const krow = tokens[end - 1] * V;
    const o = targets[i];
    const w = weights[i];
    let inO = 0;
    let outO = 0;
    for (let l = start; l < end; l++) {
      if (tokens[l] === o) inO += phi[l];
      else outO += phi[l];
    }
    const ratio = outO / inO;
    for (let l = start; l < end; l++) dKt[krow + tokens[l]] += w * (tokens[l] === o ? -phi[l] * ratio : phi[l]);
  }
}
