/**
 * The finite part W_fin of docs/theory/cyclic.md#the-finite-part: the minimizer, inside S_fin = span{(E_i − E_j)E_qᵀ : i ≍_q j},
 * of the loss on the reduced dataset (each sample whose target's SCC holds another context token,
 * restricted to that SCC's tokens). Selection head: Newton with the exact Hessian (a Luce
 * likelihood, convex, unique optimum). Frozen-M head: damped Newton with a Hessian from central
 * differences of the exact gradient (not convex in general; a stationary point is reported).
 */
import { NtpError } from '../../errors.js';
import { mapKq, tokenGram, tokenRows } from '../../maxmargin/embedding.js';
import type { CyclicData } from '../../dataset/cyclic-orders.js';
import { pivotedCholesky } from '../../maxmargin/graph-svm.js';
import { cyclicDataArg, optionsArg } from '../../api/arguments.js';

/** One reduced sample: the distinct context tokens in the target's SCC, with multiplicities. */
export interface ReducedSample {
  /** index into the CyclicData samples */
  sample: number;
  query: number;
  tokens: number[];
  mult: number[];
  /** position of the target o_n in `tokens` */
  target: number;
  /** the package's next token y_n (−1 when unknown) */
  label: number;
  weight: number;
}

/** The reduced dataset of docs/theory/cyclic.md#the-finite-part (Li et al.'s `generate_reduced_ds`, positions kept as multiplicities). */
export function reducedSamples(data: CyclicData): ReducedSample[] {
  cyclicDataArg(data, 'reducedSamples(data): data');
  const out: ReducedSample[] = [];
  data.contexts.forEach((ctx, n) => {
    const q = ctx[ctx.length - 1];
    const g = data.graphs[data.graphOf[q]];
    const C = g.componentOf.get(data.targets[n])!;
    const tokens: number[] = [];
    const mult: number[] = [];
    for (const t of ctx) {
      if (g.componentOf.get(t) !== C) continue;
      const i = tokens.indexOf(t);
      if (i < 0) tokens.push(t), mult.push(1);
      else mult[i]++;
    }
    if (tokens.length < 2) return;
    out.push({ sample: n, query: q, tokens, mult, target: tokens.indexOf(data.targets[n]), label: data.labels[n], weight: data.weights[n] });
  });
  return out;
}

/**
 * An independent basis B_k = (E_{p_k} − E_{n_k}) E_{q_k}ᵀ of S_fin (spanning-tree generators of every
 * SCC, pruned by a pivoted Cholesky of their Gram with relative tolerance 1e-12), and the
 * orthogonal projection onto S_fin.
 */
export class FiniteSpace {
  readonly V: number;
  readonly d: number;
  /** token Gram EᵀE (|V|×|V|) */
  readonly T: Float64Array;
  readonly Et: Float64Array | null;
  readonly q: number[] = [];
  readonly p: number[] = [];
  readonly n: number[] = [];
  /** Gram of the basis, and its Cholesky factor (lower, row-major). */
  readonly H: Float64Array;
  private readonly L: Float64Array;

  constructor(data: CyclicData) {
    this.V = data.V;
    this.d = data.d;
    const V = data.V;
    this.Et = data.E === null ? null : tokenRows(data.E, data.d, V);
    if (this.Et === null) {
      this.T = new Float64Array(V * V);
      for (let v = 0; v < V; v++) this.T[v * V + v] = 1;
    } else this.T = tokenGram(this.Et, data.d, V);
    const gq: number[] = [], gp: number[] = [], gn: number[] = [];
    for (const g of data.graphs) for (const c of g.components) for (let s = 1; s < c.length; s++) gq.push(g.query), gp.push(c[s]), gn.push(c[0]);
    const all = gq.length;
    const H0 = new Float64Array(all * all);
    for (let x = 0; x < all; x++) for (let y = 0; y <= x; y++) H0[x * all + y] = H0[y * all + x] = this.inner(gp[x], gn[x], gq[x], gp[y], gn[y], gq[y]);
    const { P } = pivotedCholesky(H0, all, 1e-12);
    P.sort((a, b) => a - b);
    for (const k of P) this.q.push(gq[k]), this.p.push(gp[k]), this.n.push(gn[k]);
    const r = P.length;
    this.H = new Float64Array(r * r);
    for (let x = 0; x < r; x++) for (let y = 0; y < r; y++) this.H[x * r + y] = H0[P[x] * all + P[y]];
    this.L = cholesky(this.H, r, 0) ?? new Float64Array(0);
  }

