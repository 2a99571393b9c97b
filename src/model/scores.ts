/**
 * Attention scores in token space, K[t, q] = E_tᵀ W_kq E_q for every key token t under query q:
 * the column q of Eᵀ W_kq E. `Wkq` is d×d row-major (i the key side), `E` d×|V| row-major or
 * null for one-hot (then the column of W_kq itself).
 */
export function keyScores(Wkq: ArrayLike<number>, E: ArrayLike<number> | null, V: number, d: number, q: number): Float64Array {
  const K = new Float64Array(V);
  if (!E) {
    for (let t = 0; t < V; t++) K[t] = Wkq[t * d + q];
    return K;
  }
  // u = W_kq E_q, then K[t, q] = E_tᵀ u
  const u = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let acc = 0;
    for (let j = 0; j < d; j++) acc += Wkq[i * d + j] * E[j * V + q];
    u[i] = acc;
  }
  for (let i = 0; i < d; i++) {
    const ui = u[i];
    if (ui !== 0) for (let t = 0; t < V; t++) K[t] += E[i * V + t] * ui;
  }
  return K;
}

/** Eᵀ W_kq E as |V|×|V| row-major (row: key token, column: query token); W_kq itself for one-hot. */
export function tokenScores(Wkq: ArrayLike<number>, E: ArrayLike<number> | null, V: number, d: number): Float64Array {
  const K = new Float64Array(V * V);
  for (let q = 0; q < V; q++) {
    const column = keyScores(Wkq, E, V, d, q);
    for (let t = 0; t < V; t++) K[t * V + q] = column[t];
  }
  return K;
}
