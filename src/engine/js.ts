import type { Precision } from './backend.js';
import type { Embedding } from './embedding.js';
import { JsParamSpace } from './js-param.js';
import type { Space } from './space.js';
import { ModelBase, type Kernels, type Real } from './model-base.js';
import type { PackedData } from './packed.js';
import { CONVERGED, DIVERGED, OVERFLOW, RUNNING, WeightStep } from './weight-step.js';
import { FixedSampleSum, SampleTally } from './sample-sum.js';
/** float32 exponentials below e^FLUSH_F32 are 0, keeping subnormals out of the arithmetic */
const FLUSH_F32 = -60;

/**
 * The reference implementation: the same algorithm as the WebAssembly kernels, in plain
 * TypeScript over typed arrays, written to be read. Buffers and names follow assembly/.
 */
export class JsModel extends ModelBase {
  readonly backend = 'js' as const;
  protected kernels: JsKernels;
  protected WovT: Real;
  protected WkqT: Real;
  protected gWovT: Real;
  protected gWkqT: Real;

  constructor(data: PackedData, emb: Embedding, precision: Precision, space: Space = 'token') {
    super(precision, data.V, emb.d, data.N, space);
    this.kernels = new JsKernels(data, emb, precision, space);
    ({ WovT: this.WovT, WkqT: this.WkqT, gWovT: this.gWovT, gWkqT: this.gWkqT } = this.kernels);
  }

  /** Drops the arrays, so a disposed model still referenced holds no memory. */
  override dispose(): void {
    super.dispose();
    const empty = new Float64Array(0);
    this.WovT = this.WkqT = this.gWovT = this.gWkqT = empty;
    this.kernels = null as unknown as JsKernels;
  }
}

class JsKernels implements Kernels {
  readonly V: number;
  readonly d: number;
  readonly WovT: Real;
  readonly WkqT: Real;
  readonly gWovT: Real;
  readonly gWkqT: Real;
  // token space (aliases of the parameters when one-hot)
  private Mt: Real;
  private Kt: Real;
  private dMt: Real;
  private dKt: Real;
  private tmpDV: Real;
  private E: Real | null;
  private weights: Real;
  /** the model in parameter space, null in token space */
  private param: JsParamSpace | null = null;
  // per-sample scratch
  private z: Real;
  private dz: Real;
  private phi: Real;
  private dphi: Real;
  // results of the last call
  private outLoss = 0;
  private outFirstLoss = 0;
  private outGradNorm = 0;
  private outMinOptimal = 0;
  private outCorrect = 0;
  private outSteps = 0;
  // metrics accumulated by sampleLoss, and the reused terms of fixed-attention samples
  private readonly tally = new SampleTally();
  private readonly fixedSum = new FixedSampleSum();
  /** Math.exp, flushed to 0 below e^−60 in float32 as the WebAssembly kernels do (assembly/exp.ts) */
  private readonly exp: (x: number) => number;
  /** the weight update, rounding to the storage precision to test a step's result before storing it */
  private readonly weightStep: WeightStep;

  constructor(private readonly data: PackedData, emb: Embedding, precision: Precision, space: Space) {
    this.V = data.V;
    this.d = emb.d;
    this.exp = precision === 'f32' ? (x) => (x >= FLUSH_F32 ? Math.exp(x) : 0) : Math.exp;
    this.weightStep = new WeightStep(precision === 'f32' ? Math.fround : (x) => x);
    const R = precision === 'f32' ? Float32Array : Float64Array;
    const { V } = data;
    const d = emb.d;
    this.WovT = new R(d * V);
    this.WkqT = new R(d * d);
    this.gWovT = new R(d * V);
    this.gWkqT = new R(d * d);
    this.E = emb.E ? R.from(emb.E) : null;
    this.weights = R.from(data.weights);
    if (this.E && space === 'parameter') {
      this.Mt = this.Kt = this.dMt = this.dKt = this.tmpDV = new R(0);
      this.param = new JsParamSpace(data, V, d, this.E, this.weights, this.WovT, this.WkqT, this.gWovT, this.gWkqT, R,
        (z, dz, y, w) => this.crossEntropy(z, 0, dz, 0, y, w), this.exp);
    } else if (this.E) {
      this.Mt = new R(V * V);
      this.Kt = new R(V * V);
      this.dMt = new R(V * V);
      this.dKt = new R(V * V);
      this.tmpDV = new R(d * V);
    } else {
      this.Mt = this.WovT;
      this.Kt = this.WkqT;
      this.dMt = this.gWovT;
      this.dKt = this.gWkqT;
      this.tmpDV = new R(0);
    }
    this.z = new R(V);
    this.dz = new R(V);
    this.phi = new R(data.maxLength);
    this.dphi = new R(data.maxLength);
  }

