/**
 * Data of the autoregressive family (docs/theory/autoregressive.md#data, reconstruction R-C): sequences x_1, x_2, … in R^d
 * with x_{t+1} = f(x_t) and a new f per sequence: Haar-orthogonal linear maps, 2-D rotations, and
 * periodic sequences. Every generator is seeded (createRng), so a seed gives the same data in every
 * JavaScript engine.
 */
import { createRng, type Rng } from '../../dataset/random.js';
import { NtpError } from '../../errors.js';
import { float64Arg, intArg, objectArg, rngArg, optionsArg } from '../../api/arguments.js';
import { refuseTooLarge } from '../../engine/limits.js';
import { sequencesBytes } from './limits.js';

/** S sequences of L tokens in R^d, row-major: token i of sequence s at (s·L + i)·d. */
export interface Sequences {
  /** dimension of a token */
  d: number;
  /** tokens per sequence (positions T = L − 1: the last token is only a target) */
  L: number;
  /** number of sequences */
  S: number;
  x: Float64Array;
}

/** The three data families of docs/theory/autoregressive.md#data. */
export type Family = 'rotation' | 'haar' | 'periodic';

/** Options of {@link generateSequences}. */
export interface DataOptions {
  family?: Family;
  /** token dimension (rotation: always 2; default 5, the ICML24 default) */
  d?: number;
  /** positions T (default 50): each sequence holds T + 1 tokens */
  length?: number;
  /** number of sequences (default 256) */
  sequences?: number;
  /** rotation angle θ; omitted: θ uniform on [0, 2π) per sequence */
  theta?: number;
  /** period p of the periodic family (default 3) */
  period?: number;
  /** x_1: 'sphere' (uniform on S^{d−1}, default), 'ones' ((1,…,1)/√d as in ICML24), 'e1' ((1,0,…,0)) */
  start?: 'sphere' | 'ones' | 'e1';
  seed?: number;
}

/** A standard normal draw (Box–Muller on the seeded uniform stream); checks its argument. */
export function gaussian(rng: Rng): number {
  return normalDraw(rngArg(rng, 'gaussian(rng)'));
}

/** {@link gaussian} without the argument check, for the loops that draw d² or nP numbers. */
export function normalDraw(rng: Rng): number {
  let u = rng.next();
  while (u === 0) u = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** A point uniform on the unit sphere S^{d−1}, written into out[o … o+d). */
export function sphere(rng: Rng, d: number, out: Float64Array, o = 0): void {
  rngArg(rng, 'sphere(rng, d, out, o)');
  intArg(d, 'sphere(rng, d, out, o): d', 1);
  intArg(o, 'sphere(rng, d, out, o): o', 0);
  float64Arg(out, 'sphere(rng, d, out, o): out', o + d);
  for (;;) {
    let n2 = 0;
    for (let i = 0; i < d; i++) {
      const g = normalDraw(rng);
      out[o + i] = g;
      n2 += g * g;
    }
    if (n2 > 1e-300) {
      const inv = 1 / Math.sqrt(n2);
      for (let i = 0; i < d; i++) out[o + i] *= inv;
      return;
    }
  }
}

/**
 * A Haar-distributed orthogonal d×d matrix (row-major): Householder QR of a standard Gaussian
 * matrix G = QR, then Q·diag(sign R_ii). Without the sign fix Q depends on the QR convention and
 * is not Haar.
 */
export function haarOrthogonal(rng: Rng, d: number): Float64Array {
  rngArg(rng, 'haarOrthogonal(rng, d)');
  intArg(d, 'haarOrthogonal(rng, d): d', 1);
  const A = new Float64Array(d * d);
  for (let i = 0; i < d * d; i++) A[i] = normalDraw(rng);
  const Q = new Float64Array(d * d);
  for (let i = 0; i < d; i++) Q[i * d + i] = 1;
  const v = new Float64Array(d);
  const signs = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    // reflector H = I − 2vvᵀ/vᵀv mapping column k below the diagonal onto ±‖·‖e_k
    let norm = 0;
    for (let i = k; i < d; i++) norm = Math.hypot(norm, A[i * d + k]);
    const akk = A[k * d + k];
    const alpha = akk >= 0 ? -norm : norm; // R_kk, sign chosen against cancellation
    v.fill(0);
    for (let i = k; i < d; i++) v[i] = A[i * d + k];
    v[k] -= alpha;
    let vv = 0;
    for (let i = k; i < d; i++) vv += v[i] * v[i];
    signs[k] = alpha === 0 ? 1 : Math.sign(alpha);
    if (vv === 0) continue;
    // A ← H A (columns k…), Q ← Q H
    for (let j = k; j < d; j++) {
      let s = 0;
      for (let i = k; i < d; i++) s += v[i] * A[i * d + j];
      s = (2 * s) / vv;
      for (let i = k; i < d; i++) A[i * d + j] -= s * v[i];
    }
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = k; j < d; j++) s += Q[i * d + j] * v[j];
      s = (2 * s) / vv;
      for (let j = k; j < d; j++) Q[i * d + j] -= s * v[j];
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) Q[i * d + j] *= signs[j];
  return Q;
}

