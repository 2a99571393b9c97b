import { NtpError } from '../../errors.js';
import type { AttentionData } from './data.js';
import { normalRng } from '../../dataset/normal.js';

/**
 * The peer's model f(X) = vᵀXᵀ softmax(X W z) with the logistic loss mean_i log(1 + e^{−Y_i f_i})
 * (docs/theory/factorized.md#model-and-loss), trained on W directly or on W = K·Qᵀ (K, Q ∈ R^{d×m}). Float64 TypeScript: at the
 * peer's sizes (d = 10) one step is a few thousand flops, below what a WebAssembly call would save.
 * All buffers are allocated once per run.
 */

const EPS = 2.220446049250313e-16;

/** `W`: the matrix itself; `KQ`: the factors. */
export type Parameterization = 'W' | 'KQ';

/** Initializations (docs/theory/factorized.md#training); `zero` only for W (K = Q = 0 is a stationary point). */
export type CrossInit = 'pytorch' | 'k-gaussian' | 'zero';

/** Options of {@link trainCrossAttention}. */
export interface CrossTrainOptions {
  param: Parameterization;
  steps: number;
  /** step size (their lr = 0.1) */
  lr: number;
  /** per-parameter normalized GD (default, as their code) or plain GD */
  normalized?: boolean;
  /** default `pytorch` */
  init?: CrossInit;
  /** init RNG seed */
  seed: number;
  /** inner dimension for KQ (default d) */
  m?: number;
  /** λ(‖K‖² + ‖Q‖²) or λ‖W‖² (default 0) */
  lambda?: number;
  /**
   * the guard of their normalized step lr·g/(‖g‖ + eps) (default 2.22e-16, as their code): once
   * ‖g‖ falls below eps the steps shrink, so the iterate keeps creeping until the gradient underflows
   */
  eps?: number;
  /** snapshot every this many steps (and at 0 and the last step) */
  every: number;
}

/** What a run produced: W(t) at the recorded steps, and the last state. */
export interface CrossTrainResult {
  /** `running` (all steps), `converged` (every gradient exactly 0), `diverged` (non-finite) */
  status: 'running' | 'converged' | 'diverged';
  /** steps taken (the step at which every gradient vanished, for `converged`) */
  steps: number;
  /** recorded steps */
  recordSteps: number[];
  /** W at each recorded step, d×d row-major each */
  W: Float64Array[];
  /** loss at each recorded step */
  loss: number[];
  /** mean over samples of max_t φ_it at each recorded step (B5 (docs/theory/factorized.md#metrics), their `sfx_probs`) */
  maxAttention: number[];
  /** ‖K‖_F, ‖Q‖_F, ‖KᵀK − QᵀQ‖_F at each recorded step (B6 (docs/theory/factorized.md#metrics); NaN for W) */
  factorNorms: Array<[number, number, number]>;
  /** final attention φ (n×T) */
  attention: Float64Array;
}

/** Loss, gradient G = ∇_W (d×d) and attention at W; buffers supplied by the caller. */
export function crossLossAndGradient(data: AttentionData, W: Float64Array, G: Float64Array | null, phi: Float64Array, scratch: Float64Array): number {
  const { n, T, d, X, z, v, Y } = data;
  if (G) G.fill(0);
  const u = scratch.subarray(0, d); // W z_i
  const c = scratch.subarray(d, d + T); // vᵀx_it
  const dsx = scratch.subarray(d + T, 2 * d + T); // Σ_t ds_t x_t
  let loss = 0;
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      let s = 0;
      for (let b = 0; b < d; b++) s += W[a * d + b] * z[i * d + b];
      u[a] = s;
    }
    const ph = phi.subarray(i * T, i * T + T);
    let mx = -Infinity;
    for (let t = 0; t < T; t++) {
      let s = 0;
      let cv = 0;
      const at = (i * T + t) * d;
      for (let a = 0; a < d; a++) {
        s += X[at + a] * u[a];
        cv += X[at + a] * v[a];
      }
      ph[t] = s;
      c[t] = cv;
      if (s > mx) mx = s;
    }
    let tot = 0;
    for (let t = 0; t < T; t++) {
      ph[t] = Math.exp(ph[t] - mx);
      tot += ph[t];
    }
    let f = 0;
    for (let t = 0; t < T; t++) {
      ph[t] /= tot;
      f += ph[t] * c[t];
    }
    const margin = Y[i] * f;
    // log(1 + e^{−m}) and σ(−m) without overflow or cancellation
    loss += margin > 0 ? Math.log1p(Math.exp(-margin)) : -margin + Math.log1p(Math.exp(margin));
    if (!G) continue;
    const sig = margin > 0 ? Math.exp(-margin) / (1 + Math.exp(-margin)) : 1 / (1 + Math.exp(margin));
    const dldf = (-Y[i] * sig) / n;
    // ds_t = dℓ/df · φ_t (c_t − f), with c_t − f = Σ_k φ_k (c_t − c_k) (no cancellation against f)
    dsx.fill(0);
    for (let t = 0; t < T; t++) {
      let cf = 0;
      for (let k = 0; k < T; k++) cf += ph[k] * (c[t] - c[k]);
      const ds = dldf * ph[t] * cf;
      if (ds === 0) continue;
      const at = (i * T + t) * d;
      for (let a = 0; a < d; a++) dsx[a] += ds * X[at + a];
    }
    for (let a = 0; a < d; a++) {
      const g = dsx[a];
      if (g === 0) continue;
      for (let b = 0; b < d; b++) G[a * d + b] += g * z[i * d + b];
    }
  }
  return loss / n;
}