  resultLoss(): number { return this.outLoss; }
  resultFirstLoss(): number { return this.outFirstLoss; }
  resultGradNorm(): number { return this.outGradNorm; }
  resultMinOptimal(): number { return this.outMinOptimal; }
  resultCorrect(): number { return this.outCorrect; }
  resultSteps(): number { return this.outSteps; }

  // ---- embedding transforms (skipped when one-hot) ----

  /** after the host wrote W_ov or W_kq */
  refresh(): void {
    this.refreshM();
    this.refreshK();
  }

  /** Mt = Eᵀ·WovT; after every change of W_ov */
  private refreshM(): void {
    const { E, V, d } = this;
    this.fixedSum.invalidate();
    if (this.param) return this.param.refreshM();
    if (E) gemm(this.Mt, E, this.WovT, V, V, d, 1, V);
  }

  /** Kt = Eᵀ·(WkqT·E) */
  private refreshK(): void {
    const { E, V, d } = this;
    if (this.param) return this.param.refreshK();
    if (!E) return;
    gemm(this.tmpDV, this.WkqT, E, d, V, d, d, 1);
    gemm(this.Kt, E, this.tmpDV, V, V, d, 1, V);
  }

  private gradWov(): void {
    if (!this.E || this.param) return;
    gemm(this.gWovT, this.E, this.dMt, this.d, this.V, this.V, this.V, 1);
  }

  private gradWkq(): void {
    const { E, V, d } = this;
    if (!E || this.param) return;
    gemm(this.tmpDV, E, this.dKt, d, V, V, V, 1);
    gemmNT(this.gWkqT, this.tmpDV, E, d, d, V);
  }

  // ---- one sample ----

  /**
   * Cross-entropy of z (offset zAt in zBuf) for label y, writing dz = w·(p − e_y) with the
   * label entry −w·Σ_{v≠y} p_v, never w·(p_y − 1), which cancels to 0 for tiny losses.
   */
  private crossEntropy(zBuf: Real, zAt: number, dzBuf: Real, dzAt: number, y: number, w: number): number {
    const V = this.V;
    const zy = zBuf[zAt + y];
    let m = -Infinity;
    for (let v = 0; v < V; v++) m = Math.max(m, zBuf[zAt + v]);
    if (m <= zy) {
      let S = 0;
      for (let v = 0; v < V; v++) {
        const e = v === y ? 0 : this.exp(zBuf[zAt + v] - zy);
        dzBuf[dzAt + v] = e;
        S += dzBuf[dzAt + v];
      }
      const inv = 1 / (1 + S);
      for (let v = 0; v < V; v++) dzBuf[dzAt + v] *= w * inv;
      dzBuf[dzAt + y] = -w * (S * inv);
      return Math.log1p(S);
    }
    let total = 0;
    for (let v = 0; v < V; v++) {
      dzBuf[dzAt + v] = this.exp(zBuf[zAt + v] - m);
      total += dzBuf[dzAt + v];
    }
    const rest = total - dzBuf[dzAt + y];
    const inv = 1 / total;
    for (let v = 0; v < V; v++) dzBuf[dzAt + v] *= w * inv;
    dzBuf[dzAt + y] = -w * (rest * inv);
    return m - zy + Math.log(total);
  }

  /** φ = softmax_l K[t_l, q] */
  private attentionForward(start: number, L: number, q: number): void {
    const { Kt, phi, V } = this;
    const tokens = this.data.tokens;
    let m = -Infinity;
    for (let l = 0; l < L; l++) m = Math.max(m, Kt[q * V + tokens[start + l]]);
    let total = 0;
    for (let l = 0; l < L; l++) {
      phi[l] = this.exp(Kt[q * V + tokens[start + l]] - m);
      total += phi[l];
    }
    for (let l = 0; l < L; l++) phi[l] /= total;
  }

