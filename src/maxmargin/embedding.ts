/**
 * Embedding helpers. E arrives d×V row-major (column v = token v); every routine here first takes
 * the transpose Et (V×d, row v = E_v) so that per-token vectors are contiguous.
 */

/** Et[v*d + i] = E[i*V + v]. */
export function tokenRows(E: Float64Array, d: number, V: number): Float64Array {
  const Et = new Float64Array(V * d);
  for (let i = 0; i < d; i++) {
    const row = i * V;
    for (let v = 0; v < V; v++) Et[v * d + i] = E[row + v];
  }
  return Et;
}

/** Whether EᵀE = I to `tol` (max abs entry error); needs d ≥ V. */
export function isOrthonormal(Et: Float64Array, d: number, V: number, tol: number): boolean {
  if (d < V) return false;
  const T = tokenGram(Et, d, V);
  for (let u = 0; u < V; u++) {
    for (let v = 0; v <= u; v++) if (Math.abs(T[u * V + v] - (u === v ? 1 : 0)) > tol) return false;
  }
  return true;
}

/** Token Gram T = EᵀE (V×V). */
export function tokenGram(Et: Float64Array, d: number, V: number): Float64Array {
  const T = new Float64Array(V * V);
  for (let u = 0; u < V; u++) {
    const ou = u * d;
    for (let v = 0; v <= u; v++) {
      const ov = v * d;
      let s = 0;
      for (let i = 0; i < d; i++) s += Et[ou + i] * Et[ov + i];
      T[u * V + v] = s;
      T[v * V + u] = s;
    }
  }
  return T;
}

/**
 * W_kq = E K Eᵀ (d×d) from token-space K (V×V, K[v*V+q]); returns K itself when one-hot (Et null).
 * Built column by column of K (W = Σ_q (E K_q) E_qᵀ) so empty query columns cost nothing.
 */
export function mapKq(K: Float64Array, Et: Float64Array | null, d: number, V: number): Float64Array {
  if (Et === null) return K;
  const W = new Float64Array(d * d);
  const u = new Float64Array(d);
  for (let q = 0; q < V; q++) {
    u.fill(0);
    let any = false;
    for (let v = 0; v < V; v++) {
      const k = K[v * V + q];
      if (k === 0) continue;
      any = true;
      const ov = v * d;
      for (let i = 0; i < d; i++) u[i] += k * Et[ov + i];
    }
    if (!any) continue;
    const oq = q * d;
    for (let i = 0; i < d; i++) {
      const ui = u[i];
      if (ui === 0) continue;
      const row = i * d;
      for (let j = 0; j < d; j++) W[row + j] += ui * Et[oq + j];
    }
  }
  return W;
}

/** W_ov = M Eᵀ (V×d) from token-space M (V×V, M[v*V+x]); returns M itself when one-hot (Et null). */
export function mapOv(M: Float64Array, Et: Float64Array | null, d: number, V: number): Float64Array {
  if (Et === null) return M;
  const W = new Float64Array(V * d);
  for (let v = 0; v < V; v++) {
    const row = v * d;
    for (let x = 0; x < V; x++) {
      const k = M[v * V + x];
      if (k === 0) continue;
      const ox = x * d;
      for (let i = 0; i < d; i++) W[row + i] += k * Et[ox + i];
    }
  }
  return W;
}