  /** dim S_fin */
  get dim(): number {
    return this.q.length;
  }

  /** ⟨(E_a − E_b)E_qaᵀ, (E_c − E_e)E_qbᵀ⟩ */
  inner(a: number, b: number, qa: number, c: number, e: number, qb: number): number {
    const T = this.T;
    const V = this.V;
    return (T[a * V + c] - T[a * V + e] - T[b * V + c] + T[b * V + e]) * T[qa * V + qb];
  }

  /** Coefficients C (W = E C Eᵀ) of Σ θ_k B_k. */
  coeff(theta: ArrayLike<number>): Float64Array {
    const V = this.V;
    const C = new Float64Array(V * V);
    for (let k = 0; k < this.dim; k++) {
      C[this.p[k] * V + this.q[k]] += theta[k];
      C[this.n[k] * V + this.q[k]] -= theta[k];
    }
    return C;
  }

  /** Score K[v, q] = E_vᵀ W E_q of W = Σ θ_k B_k. */
  score(theta: ArrayLike<number>, v: number, q: number): number {
    const T = this.T;
    const V = this.V;
    let s = 0;
    for (let k = 0; k < this.dim; k++) s += theta[k] * (T[v * V + this.p[k]] - T[v * V + this.n[k]]) * T[this.q[k] * V + q];
    return s;
  }

  /** θ of Π_{S_fin} W from W's token scores S = EᵀWE (|V|×|V|, S[v*V+q]). */
  project(S: ArrayLike<number>): Float64Array {
    const V = this.V;
    const r = this.dim;
    const b = new Float64Array(r);
    for (let k = 0; k < r; k++) b[k] = S[this.p[k] * V + this.q[k]] - S[this.n[k] * V + this.q[k]];
    cholSolve(this.L, r, b);
    return b;
  }

  /** W (d×d) of coefficients C. */
  matrix(C: Float64Array): Float64Array {
    return mapKq(C, this.Et, this.d, this.V).slice();
  }

  /** Scores EᵀWE of coefficients C (T C T). */
  scores(C: Float64Array): Float64Array {
    const V = this.V;
    if (this.Et === null) return C.slice();
    const T = this.T;
    const TC = new Float64Array(V * V);
    const K = new Float64Array(V * V);
    for (let i = 0; i < V; i++) for (let k = 0; k < V; k++) {
      const a = T[i * V + k];
      if (a !== 0) for (let j = 0; j < V; j++) TC[i * V + j] += a * C[k * V + j];
    }
    for (let i = 0; i < V; i++) for (let k = 0; k < V; k++) {
      const a = TC[i * V + k];
      if (a !== 0) for (let j = 0; j < V; j++) K[i * V + j] += a * T[k * V + j];
    }
    return K;
  }
}

/** Cholesky of an r×r SPD matrix plus `shift`·I; null when not positive definite. */
function cholesky(A: Float64Array, r: number, shift: number): Float64Array | null {
  const L = new Float64Array(r * r);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j <= i; j++) {
      let v = A[i * r + j] + (i === j ? shift : 0);
      for (let k = 0; k < j; k++) v -= L[i * r + k] * L[j * r + k];
      if (i === j) {
        if (!(v > 0)) return null;
        L[i * r + i] = Math.sqrt(v);
      } else L[i * r + j] = v / L[j * r + j];
    }
  }
  return L;
}

function cholSolve(L: Float64Array, r: number, b: Float64Array): void {
  for (let i = 0; i < r; i++) {
    let v = b[i];
    for (let k = 0; k < i; k++) v -= L[i * r + k] * b[k];
    b[i] = v / L[i * r + i];
  }
  for (let i = r - 1; i >= 0; i--) {
    let v = b[i];
    for (let k = i + 1; k < r; k++) v -= L[k * r + i] * b[k];
    b[i] = v / L[i * r + i];
  }
}