  /** z = Σ_l φ_l M[:, t_l] */
  private logitsForward(start: number, L: number): void {
    const { Mt, phi, z, V } = this;
    const tokens = this.data.tokens;
    z.fill(0);
    for (let l = 0; l < L; l++) {
      const row = tokens[start + l] * V;
      for (let v = 0; v < V; v++) z[v] += phi[l] * Mt[row + v];
    }
  }

  /** dφ_l = dzᵀM[:, t_l]; ds_l = φ_l(dφ_l − Σφ_k dφ_k) centred on the most attended token; dK[t_l, q] += ds_l */
  private attentionBackward(start: number, L: number, q: number, joint: boolean): void {
    const { Mt, dKt, dMt, phi, dphi, dz, V } = this;
    const tokens = this.data.tokens;
    let ref = 0;
    for (let l = 0; l < L; l++) {
      const row = tokens[start + l] * V;
      let acc = 0;
      for (let v = 0; v < V; v++) acc += dz[v] * Mt[row + v];
      dphi[l] = acc;
      if (phi[l] > phi[ref]) ref = l;
    }
    const dref = dphi[ref];
    let c = 0;
    for (let l = 0; l < L; l++) c += phi[l] * (dphi[l] - dref);
    for (let l = 0; l < L; l++) dKt[q * V + tokens[start + l]] += phi[l] * ((dphi[l] - dref) - c);
    if (joint) {
      for (let l = 0; l < L; l++) {
        const row = tokens[start + l] * V;
        for (let v = 0; v < V; v++) dMt[row + v] += phi[l] * dz[v];
      }
    }
  }

  // ---- whole-dataset losses ----

  private stage1Loss(backward: boolean): number {
    if (this.param) return this.param.stage1Loss(backward);
    const { V, Mt, dMt, dz } = this;
    const { colX, colY } = this.data;
    const C = colX.length;
    const w = 1 / C;
    if (backward) dMt.fill(0);
    let loss = 0;
    for (let c = 0; c < C; c++) {
      const x = colX[c];
      loss += backward
        ? this.crossEntropy(Mt, x * V, dMt, x * V, colY[c], w)
        : this.crossEntropy(Mt, x * V, dz, 0, colY[c], w);
    }
    if (backward) this.gradWov();
    return loss / C;
  }

  /** π_n ℓ_n for sample n, with its backward and metrics as asked */
  sampleLoss(n: number, backward: boolean, joint: boolean, metrics: boolean): number {
    const { offsets, tokens, labels, optimal } = this.data;
    const start = offsets[n];
    const L = offsets[n + 1] - start;
    const q = tokens[start + L - 1];
    const y = labels[n];
    const w = this.weights[n];
    this.attentionForward(start, L, q);
    this.logitsForward(start, L);
    const loss = w * this.crossEntropy(this.z, 0, this.dz, 0, y, w);
    if (backward) this.attentionBackward(start, L, q, joint);
    if (metrics) this.tally.add(tokens, start, L, optimal[n], this.phi, this.z, this.V, y);
    return loss;
  }

  /**
   * Samples whose context is one token repeated have logits M[:, t] whatever K is and no
   * K-gradient: while W_ov is fixed their loss and metrics are computed once (see assembly/train.ts).
   */
  private stage2Loss(backward: boolean, joint: boolean, metrics: boolean): number {
    if (this.param) {
      const loss = this.param.stage2Loss(backward, joint, metrics);
      if (metrics) {
        this.outMinOptimal = this.param.tally.minOpt;
        this.outCorrect = this.param.tally.correct;
      }
      return loss;
    }
    if (backward) {
      this.dKt.fill(0);
      if (joint) this.dMt.fill(0);
    }
    const loss = this.fixedSum.sum(this.data, this, this.tally, backward, joint, metrics);
    if (backward) {
      this.gradWkq();
      if (joint) this.gradWov();
    }
    if (metrics) {
      this.outMinOptimal = this.tally.minOpt;
      this.outCorrect = this.tally.correct;
    }
    return loss;
  }

