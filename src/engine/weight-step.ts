import type { Real } from './model-base.js';

// Status codes, as in assembly/train.ts
export const RUNNING = 0;
export const CONVERGED = 1;
export const DIVERGED = 2;
export const OVERFLOW = 3;

/**
 * One step on a weight matrix for the pure-TypeScript kernels (the base model's and the
 * factorized layer's): W ← W − η∇/‖∇‖ (NGD) or W − η∇ (GD). One instance per model, so that a
 * step allocates nothing and hands its gradient norm over in `norm`.
 */
export class WeightStep {
  /** ‖∇‖_F of the last step; 0 where it converged, and left as it was where it diverged */
  norm = 0;

  /** @param round Math.fround for f32, so that the step's scalars are rounded as the kernels' are */
  constructor(private readonly round: (x: number) => number) {}

  /**
   * Steps W along g, with ‖∇‖ = max|∇|·‖∇/max|∇|‖ to avoid under- and overflow, the division by
   * max|∇| a multiply by its inverse unless that overflows. The new weights are formed in the
   * gradient's buffer and copied over only if all are finite (assembly/train.ts). Returns a status code.
   */
  take(W: Real, g: Real, eta: number, normalized: boolean): number {
    let m = 0;
    for (let i = 0; i < g.length; i++) {
      if (Number.isNaN(g[i])) return DIVERGED;
      m = Math.max(m, Math.abs(g[i]));
    }
    if (m === Infinity) return DIVERGED;
    if (m === 0) {
      this.norm = 0;
      return CONVERGED;
    }
    const inv = this.round(1 / m);
    const byInv = Number.isFinite(inv);
    let ssq = 0;
    for (let i = 0; i < g.length; i++) ssq += (byInv ? g[i] * inv : g[i] / m) ** 2;
    const r = Math.sqrt(ssq);
    this.norm = m * r;
    let finite = true;
    if (normalized) {
      const a = this.round(eta / r);
      for (let i = 0; i < W.length; i++) {
        g[i] = W[i] - a * (byInv ? g[i] * inv : g[i] / m);
        finite &&= Number.isFinite(g[i]);
      }
    } else {
      for (let i = 0; i < W.length; i++) {
        g[i] = W[i] - eta * g[i];
        finite &&= Number.isFinite(g[i]);
      }
    }
    if (!finite) return OVERFLOW;
    W.set(g);
    return RUNNING;
  }
}