/** Which stage-2 head a finite part is of. */
export type FiniteHead = 'selection' | 'ce-frozen';

/** Result of {@link finitePart}. */
export interface FinitePart {
  head: FiniteHead;
  /** coordinates in the basis of `space` */
  theta: Float64Array;
  /** W_fin = E·coeff·Eᵀ */
  coeff: Float64Array;
  /** scores EᵀW_finE (|V|×|V|, K[v*V+q]) */
  K: Float64Array;
  /** W_fin, d×d */
  W: Float64Array;
  /** ‖W_fin‖_F */
  norm: number;
  /** L_red(W_fin): the loss floor (weights π_n of the attention samples) */
  loss: number;
  /** max-abs gradient entry at W_fin in the basis coordinates */
  gradNorm: number;
  iterations: number;
  /** the gradient fell below 1e-13 */
  converged: boolean;
  /**
   * `optimal`: a stationary point (the unique minimizer for the selection head). `unbounded`: the
   * infimum is approached at infinity, so no finite W_fin exists (Newton keeps taking steps of
   * order 1 while the gradient shrinks geometrically; possible for the frozen-M head, whose
   * reduced loss may prefer attention on a single token of an SCC). `max-iterations` otherwise.
   */
  status: 'optimal' | 'unbounded' | 'max-iterations';
  reduced: ReducedSample[];
  space: FiniteSpace;
}

/** Options of {@link finitePart}. */
export interface FinitePartOptions {
  /** 'selection' (default) or 'ce-frozen' (needs M). */
  head?: FiniteHead;
  /** Frozen output matrix in token space, M[v*V + x] = logit of v from token x (|V|×|V|); for 'ce-frozen'. */
  M?: Float64Array;
  /** iteration cap (default 100) */
  maxIterations?: number;
}

interface Evaluator {
  /** loss, and with g the gradient in θ added into g */
  (theta: Float64Array, g: Float64Array | null): number;
}

/** Per reduced sample, J[i][k] = ∂ s_i / ∂ θ_k (scores of its tokens under its query). */
function jacobians(space: FiniteSpace, red: ReducedSample[]): Float64Array[] {
  const r = space.dim;
  const T = space.T;
  const V = space.V;
  return red.map((s) => {
    const J = new Float64Array(s.tokens.length * r);
    s.tokens.forEach((t, i) => {
      for (let k = 0; k < r; k++) J[i * r + k] = (T[t * V + space.p[k]] - T[t * V + space.n[k]]) * T[space.q[k] * V + s.query];
    });
    return J;
  });
}

/**
 * W_fin for a head: Newton from 0 on the reduced loss inside S_fin (docs/theory/cyclic.md#exact-references-and-certificates).
 * @throws NtpError 'invalid-option' for 'ce-frozen' without M or labels.
 */
