// Factorized attention W_kq = K_f·Q_fᵀ (Tarzanagh et al. 2023; docs/theory/factorized.md),
// K_f, Q_f ∈ R^{d×m} row-major. The factors and their gradients live in buffers the host
// reserves (scratch) and passes by pointer; the training step reuses the model's forward/backward
// (stage2Loss), then maps ∇W_kq onto the factors and takes one normalized (or plain) step per
// factor. Nothing here allocates.

import { D, V, WkqT, gWkqT, WovT, gWovT, outLoss, outFirstLoss, outGradNorm, outSteps } from '../state';
import { stage2Loss, step, RUNNING, CONVERGED, DIVERGED, OVERFLOW } from '../train';
import { refreshM, refreshK } from '../embed';
import { gemmNN, gemmNT } from '../matmul';
import { axpy, dot } from '../vec';

/** W_kqᵀ = Q_f·K_fᵀ (so W_kq = K_f·Q_fᵀ), then the token-space scores */
export function factorProductForward<T>(K: usize, Q: usize, m: i32): void {
  gemmNT<T>(WkqT, Q, K, D, D, m);
  refreshK<T>();
}

/**
 * With G = ∇W_kq (stored transposed in gWkqT): ∇K_f = G·Q_f and ∇Q_f = Gᵀ·K_f, plus 2λK_f, 2λQ_f
 * for the penalty λ(‖K_f‖² + ‖Q_f‖²).
 */
export function factorProductBackward<T>(K: usize, Q: usize, gK: usize, gQ: usize, m: i32, lambda: f64): void {
  gemmNN<T>(gK, gWkqT, Q, D, m, D, 1, D);
  gemmNN<T>(gQ, gWkqT, K, D, m, D, D, 1);
  if (lambda != 0) {
    axpy<T>(gK, <T>(2 * lambda), K, D * m);
    axpy<T>(gQ, <T>(2 * lambda), Q, D * m);
  }
}

/** λ(‖K_f‖² + ‖Q_f‖²) */
export function factorPenalty<T>(K: usize, Q: usize, m: i32, lambda: f64): f64 {
  if (lambda == 0) return 0;
  return lambda * (<f64>dot<T>(K, K, D * m) + <f64>dot<T>(Q, Q, D * m));
}

/** Loss (and with `backward` the factor gradients, and ∇W_ov when `joint`) at the current factors. */
export function factorizedLoss<T>(K: usize, Q: usize, gK: usize, gQ: usize, m: i32, lambda: f64, backward: bool, joint: bool, metrics: bool): f64 {
  const loss = stage2Loss<T>(backward, joint, metrics) + factorPenalty<T>(K, Q, m, lambda);
  if (backward) factorProductBackward<T>(K, Q, gK, gQ, m, lambda);
  return loss;
}

/**
 * k steps on L over (K_f, Q_f) with W_ov fixed (joint = false) or over (K_f, Q_f, W_ov) (joint):
 * every parameter takes its own step, normalized by its own gradient norm (per-factor NGD, as the
 * peer code) or plain GD. A factor whose gradient is exactly zero does not move (Q_f = 0 at a
 * K-only init); the run stops as converged only when every gradient is zero.
 */
export function factorizedSteps<T>(
  k: i32, etaOv: f64, etaKq: f64, normalized: bool, joint: bool, lambda: f64,
  K: usize, Q: usize, gK: usize, gQ: usize, m: i32,
): i32 {
  for (let t = 0; t < k; t++) {
    outSteps = t;
    const loss = factorizedLoss<T>(K, Q, gK, gQ, m, lambda, true, joint, t == 0);
    const status = factorizedUpdate<T>(t, loss, etaOv, etaKq, normalized, joint, K, Q, gK, gQ, m);
    if (status != RUNNING) return status;
  }
  outSteps = k;
  return RUNNING;
}

/**
 * Step t's update from its loss and the gradients in gK, gQ (and gWovT when joint): the per-factor
 * steps, the new product and, when joint, the new M. Shared by the one-thread loop above and the
 * threaded one (assembly/factorized/parallel.ts), so both take the same update.
 */
export function factorizedUpdate<T>(
  t: i32, loss: f64, etaOv: f64, etaKq: f64, normalized: bool, joint: bool,
  K: usize, Q: usize, gK: usize, gQ: usize, m: i32,
): i32 {
  const count = D * m;
  outLoss = loss;
  if (t == 0) outFirstLoss = loss;
  if (!isFinite(loss)) return DIVERGED;
  const sK = step<T>(K, gK, count, etaKq, normalized);
  const nK = outGradNorm;
  const sQ = step<T>(Q, gQ, count, etaKq, normalized);
  const nQ = outGradNorm;
  let sOv = CONVERGED;
  let nOv: f64 = 0;
  if (joint) {
    sOv = step<T>(WovT, gWovT, D * V, etaOv, normalized);
    nOv = outGradNorm;
  }
  if (sK == DIVERGED || sQ == DIVERGED || sOv == DIVERGED) return DIVERGED;
  if (sK == OVERFLOW || sQ == OVERFLOW || sOv == OVERFLOW) return OVERFLOW;
  if (sK == CONVERGED && sQ == CONVERGED && sOv == CONVERGED) return CONVERGED;
  outGradNorm = Math.hypot(Math.hypot(nK, nQ), nOv);
  factorProductForward<T>(K, Q, m);
  if (joint) refreshM<T>();
  return RUNNING;
}
