// The heads' embedding products (docs/theory/cyclic.md#training-variants) as blocked SIMD matrix
// products (assembly/matmul.ts): the scores K = EᵀWE from W, and ∇W = E ∇K Eᵀ from ∇K, in the
// heads' layout Kt[q·V + t] = K[t, q]. E is d×|V| row-major (column v = E_v), W and ∇W d×d, Y a
// d×|V| scratch. Pointer-and-size kernels, generic over the precision T; nothing allocates.

import { gemmNN, gemmNT } from '../matmul';

/** Y = W·E, then Kt = Yᵀ·E (Kt[q, t] = Σ_i Y[i, q] E[i, t] = E_tᵀ W E_q). */
export function headScores<T>(W: usize, E: usize, Y: usize, Kt: usize, d: i32, V: i32): void {
  gemmNN<T>(Y, W, E, d, V, d, d, 1);
  gemmNN<T>(Kt, Y, E, V, V, d, 1, V);
}

/** Y = E·dKtᵀ (Y[i, q] = Σ_t E[i, t] dK[t, q]), then G = Y·Eᵀ (G[i, j] = Σ_q Y[i, q] E[j, q]). */
export function headWeightGradient<T>(dKt: usize, E: usize, Y: usize, G: usize, d: i32, V: i32): void {
  gemmNT<T>(Y, E, dKt, d, V, V);
  gemmNT<T>(G, Y, E, d, d, V);
}