/** R_θ = [[cos θ, −sin θ], [sin θ, cos θ]], row-major. */
export function rotation(theta: number): Float64Array {
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  return Float64Array.of(c, -s, s, c);
}

/** Writes x_{i+1} = A x_i for i = 1 … L−1 from x_1 already at x[o … o+d). */
export function iterateLinear(A: Float64Array, d: number, L: number, x: Float64Array, o = 0): void {
  intArg(d, 'iterateLinear(A, d, L, x, o): d', 1);
  intArg(L, 'iterateLinear(A, d, L, x, o): L', 1);
  intArg(o, 'iterateLinear(A, d, L, x, o): o', 0);
  float64Arg(A, 'iterateLinear(A, d, L, x, o): A', d * d);
  float64Arg(x, 'iterateLinear(A, d, L, x, o): x', o + L * d);
  for (let i = 1; i < L; i++) {
    const src = o + (i - 1) * d;
    const dst = o + i * d;
    for (let r = 0; r < d; r++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += A[r * d + c] * x[src + c];
      x[dst + r] = s;
    }
  }
}

/**
 * A periodic sequence of L tokens over the given points (p×d, row-major): x_t = points[(t−1) mod p].
 * Refuses points that make f not a function: a repeated point whose successors differ.
 */
export function periodicSequence(points: Float64Array, d: number, L: number, out?: Float64Array, o = 0): Float64Array {
  float64Arg(points, 'periodicSequence(points, d, L): points');
  intArg(d, 'periodicSequence(points, d, L): d', 1);
  intArg(L, 'periodicSequence(points, d, L): L', 1);
  intArg(o, 'periodicSequence(points, d, L, out, o): o', 0);
  if (out !== undefined) float64Arg(out, 'periodicSequence(points, d, L, out, o): out', o + L * d);
  const p = points.length / d;
  if (!Number.isInteger(p) || p < 1) throw new NtpError('invalid-data', `periodic points: ${points.length} values is not a whole number of ${d}-dimensional points`);
  for (let i = 0; i < p; i++) {
    for (let j = i + 1; j < p; j++) {
      if (!samePoint(points, i, j, d)) continue;
      const si = (i + 1) % p;
      const sj = (j + 1) % p;
      if (!samePoint(points, si, sj, d)) {
        throw new NtpError('not-a-function', `periodic points ${i + 1} and ${j + 1} are equal but their successors (points ${si + 1} and ${sj + 1}) differ: x ↦ f(x) is not a function`);
      }
    }
  }
  const x = out ?? new Float64Array(L * d);
  for (let t = 0; t < L; t++) for (let c = 0; c < d; c++) x[o + t * d + c] = points[(t % p) * d + c];
  return x;
}

function samePoint(P: Float64Array, i: number, j: number, d: number): boolean {
  for (let c = 0; c < d; c++) if (P[i * d + c] !== P[j * d + c]) return false;
  return true;
}

function positiveInt(name: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) throw new NtpError('invalid-option', `option ${name} must be an integer ≥ ${min} (got ${v})`);
  return v;
}