/** max|g| */
function amax(g: Float64Array): number {
  let m = 0;
  for (let i = 0; i < g.length; i++) m = Math.max(m, Math.abs(g[i]));
  return m;
}

/** ‖g/m‖ for m = max|g| > 0: ‖g‖_F = m·‖g/m‖ without underflow of the squares */
function scaledNorm(g: Float64Array, m: number): number {
  let ss = 0;
  for (let i = 0; i < g.length; i++) ss += (g[i] / m) ** 2;
  return Math.sqrt(ss);
}

/** Checks the training options; the message names the option. */
export function checkTrainOptions(o: Partial<CrossTrainOptions>, d: number): void {
  if (o.param !== 'W' && o.param !== 'KQ') throw new NtpError('invalid-option', `option param must be "W" or "KQ", got ${JSON.stringify(o.param)}`);
  if (!Number.isInteger(o.steps) || (o.steps as number) < 1) throw new NtpError('invalid-option', `option steps must be a positive integer, got ${String(o.steps)}`);
  if (!(typeof o.lr === 'number' && o.lr > 0 && Number.isFinite(o.lr))) throw new NtpError('invalid-option', `option lr must be a positive number, got ${String(o.lr)}`);
  if (!Number.isInteger(o.every) || (o.every as number) < 1) throw new NtpError('invalid-option', `option every must be a positive integer, got ${String(o.every)}`);
  const m = o.m ?? d;
  if (!Number.isInteger(m) || m < 1 || m > d) throw new NtpError('invalid-option', `option m (the inner dimension of K, Q ∈ R^{d×m}) must be an integer in [1, d = ${d}], got ${m}`);
  const lambda = o.lambda ?? 0;
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new NtpError('invalid-option', `option lambda must be a finite number ≥ 0, got ${lambda}`);
  if (o.eps !== undefined && !(o.eps >= 0 && Number.isFinite(o.eps))) throw new NtpError('invalid-option', `option eps must be a finite number ≥ 0, got ${o.eps}`);
  const init = o.init ?? 'pytorch';
  if (init !== 'pytorch' && init !== 'k-gaussian' && init !== 'zero') throw new NtpError('invalid-option', `option init must be "pytorch", "k-gaussian" or "zero", got ${JSON.stringify(init)}`);
  if (o.param === 'KQ' && init === 'zero') throw new NtpError('invalid-option', 'option init "zero" with param KQ: K = Q = 0 is a stationary point of the factorized loss (both gradients vanish)');
}