  kernelPass(which: number): void {
    if (this.param) return; // token-space kernels only
    const { offsets, tokens, labels, N } = this.data;
    for (let n = 0; n < N; n++) {
      const start = offsets[n];
      const L = offsets[n + 1] - start;
      const q = tokens[start + L - 1];
      if (which === 0) {
        this.attentionForward(start, L, q);
        this.logitsForward(start, L);
      } else if (which === 1) {
        this.crossEntropy(this.z, 0, this.dz, 0, labels[n], this.weights[n]);
      } else {
        this.attentionBackward(start, L, q, false);
      }
    }
  }

  evaluate(which: number, backward: boolean, metrics: boolean): number {
    this.outLoss = which === 0 ? this.stage1Loss(backward) : this.stage2Loss(backward, which === 2, metrics);
    return this.outLoss;
  }

  // ---- updates ----

  /** W ← W − η∇/‖∇‖ (or W − η∇); the gradient norm goes to outGradNorm unless the step diverged. */
  private step(W: Real, g: Real, eta: number, normalized: boolean): number {
    const status = this.weightStep.take(W, g, eta, normalized);
    if (status !== DIVERGED) this.outGradNorm = this.weightStep.norm;
    return status;
  }

  runStage1(k: number, eta: number, normalized: boolean): number {
    for (let t = 0; t < k; t++) {
      this.outSteps = t;
      this.outLoss = this.stage1Loss(true);
      if (t === 0) this.outFirstLoss = this.outLoss;
      if (!Number.isFinite(this.outLoss)) return DIVERGED;
      const status = this.step(this.WovT, this.gWovT, eta, normalized);
      if (status !== RUNNING) return status;
      this.refreshM();
    }
    this.outSteps = k;
    return RUNNING;
  }

  runStage2(k: number, eta: number, normalized: boolean): number {
    for (let t = 0; t < k; t++) {
      this.outSteps = t;
      this.outLoss = this.stage2Loss(true, false, t === 0);
      if (t === 0) this.outFirstLoss = this.outLoss;
      if (!Number.isFinite(this.outLoss)) return DIVERGED;
      const status = this.step(this.WkqT, this.gWkqT, eta, normalized);
      if (status !== RUNNING) return status;
      this.refreshK();
    }
    this.outSteps = k;
    return RUNNING;
  }

  runJoint(k: number, etaOv: number, etaKq: number, normalized: boolean): number {
    for (let t = 0; t < k; t++) {
      this.outSteps = t;
      this.outLoss = this.stage2Loss(true, true, t === 0);
      if (t === 0) this.outFirstLoss = this.outLoss;
      if (!Number.isFinite(this.outLoss)) return DIVERGED;
      const sKq = this.step(this.WkqT, this.gWkqT, etaKq, normalized);
      const gKq = this.outGradNorm;
      const sOv = this.step(this.WovT, this.gWovT, etaOv, normalized);
      if (sKq === DIVERGED || sOv === DIVERGED) return DIVERGED;
      if (sKq === OVERFLOW || sOv === OVERFLOW) return OVERFLOW;
      if (sKq === CONVERGED && sOv === CONVERGED) return CONVERGED;
      this.outGradNorm = Math.hypot(gKq, this.outGradNorm);
      this.refresh();
    }
    this.outSteps = k;
    return RUNNING;
  }
}

/** C (m×n) = A·B, A[i,p] = a[i·aRow + p·aCol], B row-major k×n */
export function gemm(c: Real, a: Real, b: Real, m: number, n: number, k: number, aRow: number, aCol: number): void {
  c.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const x = a[i * aRow + p * aCol];
      for (let j = 0; j < n; j++) c[i * n + j] += x * b[p * n + j];
    }
  }
}

/** C (m×n) = A·Bᵀ, A row-major m×k, B row-major n×k */
export function gemmNT(c: Real, a: Real, b: Real, m: number, n: number, k: number): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += a[i * k + p] * b[j * k + p];
      c[i * n + j] = acc;
    }
  }
}