export function finitePart(data: CyclicData, opts: FinitePartOptions = {}): FinitePart {
  cyclicDataArg(data, 'finitePart(data, options): data');
  opts = optionsArg(opts, 'finitePart(data, options): options');
  const head = opts.head ?? 'selection';
  if (head !== 'selection' && head !== 'ce-frozen') throw new NtpError('invalid-option', `option head must be selection or ce-frozen (got ${String(head)})`);
  const space = new FiniteSpace(data);
  const red = reducedSamples(data);
  const r = space.dim;
  const Js = jacobians(space, red);
  const maxIter = opts.maxIterations ?? 100;
  const V = data.V;
  let evaluate: Evaluator;
  let hessian: (theta: Float64Array, H: Float64Array) => void;
  const s = new Float64Array(V);
  const p = new Float64Array(V);
  if (head === 'selection') {
    evaluate = (theta, g) => {
      let f = 0;
      red.forEach((rs, n) => {
        const J = Js[n];
        const m = rs.tokens.length;
        for (let i = 0; i < m; i++) {
          let v = 0;
          for (let k = 0; k < r; k++) v += J[i * r + k] * theta[k];
          s[i] = v;
        }
        // ℓ = log1p(Σ_{i≠o} m_i e^{s_i − s_o} / m_o): exact when the target dominates.
        const o = rs.target;
        let top = s[o];
        for (let i = 0; i < m; i++) top = Math.max(top, s[i]);
        let z = 0;
        for (let i = 0; i < m; i++) z += (p[i] = rs.mult[i] * Math.exp(s[i] - top));
        let rest = 0;
        for (let i = 0; i < m; i++) if (i !== o) rest += p[i];
        f += rs.weight * (top === s[o] ? Math.log1p(rest / p[o]) : Math.log(z) - Math.log(p[o]));
        if (g === null) return;
        for (let i = 0; i < m; i++) p[i] /= z;
        for (let i = 0; i < m; i++) {
          const c = rs.weight * (i === o ? -rest / z : p[i]);
          if (c !== 0) for (let k = 0; k < r; k++) g[k] += c * J[i * r + k];
        }
      });
      return f;
    };
    hessian = (theta, H) => {
      H.fill(0);
      const u = new Float64Array(r);
      red.forEach((rs, n) => {
        const J = Js[n];
        const m = rs.tokens.length;
        let top = -Infinity;
        for (let i = 0; i < m; i++) {
          let v = 0;
          for (let k = 0; k < r; k++) v += J[i * r + k] * theta[k];
          s[i] = v;
          top = Math.max(top, v);
        }
        let z = 0;
        for (let i = 0; i < m; i++) z += (p[i] = rs.mult[i] * Math.exp(s[i] - top));
        for (let i = 0; i < m; i++) p[i] /= z;
        // H_n = Jᵀ diag(p) J − (Jᵀp)(Jᵀp)ᵀ
        u.fill(0);
        for (let i = 0; i < m; i++) for (let k = 0; k < r; k++) u[k] += p[i] * J[i * r + k];
        for (let a = 0; a < r; a++) for (let b = 0; b <= a; b++) {
          let v = -u[a] * u[b];
          for (let i = 0; i < m; i++) v += p[i] * J[i * r + a] * J[i * r + b];
          H[a * r + b] += rs.weight * v;
        }
      });
      for (let a = 0; a < r; a++) for (let b = 0; b < a; b++) H[b * r + a] = H[a * r + b];
    };
  } else {
    const M = opts.M;
    if (!M || M.length !== V * V) throw new NtpError('invalid-option', `the ce-frozen finite part needs M, a |V|×|V| token-space matrix (${V * V} entries)`);
    const bad = red.find((rs) => rs.label < 0);
    if (bad) throw new NtpError('invalid-option', `the ce-frozen finite part needs next tokens; sample ${data.source[bad.sample]} has none`);
    const zl = new Float64Array(V);
    const dz = new Float64Array(V);
    const dphi = new Float64Array(V);
    evaluate = (theta, g) => {
      let f = 0;
      red.forEach((rs, n) => {
        const J = Js[n];
        const m = rs.tokens.length;
        let top = -Infinity;
        for (let i = 0; i < m; i++) {
          let v = 0;
          for (let k = 0; k < r; k++) v += J[i * r + k] * theta[k];
          s[i] = v;
          top = Math.max(top, v);
        }
        let z = 0;
        for (let i = 0; i < m; i++) z += (p[i] = rs.mult[i] * Math.exp(s[i] - top));
        for (let i = 0; i < m; i++) p[i] /= z;
        zl.fill(0);
        for (let i = 0; i < m; i++) for (let v = 0; v < V; v++) zl[v] += p[i] * M[v * V + rs.tokens[i]];
        let zmax = -Infinity;
        for (let v = 0; v < V; v++) zmax = Math.max(zmax, zl[v]);
        let se = 0;
        let others = 0;
        for (let v = 0; v < V; v++) {
          const e = Math.exp(zl[v] - zmax);
          dz[v] = e;
          se += e;
          if (v !== rs.label) others += e;
        }
        const y = rs.label;
        f += rs.weight * (zl[y] === zmax ? Math.log1p(others / dz[y]) : Math.log(se) - (zl[y] - zmax));
        if (g === null) return;
        for (let v = 0; v < V; v++) dz[v] /= se;
        dz[y] = -others / se;
        let mean = 0;
        for (let i = 0; i < m; i++) {
          let v2 = 0;
          for (let v = 0; v < V; v++) v2 += dz[v] * M[v * V + rs.tokens[i]];
          dphi[i] = v2;
          mean += p[i] * v2;
        }
        for (let i = 0; i < m; i++) {
          const c = rs.weight * p[i] * (dphi[i] - mean);
          if (c !== 0) for (let k = 0; k < r; k++) g[k] += c * J[i * r + k];
        }
      });
      return f;
    };
    hessian = (theta, H) => {
      const gp = new Float64Array(r);
      const gm = new Float64Array(r);
      const t = theta.slice();
      for (let k = 0; k < r; k++) {
        const h = 1e-5 * Math.max(1, Math.abs(theta[k]));
        gp.fill(0);
        gm.fill(0);
        t[k] = theta[k] + h;
        evaluate(t, gp);
        t[k] = theta[k] - h;
        evaluate(t, gm);
        t[k] = theta[k];
        for (let a = 0; a < r; a++) H[a * r + k] = (gp[a] - gm[a]) / (2 * h);
      }
      for (let a = 0; a < r; a++) for (let b = 0; b < a; b++) H[a * r + b] = H[b * r + a] = (H[a * r + b] + H[b * r + a]) / 2;
    };
  }

  const theta = new Float64Array(r);
  const g = new Float64Array(r);
  const H = new Float64Array(r * r);
  const trial = new Float64Array(r);
  let f = evaluate(theta, g.fill(0));
  let it = 0;
  const maxAbs = (x: Float64Array) => x.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
  // The frozen head's Hessian is a difference quotient, so its Newton steps stall near 1e-14 instead of 1e-16.
  const gTol = head === 'selection' ? 1e-16 : 1e-14;
  let longSteps = 0; // consecutive steps of size ≥ 0.1 that shrank the gradient: an exponential tail?
  let unbounded = false;
  for (; it < maxIter && maxAbs(g) > gTol; it++) {
    hessian(theta, H);
    let maxDiag = 0;
    for (let k = 0; k < r; k++) maxDiag = Math.max(maxDiag, Math.abs(H[k * r + k]));
    let shift = 0;
    let L = cholesky(H, r, 0);
    // Levenberg damping where the Hessian is not positive definite (frozen head, far from W_fin).
    while (L === null) {
      shift = shift === 0 ? 1e-10 * Math.max(maxDiag, 1e-300) : shift * 10;
      L = cholesky(H, r, shift);
    }
    const step = g.slice();
    cholSolve(L, r, step);
    let slope = 0;
    for (let k = 0; k < r; k++) slope -= g[k] * step[k];
    let alpha = 1;
    let fNew = NaN;
    for (let ls = 0; ls < 60; ls++) {
      for (let k = 0; k < r; k++) trial[k] = theta[k] - alpha * step[k];
      fNew = evaluate(trial, null);
      if (fNew <= f + 1e-4 * alpha * slope || fNew <= f + 4e-16 * Math.abs(f)) break;
      alpha /= 2;
    }
    if (!(fNew <= f + 4e-16 * Math.abs(f))) break; // no progress left at this precision
    const stalled = !(fNew < f) && maxAbs(g) <= 1e3 * gTol; // at the rounding floor of the loss
    const gBefore = maxAbs(g);
    theta.set(trial);
    f = evaluate(theta, g.fill(0));
    longSteps = alpha * maxAbs(step) >= 0.1 && maxAbs(g) < 0.9 * gBefore ? longSteps + 1 : 0;
    // The selection head's W_fin always exists (each SCC is strongly connected), so only the
    // frozen head is tested; 12 steps leave room for a far but finite optimum.
    if (head === 'ce-frozen' && longSteps >= 12) {
      unbounded = true;
      it++;
      break;
    }
    if (stalled) {
      it++;
      break;
    }
  }
  const gradNorm = maxAbs(g);
  const coeff = space.coeff(theta);
  const W = space.matrix(coeff);
  let norm2 = 0;
  for (const w of W) norm2 += w * w;
  const status = unbounded ? 'unbounded' : gradNorm <= 1e-13 ? 'optimal' : 'max-iterations';
  return { head, theta, coeff, K: space.scores(coeff), W, norm: Math.sqrt(norm2), loss: f, gradNorm, iterations: it, converged: gradNorm <= 1e-13, status, reduced: red, space };
}
