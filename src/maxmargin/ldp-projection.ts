import { ldpMultipliers, type LdpMultipliers } from './ldp.js';

/**
 * Exact Euclidean projection onto a margin polyhedron C = {x : ⟨A_e, x⟩ ≥ 1 for every e}, given
 * only the Gram matrix G_ef = ⟨A_e, A_f⟩ and the values ⟨A_e, v⟩ of the point v being projected:
 * Π_C(v) = v + y* with y* = argmin ‖y‖ s.t. ⟨A_e, y⟩ ≥ b_e = 1 − ⟨A_e, v⟩, a least-distance program
 * whose right-hand side has any sign, solved by {@link ldpMultipliers}. Returns the multipliers of
 * y* = Σ λ_e A_e (infeasible when no x reaches every margin).
 *
 * The graph version (equalities W ⟂ S_fin) uses it unchanged with the projected Gram ⟨PA_e, PA_f⟩
 * (src/maxmargin/nuclear.ts withEqualities).
 *
 * @param values ⟨A_e, v⟩ for every constraint e
 * @param warm support to try first (the previous projection's, in an iteration that moves v little)
 * @param b scratch for the right-hand side, so that an iteration allocates no new one
 */
export function marginProjection(m: number, G: Float64Array, values: ArrayLike<number>, warm: readonly number[] = [], b = new Float64Array(m)): LdpMultipliers {
  for (let e = 0; e < m; e++) b[e] = 1 - values[e];
  return ldpMultipliers(m, G, b, 1e-11, warm);
}
