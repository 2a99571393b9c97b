/**
 * Proposition 2's closed form for W*_kq in token space (V×V, K[v*V+q]): column q is
 * |N_q|/(|O_q|+|N_q|) on O_q, −|O_q|/(|O_q|+|N_q|) on N_q and 0 elsewhere, where O_q / N_q are the
 * tokens appearing as optimal / non-optimal in the constraints of query q. Only entries with at
 * least one non-optimal token count. Returns null when some token is both (a confused token), where
 * the proposition says nothing.
 */
export function prop2TokenSpace(
  V: number,
  attention: ReadonlyArray<{ query: number; optimal: number; nonOptimal: readonly number[] }>,
): Float64Array | null {
  const byQuery: number[][] = Array.from({ length: V }, () => []);
  attention.forEach((c, idx) => {
    if (c.nonOptimal.length > 0) byQuery[c.query].push(idx);
  });
  const K = new Float64Array(V * V);
  // role[v] = stamp*2 (+0 optimal, +1 non-optimal) for the query being processed; avoids per-query clears.
  const role = new Int32Array(V).fill(-1);
  const members: number[] = [];
  for (let q = 0; q < V; q++) {
    const list = byQuery[q];
    if (list.length === 0) continue;
    const opt = 2 * q;
    const non = 2 * q + 1;
    members.length = 0;
    let nO = 0;
    let nN = 0;
    for (const idx of list) {
      const c = attention[idx];
      const o = c.optimal;
      if (role[o] === non) return null;
      if (role[o] !== opt) {
        role[o] = opt;
        members.push(o);
        nO++;
      }
      for (const j of c.nonOptimal) {
        if (role[j] === opt) return null;
        if (role[j] !== non) {
          role[j] = non;
          members.push(j);
          nN++;
        }
      }
    }
    const tot = nO + nN;
    for (const v of members) K[v * V + q] = role[v] === opt ? nN / tot : -nO / tot;
  }
  return K;
}
