import { NtpError } from '../errors.js';
import { keyScores } from './scores.js';
import { objectArg, arrayArg } from '../api/arguments.js';

/** Trained parameters in row-major form, enough to predict without a backend. */
export interface ModelParameters {
  V: number;
  d: number;
  /** W_ov, |V|×d */
  Wov: ArrayLike<number>;
  /** W_kq, d×d, [i][j] with i the key side, j the query side */
  Wkq: ArrayLike<number>;
  /** E, d×|V| row-major, or null for one-hot */
  E: ArrayLike<number> | null;
}

/**
 * Former name of {@link ModelParameters}; it shadowed TypeScript's built-in `Parameters<F>`.
 * @deprecated Use {@link ModelParameters}.
 */
export type Parameters = ModelParameters;

/** The model's answer for one context. */
export interface Prediction {
  /** argmax of the next-token distribution */
  next: number;
  /** its probability */
  probability: number;
  /** next-token distribution over the vocabulary */
  probabilities: Float64Array;
  /** attention weight of each context position (query last) */
  attention: Float64Array;
}

/**
 * T_θ(X) = softmax(W_ov X softmax(Xᵀ W_kq x_q)) for a context of token ids. Any context,
 * seen in training or not: this is how the generalization cases of Theorem 3 are answered.
 */
export function predict(params: ModelParameters, context: readonly number[]): Prediction {
  objectArg(params, 'predict(parameters, context): parameters');
  arrayArg(context, 'predict(parameters, context): context');
  const { V, d, Wov, Wkq, E } = params;
  if (context.length === 0) throw new NtpError('empty-context', 'cannot predict from an empty context');
  context.forEach((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t >= V) throw new NtpError('unknown-token', `context position ${i}: token id ${t} is outside the vocabulary (0 … ${V - 1})`);
  });
  const emb = (t: number, i: number) => (E ? E[i * V + t] : i === t ? 1 : 0);
  const K = keyScores(Wkq, E, V, d, context[context.length - 1]);
  const attention = softmax(Float64Array.from(context, (t) => K[t]));
  // h = Σ φ_l E_{t_l}, z = W_ov h
  const h = new Float64Array(d);
  context.forEach((t, l) => {
    for (let i = 0; i < d; i++) h[i] += attention[l] * emb(t, i);
  });
  const z = new Float64Array(V);
  for (let v = 0; v < V; v++) {
    let acc = 0;
    for (let i = 0; i < d; i++) acc += Wov[v * d + i] * h[i];
    z[v] = acc;
  }
  const probabilities = softmax(z);
  let next = 0;
  for (let v = 1; v < V; v++) if (probabilities[v] > probabilities[next]) next = v;
  return { next, probability: probabilities[next], probabilities, attention };
}

// a loop, not Math.max(...x): spreading 150,000 arguments overflows the stack
function softmax(x: Float64Array): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > m) m = x[i];
  const e = Float64Array.from(x, (v) => Math.exp(v - m));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}