/** S seeded sequences of the chosen family (docs/theory/autoregressive.md#data). */
export function generateSequences(opts: DataOptions = {}): Sequences {
  opts = optionsArg(opts, 'generateSequences(options): options');
  const family = opts.family ?? 'haar';
  if (!['rotation', 'haar', 'periodic'].includes(family)) throw new NtpError('invalid-option', `option family must be rotation, haar or periodic (got ${JSON.stringify(family)})`);
  const d = family === 'rotation' ? 2 : positiveInt('d', opts.d ?? 5);
  if (family === 'rotation' && opts.d !== undefined && opts.d !== 2) throw new NtpError('invalid-option', `option d must be 2 for the rotation family (got ${opts.d})`);
  const T = positiveInt('length', opts.length ?? 50);
  const S = positiveInt('sequences', opts.sequences ?? 256);
  const p = positiveInt('period', opts.period ?? 3);
  if (opts.theta !== undefined && !Number.isFinite(opts.theta)) throw new NtpError('invalid-option', `option theta must be a finite number (got ${opts.theta})`);
  const start = opts.start ?? 'sphere';
  if (!['sphere', 'ones', 'e1'].includes(start)) throw new NtpError('invalid-option', `option start must be sphere, ones or e1 (got ${JSON.stringify(start)})`);
  refuseTooLarge('autoregressive sequences', sequencesBytes(d, T, S), `${S} sequences of ${T + 1} tokens, d = ${d}`);
  const rng = createRng(opts.seed ?? 0);
  const L = T + 1;
  const x = new Float64Array(S * L * d);
  const first = (o: number) => {
    if (start === 'sphere') sphere(rng, d, x, o);
    else if (start === 'ones') for (let c = 0; c < d; c++) x[o + c] = 1 / Math.sqrt(d);
    else x[o] = 1;
  };
  for (let s = 0; s < S; s++) {
    const o = s * L * d;
    if (family === 'periodic') {
      const pts = new Float64Array(p * d);
      for (let i = 0; i < p; i++) sphere(rng, d, pts, i * d);
      periodicSequence(pts, d, L, x, o);
      continue;
    }
    const A = family === 'rotation' ? rotation(opts.theta ?? 2 * Math.PI * rng.next()) : haarOrthogonal(rng, d);
    first(o);
    iterateLinear(A, d, L, x, o);
  }
  return { d, L, S, x };
}

/** Train and test sets from one seed: independent streams (seed and seed + 1). */
export function trainTestSets(opts: DataOptions & { trainSequences?: number; testSequences?: number }): { train: Sequences; test: Sequences } {
  opts = optionsArg(opts, 'trainTestSets(options): options');
  const seed = opts.seed ?? 0;
  return {
    train: generateSequences({ ...opts, sequences: opts.trainSequences ?? 2 ** 14, seed }),
    test: generateSequences({ ...opts, sequences: opts.testSequences ?? 2 ** 10, seed: seed + 0x9e3779b1 }),
  };
}

/** Sequence s as a view (L×d). */
export function sequenceOf(data: Sequences, s: number): Float64Array {
  objectArg(data, 'sequenceOf(data, s): data');
  intArg(s, 'sequenceOf(data, s): s', 0);
  if (s >= data.S) throw new NtpError('invalid-argument', `sequenceOf(data, s): s = ${s} is past the ${data.S} sequences`);
  return data.x.subarray(s * data.L * data.d, (s + 1) * data.L * data.d);
}

/**
 * Refuses zero tokens (the kernel normaliser k(x, x) would be 0 for the linear kernel), and
 * non-finite values, naming the sequence and token.
 */
export function checkTokens(data: Sequences): void {
  objectArg(data, 'checkTokens(data): data');
  const { d, L, S, x } = data;
  for (let s = 0; s < S; s++) {
    for (let t = 0; t < L; t++) {
      let n2 = 0;
      for (let c = 0; c < d; c++) {
        const v = x[(s * L + t) * d + c];
        if (!Number.isFinite(v)) throw new NtpError('invalid-data', `sequence ${s + 1}, token ${t + 1}: coordinate ${c + 1} is not finite (${v})`);
        n2 += v * v;
      }
      if (n2 === 0 && t < L - 1) throw new NtpError('zero-token', `sequence ${s + 1}, token ${t + 1} is zero: the kernel normaliser k(x, x) would be 0`);
    }
  }
}