/** Trains one parameterization from its init; deterministic from the data and `seed`. */
export function trainCrossAttention(data: AttentionData, o: CrossTrainOptions): CrossTrainResult {
  const { n, T, d } = data;
  checkTrainOptions(o, d);
  const m = o.m ?? d;
  const lambda = o.lambda ?? 0;
  const normalized = o.normalized ?? true;
  const init = o.init ?? 'pytorch';
  const eps = o.eps ?? EPS;
  const rng = normalRng(o.seed);
  const factored = o.param === 'KQ';
  const W = new Float64Array(d * d);
  const G = new Float64Array(d * d);
  const K = new Float64Array(factored ? d * m : 0);
  const Q = new Float64Array(factored ? d * m : 0);
  const gK = new Float64Array(K.length);
  const gQ = new Float64Array(Q.length);
  const a = 1 / Math.sqrt(d);
  if (init === 'pytorch') {
    if (factored) {
      for (let i = 0; i < K.length; i++) K[i] = rng.uniform(-a, a);
      for (let i = 0; i < Q.length; i++) Q[i] = rng.uniform(-a, a);
    } else for (let i = 0; i < W.length; i++) W[i] = rng.uniform(-a, a);
  } else if (init === 'k-gaussian') {
    if (factored) for (let i = 0; i < K.length; i++) K[i] = 0.1 * rng.normal();
    else for (let i = 0; i < W.length; i++) W[i] = 0.1 * rng.normal();
  }
  const product = (): void => {
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let r = 0; r < m; r++) s += K[i * m + r] * Q[j * m + r];
        W[i * d + j] = s;
      }
    }
  };
  if (factored) product();
  const phi = new Float64Array(n * T);
  const scratch = new Float64Array(2 * d + T);
  const res: CrossTrainResult = {
    status: 'running', steps: 0, recordSteps: [], W: [], loss: [], maxAttention: [], factorNorms: [], attention: phi,
  };
  const penalty = (): number => {
    if (lambda === 0) return 0;
    let s = 0;
    for (const x of factored ? K : W) s += x * x;
    if (factored) for (const x of Q) s += x * x;
    return lambda * s;
  };
  const record = (t: number, loss: number): void => {
    res.recordSteps.push(t);
    res.W.push(Float64Array.from(W));
    res.loss.push(loss);
    let mean = 0;
    for (let i = 0; i < n; i++) {
      let mx = 0;
      for (let s = 0; s < T; s++) mx = Math.max(mx, phi[i * T + s]);
      mean += mx / n;
    }
    res.maxAttention.push(mean);
    res.factorNorms.push(factored ? factorNorms(K, Q, d, m) : [NaN, NaN, NaN]);
  };
  /** one (normalized) step on P along g; false when g is exactly zero (the eps guard: no move) */
  const step = (P: Float64Array, g: Float64Array): boolean => {
    const mx = amax(g);
    if (mx === 0) return false;
    const r = scaledNorm(g, mx);
    // their update lr·g/(‖g‖ + eps) (docs/theory/factorized.md#training), written lr·(g/max|g|)/(‖g/max|g|‖ + eps/max|g|) so
    // that nothing overflows when ‖g‖ is subnormal; eps = 0 gives exact NGD
    if (normalized) {
      const den = r + eps / mx;
      for (let i = 0; i < P.length; i++) P[i] -= (o.lr / den) * (g[i] / mx);
    }
    else for (let i = 0; i < P.length; i++) P[i] -= o.lr * g[i];
    return true;
  };
  let t = 0;
  for (; t < o.steps; t++) {
    const loss = crossLossAndGradient(data, W, G, phi, scratch) + penalty();
    if (t % o.every === 0) record(t, loss);
    if (!Number.isFinite(loss)) {
      res.status = 'diverged';
      break;
    }
    let moved: boolean;
    if (factored) {
      // ∇K = G·Q, ∇Q = Gᵀ·K (+ 2λK, 2λQ), both at the current point
      for (let i = 0; i < d; i++) {
        for (let r = 0; r < m; r++) {
          let sk = 0;
          let sq = 0;
          for (let j = 0; j < d; j++) {
            sk += G[i * d + j] * Q[j * m + r];
            sq += G[j * d + i] * K[j * m + r];
          }
          gK[i * m + r] = sk + 2 * lambda * K[i * m + r];
          gQ[i * m + r] = sq + 2 * lambda * Q[i * m + r];
        }
      }
      const mk = step(K, gK);
      const mq = step(Q, gQ);
      moved = mk || mq;
      if (moved) product();
    } else {
      if (lambda !== 0) for (let i = 0; i < W.length; i++) G[i] += 2 * lambda * W[i];
      moved = step(W, G);
    }
    if (!moved) {
      res.status = 'converged';
      break;
    }
  }
  res.steps = t;
  const last = crossLossAndGradient(data, W, null, phi, scratch) + penalty();
  if (res.status === 'converged') {
    // every gradient is exactly 0 (float64 underflow, docs/theory/factorized.md#training): the iterate no longer moves,
    // so later records repeat it, as the peer's eps-guarded loop would
    for (let u = t + 1; u < o.steps; u++) if (u % o.every === 0) record(u, last);
    t = o.steps;
  }
  if (res.recordSteps[res.recordSteps.length - 1] !== t) record(t, last);
  if (!Number.isFinite(last)) res.status = 'diverged';
  return res;
}

/** ‖K‖_F, ‖Q‖_F and ‖KᵀK − QᵀQ‖_F (conserved by gradient flow, not by per-factor NGD). */
export function factorNorms(K: Float64Array, Q: Float64Array, d: number, m: number): [number, number, number] {
  let nk = 0;
  let nq = 0;
  for (let i = 0; i < d * m; i++) {
    nk += K[i] * K[i];
    nq += Q[i] * Q[i];
  }
  let c = 0;
  for (let r = 0; r < m; r++) {
    for (let s = 0; s < m; s++) {
      let x = 0;
      for (let i = 0; i < d; i++) x += K[i * m + r] * K[i * m + s] - Q[i * m + r] * Q[i * m + s];
      c += x * x;
    }
  }
  return [Math.sqrt(nk), Math.sqrt(nq), Math.sqrt(c)];
}
