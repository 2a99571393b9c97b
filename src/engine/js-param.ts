import type { Real } from './model-base.js';
import type { PackedData } from './packed.js';
import { FixedSampleSum, SampleTally } from './sample-sum.js';

/**
 * The js backend's model in parameter space (see assembly/param-space.ts): W_ov (|V|×d) and W_kq
 * (d×d) act on the embeddings x_t, and no |V|×|V| matrix is formed. Per sample with query q:
 * u = W_kq x_q, s_l = x_{t_l}·u, φ = softmax(s), h = Σ_l φ_l x_{t_l}, z = W_ov h; backward
 * dh = W_ovᵀ dz, dφ_l = x_{t_l}·dh, ∂L/∂u_q += Σ_l ds_l x_{t_l}, ∇W_ov += dz hᵀ, and at the end
 * ∇W_kq = Σ_q (∂L/∂u_q) x_qᵀ. Sample by sample, written to be read; memory O(|V|·d).
 */
export class JsParamSpace {
  /** Eᵀ: row t is x_t */
  private readonly ET: Real;
  /** row q is (W_kq x_q)ᵀ */
  private readonly U: Real;
  /** row q is ∂L/∂u_q */
  private readonly gU: Real;
  private readonly h: Real;
  private readonly dh: Real;
  private readonly g: Real;
  private readonly z: Real;
  private readonly dz: Real;
  private readonly phi: Real;
  private readonly dphi: Real;
  /** metrics of the last pass */
  readonly tally = new SampleTally();
  private readonly fixedSum = new FixedSampleSum();

  constructor(
    private readonly data: PackedData,
    private readonly V: number,
    private readonly d: number,
    E: Real,
    private readonly weights: Real,
    private readonly WovT: Real,
    private readonly WkqT: Real,
    private readonly gWovT: Real,
    private readonly gWkqT: Real,
    R: Float64ArrayConstructor | Float32ArrayConstructor,
    /** cross-entropy of z for label y with weight w into dz (JsKernels.crossEntropy) */
    private readonly crossEntropy: (z: Real, dz: Real, y: number, w: number) => number,
    private readonly exp: (x: number) => number,
  ) {
    this.ET = new R(V * d);
    for (let a = 0; a < d; a++) for (let t = 0; t < V; t++) this.ET[t * d + a] = E[a * V + t];
    this.U = new R(V * d);
    this.gU = new R(V * d);
    this.h = new R(d);
    this.dh = new R(d);
    this.g = new R(d);
    this.z = new R(V);
    this.dz = new R(V);
    this.phi = new R(data.maxLength);
    this.dphi = new R(data.maxLength);
  }

  /** after every change of W_ov: the fixed samples' cached loss is stale */
  refreshM(): void {
    this.fixedSum.invalidate();
  }

  /** U[q] = W_kq x_q, after every change of W_kq */
  refreshK(): void {
    const { ET, U, WkqT, V, d } = this;
    for (let q = 0; q < V; q++) {
      for (let i = 0; i < d; i++) {
        let acc = 0;
        for (let j = 0; j < d; j++) acc += ET[q * d + j] * WkqT[j * d + i];
        U[q * d + i] = acc;
      }
    }
  }

  /** z = W_ov h */
  private logits(): void {
    const { WovT, h, z, V, d } = this;
    z.fill(0);
    for (let a = 0; a < d; a++) for (let v = 0; v < V; v++) z[v] += h[a] * WovT[a * V + v];
  }

  /** ∇W_ovᵀ += h dzᵀ */
  private accumulateWov(): void {
    const { gWovT, h, dz, V, d } = this;
    for (let a = 0; a < d; a++) for (let v = 0; v < V; v++) gWovT[a * V + v] += h[a] * dz[v];
  }

  stage1Loss(backward: boolean): number {
    const { colX, colY } = this.data;
    const C = colX.length;
    if (backward) this.gWovT.fill(0);
    let loss = 0;
    for (let c = 0; c < C; c++) {
      for (let a = 0; a < this.d; a++) this.h[a] = this.ET[colX[c] * this.d + a];
      this.logits();
      loss += this.crossEntropy(this.z, this.dz, colY[c], 1 / C);
      if (backward) this.accumulateWov();
    }
    return loss / C;
  }

  /** π_n ℓ_n of sample n, with its backward and metrics as asked */
  sampleLoss(n: number, backward: boolean, joint: boolean, metrics: boolean): number {
    const { ET, U, gU, h, dh, g, z, dz, phi, dphi, WovT, V, d } = this;
    const { offsets, tokens, labels, optimal } = this.data;
    const start = offsets[n];
    const L = offsets[n + 1] - start;
    const q = tokens[start + L - 1];
    const y = labels[n];
    const w = this.weights[n];
    let m = -Infinity;
    for (let l = 0; l < L; l++) {
      const t = tokens[start + l];
      let s = 0;
      for (let a = 0; a < d; a++) s += ET[t * d + a] * U[q * d + a];
      phi[l] = s;
      m = Math.max(m, s);
    }
    let total = 0;
    for (let l = 0; l < L; l++) {
      phi[l] = this.exp(phi[l] - m);
      total += phi[l];
    }
    for (let l = 0; l < L; l++) phi[l] /= total;
    h.fill(0);
    for (let l = 0; l < L; l++) for (let a = 0; a < d; a++) h[a] += phi[l] * ET[tokens[start + l] * d + a];
    this.logits();
    const loss = w * this.crossEntropy(z, dz, y, w);
    if (backward) {
      for (let a = 0; a < d; a++) {
        let acc = 0;
        for (let v = 0; v < V; v++) acc += WovT[a * V + v] * dz[v];
        dh[a] = acc;
      }
      let ref = 0;
      for (let l = 0; l < L; l++) {
        let acc = 0;
        for (let a = 0; a < d; a++) acc += ET[tokens[start + l] * d + a] * dh[a];
        dphi[l] = acc;
        if (phi[l] > phi[ref]) ref = l;
      }
      // centred on the most attended token, as in token space
      const dref = dphi[ref];
      let c = 0;
      for (let l = 0; l < L; l++) c += phi[l] * (dphi[l] - dref);
      g.fill(0);
      for (let l = 0; l < L; l++) {
        const ds = phi[l] * ((dphi[l] - dref) - c);
        for (let a = 0; a < d; a++) g[a] += ds * ET[tokens[start + l] * d + a];
      }
      for (let a = 0; a < d; a++) gU[q * d + a] += g[a];
      if (joint) this.accumulateWov();
    }
    if (metrics) this.tally.add(tokens, start, L, optimal[n], phi, z, V, y);
    return loss;
  }

  /** L = Σ_n π_n ℓ_n with ∇W_kq (and ∇W_ov when `joint`); the fixed samples reused while W_ov is fixed */
  stage2Loss(backward: boolean, joint: boolean, metrics: boolean): number {
    if (backward) {
      this.gU.fill(0);
      if (joint) this.gWovT.fill(0);
    }
    const loss = this.fixedSum.sum(this.data, this, this.tally, backward, joint, metrics);
    if (backward) {
      const { ET, gU, gWkqT, V, d } = this;
      // ∇W_kqᵀ[j][i] = Σ_q x_q[j] gU_q[i]
      gWkqT.fill(0);
      for (let q = 0; q < V; q++) for (let j = 0; j < d; j++) for (let i = 0; i < d; i++) gWkqT[j * d + i] += ET[q * d + j] * gU[q * d + i];
    }
    return loss;
  }
}
