// Between parameter space (W_ov, W_kq acting on d-dimensional embeddings) and token space
// (M, K over |V|). With a one-hot embedding the two coincide and nothing here runs.

import { V, D, E, WovT, WkqT, gWovT, gWkqT, Mt, Kt, dMt, dKt, tmpDV, ONE_HOT, PARAM } from './state';
import { paramRefreshK } from './param-space';
import { gemmNN, gemmNT } from './matmul';
import { fixedValid } from './fixed-cache';

/** Mt = (W_ov E)ᵀ = Eᵀ·W_ovᵀ; called after every change of W_ov */
export function refreshM<T>(): void {
  fixedValid = false;
  if (ONE_HOT || PARAM) return;
  gemmNN<T>(Mt, E, WovT, V, V, D, 1, V);
}

/** Kt = (Eᵀ W_kq E)ᵀ = Eᵀ·(W_kqᵀ·E) */
export function refreshK<T>(): void {
  if (PARAM) {
    paramRefreshK<T>();
    return;
  }
  if (ONE_HOT) return;
  gemmNN<T>(tmpDV, WkqT, E, D, V, D, D, 1);
  gemmNN<T>(Kt, E, tmpDV, V, V, D, 1, V);
}

/** ∇W_ovᵀ = E·dMt (from ∇W_ov = dM·Eᵀ) */
export function gradWov<T>(): void {
  if (ONE_HOT || PARAM) return; // parameter space accumulates ∇W_ov itself
  gemmNN<T>(gWovT, E, dMt, D, V, V, V, 1);
}

/** ∇W_kqᵀ = E·dKt·Eᵀ (from ∇W_kq = E·dK·Eᵀ) */
export function gradWkq<T>(): void {
  if (ONE_HOT || PARAM) return; // parameter space: paramGradWkq
  gemmNN<T>(tmpDV, E, dKt, D, V, V, V, 1);
  gemmNT<T>(gWkqT, tmpDV, E, D, D, V);
}
