/**
 * Reference (TypeScript, per sample) stage-2 losses of the cyclic family on its attention samples,
 * with weights π_n normalized over them: selection −log Φ_{o_n}, and cross-entropy of
 * z = Σ_l φ_l M[:, t_l] against a label (ce-frozen: M = W_ov E and y_n; gen: M = I and o_n).
 */
import type { CyclicData } from '../../dataset/cyclic-orders.js';

/** A head's output side: selection, or cross-entropy through a token-space M (M[v·V + x]) against labels. */
export type HeadOutput = { kind: 'selection' } | { kind: 'ce'; M: Float64Array; labels: readonly number[] };

/** The gen head's output side: M = I, labels = targets. */
export function genOutput(data: CyclicData): HeadOutput {
  const V = data.V;
  const M = new Float64Array(V * V);
  for (let v = 0; v < V; v++) M[v * V + v] = 1;
  return { kind: 'ce', M, labels: data.targets };
}

function ce(z: Float64Array, y: number): number {
  let m = -Infinity;
  for (const x of z) m = Math.max(m, x);
  let rest = 0;
  for (let v = 0; v < z.length; v++) if (v !== y) rest += Math.exp(z[v] - m);
  const ey = Math.exp(z[y] - m);
  return z[y] === m ? Math.log1p(rest / ey) : Math.log(rest + ey) - (z[y] - m);
}

/** Σ_n π_n ℓ_n at token scores K (K[v·V + q]); `skip` leaves samples out. */
export function headLoss(data: CyclicData, out: HeadOutput, K: ArrayLike<number>, skip?: (n: number) => boolean): number {
  const V = data.V;
  const z = new Float64Array(V);
  let f = 0;
  data.contexts.forEach((ctx, n) => {
    if (skip?.(n)) return;
    const q = ctx[ctx.length - 1];
    let m = -Infinity;
    for (const t of ctx) m = Math.max(m, K[t * V + q]);
    const e = ctx.map((t) => Math.exp(K[t * V + q] - m));
    const s = e.reduce((a, b) => a + b, 0);
    const o = data.targets[n];
    if (out.kind === 'selection') {
      let inO = 0;
      let outO = 0;
      ctx.forEach((t, l) => (t === o ? (inO += e[l]) : (outO += e[l])));
      f += data.weights[n] * Math.log1p(outO / inO);
      return;
    }
    z.fill(0);
    ctx.forEach((t, l) => {
      const phi = e[l] / s;
      for (let v = 0; v < V; v++) z[v] += phi * out.M[v * V + t];
    });
    f += data.weights[n] * ce(z, out.labels[n]);
  });
  return f;
}

/**
 * The loss floor: L_red(W_fin) plus, for samples outside the reduced set, the loss with all
 * attention on the target (0 for selection; CE(M[:, o_n], y_n) for the cross-entropy heads).
 */
export function lossFloor(data: CyclicData, out: HeadOutput, finLoss: number, reduced: ReadonlySet<number>): number {
  if (out.kind === 'selection') return finLoss;
  const V = data.V;
  let f = finLoss;
  const z = new Float64Array(V);
  data.contexts.forEach((_, n) => {
    if (reduced.has(n)) return;
    const o = data.targets[n];
    for (let v = 0; v < V; v++) z[v] = out.M[v * V + o];
    f += data.weights[n] * ce(z, out.labels[n]);
  });
  return f;
}
