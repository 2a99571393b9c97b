import { NtpError } from '../../errors.js';
import type { PackedData } from '../../engine/packed.js';
import { marginConstraints, type MarginConstraints } from '../../maxmargin/nuclear.js';

/**
 * The stage-2 margin constraints of packed data in token space (one-hot embedding): for every sample
 * of length ≥ 2 with query q and optimal token o, and every distinct other token j of its context,
 * ⟨(e_o − e_j)e_qᵀ, K⟩ ≥ 1 on K = W_kq ∈ R^{|V|×|V|} (row: key token, column: query token). This is
 * the W*_kq problem of docs/theory/core.md#max-margin-directions, whose Frobenius solution the existing column QP gives; the nuclear one
 * couples the columns (docs/theory/factorized.md#the-two-max-margin-problems).
 */
export function tokenConstraints(data: PackedData): MarginConstraints {
  const { V, N, offsets, tokens, optimal } = data;
  const keys: number[][] = [];
  const queries: number[][] = [];
  const seen = new Set<number>();
  for (let n = 0; n < N; n++) {
    const start = offsets[n];
    const L = offsets[n + 1] - start;
    if (L < 2) continue;
    const o = optimal[n];
    if (o < 0) throw new NtpError('invalid-problem', `sample ${n} has no optimal token in its context`);
    const q = tokens[start + L - 1];
    for (let l = 0; l < L; l++) {
      const j = tokens[start + l];
      if (j === o) continue;
      const key = (q * V + o) * V + j;
      if (seen.has(key)) continue;
      seen.add(key);
      const a = new Array<number>(V).fill(0);
      a[o] = 1;
      a[j] = -1;
      const z = new Array<number>(V).fill(0);
      z[q] = 1;
      keys.push(a);
      queries.push(z);
    }
  }
  return marginConstraints(V, V, keys, queries);
}
