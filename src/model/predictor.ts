import { NtpError } from '../errors.js';
import type { ModelParameters, Prediction } from './predict.js';
import { keyScores } from './scores.js';
import { objectArg, rowsArg } from '../api/arguments.js';

/**
 * Predicts many contexts with one set of parameters, giving the same numbers as {@link predict}
 * bit for bit at a fraction of its cost: the key scores of each query are computed once and
 * reused, and with a one-hot embedding the logits are gathered from the columns of W_ov of the
 * context's distinct tokens (|V|·distinct operations) instead of a dense |V|×d product.
 *
 * Bit-identity with `predict`: there h is accumulated position by position and z_v = Σ_i W_ov[v,i] h_i
 * runs over i in increasing order; every i outside the context adds W_ov[v,i]·0 = ±0, which
 * leaves a sum unchanged, so summing the context's distinct tokens in increasing order is the
 * same sum, which the loop over tokens (outer) and v (inner) forms column by column. With an embedding the dense product is kept, in the same order as `predict`.
 */
export class Predictor {
  private readonly keys = new Map<number, Float64Array>();
  private readonly columns = new Map<number, Float64Array>();
  private readonly h: Float64Array;
  private readonly z: Float64Array;
  private readonly seen: Uint8Array | null;
  private readonly distinct: Int32Array | null;

  constructor(readonly params: ModelParameters) {
    const { V, d, E } = params;
    this.h = new Float64Array(d);
    this.z = new Float64Array(V);
    this.seen = E ? null : new Uint8Array(V);
    this.distinct = E ? null : new Int32Array(V);
  }

  /** K[t, q] for every key token t: computed once per query q. */
  keyScores(q: number): Float64Array {
    let K = this.keys.get(q);
    if (!K) {
      const { Wkq, E, V, d } = this.params;
      K = keyScores(Wkq, E, V, d, q);
      this.keys.set(q, K);
    }
    return K;
  }

  /** Column t of W_ov (one-hot: token t's logit contribution) as a contiguous copy, made once. */
  private column(t: number): Float64Array {
    let col = this.columns.get(t);
    if (!col) {
      const { V, d, Wov } = this.params;
      col = new Float64Array(V);
      for (let v = 0; v < V; v++) col[v] = Wov[v * d + t];
      this.columns.set(t, col);
    }
    return col;
  }

  /** The model's answer for one context; see {@link predict}. */
  predict(context: readonly number[]): Prediction {
    const { V, d, Wov, E } = this.params;
    if (context.length === 0) throw new NtpError('empty-context', 'cannot predict from an empty context');
    for (let i = 0; i < context.length; i++) {
      const t = context[i];
      if (!Number.isInteger(t) || t < 0 || t >= V) throw new NtpError('unknown-token', `context position ${i}: token id ${t} is outside the vocabulary (0 … ${V - 1})`);
    }
    const K = this.keyScores(context[context.length - 1]);
    const s = new Float64Array(context.length);
    for (let l = 0; l < context.length; l++) s[l] = K[context[l]];
    const attention = softmaxInPlace(s);
    const h = this.h;
    const z = this.z;
    if (E) {
      h.fill(0);
      for (let l = 0; l < context.length; l++) {
        const t = context[l];
        const a = attention[l];
        for (let i = 0; i < d; i++) h[i] += a * E[i * V + t];
      }
      for (let v = 0; v < V; v++) {
        let acc = 0;
        const row = v * d;
        for (let i = 0; i < d; i++) acc += Wov[row + i] * h[i];
        z[v] = acc;
      }
    } else {
      // h lives only on the context's tokens; they are summed in increasing id order, as predict's dense loop does
      const seen = this.seen!;
      const distinct = this.distinct!;
      let m = 0;
      for (let l = 0; l < context.length; l++) {
        const t = context[l];
        if (!seen[t]) {
          seen[t] = 1;
          h[t] = 0;
          distinct[m++] = t;
        }
        h[t] += attention[l];
      }
      const ts = distinct.subarray(0, m).sort();
      z.fill(0);
      for (let j = 0; j < m; j++) {
        const t = ts[j];
        const col = this.column(t);
        const ht = h[t];
        for (let v = 0; v < V; v++) z[v] += col[v] * ht;
      }
      for (let j = 0; j < m; j++) seen[ts[j]] = 0;
    }
    const probabilities = softmaxInPlace(Float64Array.from(z));
    let next = 0;
    for (let v = 1; v < V; v++) if (probabilities[v] > probabilities[next]) next = v;
    return { next, probability: probabilities[next], probabilities, attention };
  }
}

/** {@link predict} for every context, through one {@link Predictor}. */
export function predictMany(params: ModelParameters, contexts: readonly (readonly number[])[]): Prediction[] {
  objectArg(params, 'predictMany(parameters, contexts): parameters');
  rowsArg(contexts, 'predictMany(parameters, contexts): contexts');
  const p = new Predictor(params);
  return contexts.map((c) => p.predict(c));
}

/** softmax with predict's arithmetic (shift by the max, sum left to right, divide), in place, without spreads */
function softmaxInPlace(x: Float64Array): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) m = Math.max(m, x[i]);
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    x[i] = Math.exp(x[i] - m);
    total += x[i];
  }
  for (let i = 0; i < x.length; i++) x[i] /= total;
  return x;
}
