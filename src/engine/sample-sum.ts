/**
 * The stage-2 loss of the TypeScript backends (token space `js.ts`, parameter space `js-param.ts`)
 * as a sum over samples, with what both keep beside it: the metrics tally, and the fixed samples'
 * share computed once while W_ov stays fixed (a sample whose context repeats one token has
 * logits M[:, t] whatever W_kq is).
 */
import type { PackedData } from './packed.js';

/** A pass's metrics: the least attention mass on an optimal token, and the samples predicted right. */
export class SampleTally {
  minOpt = 1;
  correct = 0;

  reset(): void {
    this.minOpt = 1;
    this.correct = 0;
  }

  /** Sample at `start` (L tokens) with attention `phi`, logits `z` over V tokens and label y. */
  add(tokens: Int32Array, start: number, L: number, optimal: number, phi: ArrayLike<number>, z: ArrayLike<number>, V: number, y: number): void {
    if (optimal >= 0) {
      let mass = 0;
      for (let l = 0; l < L; l++) if (tokens[start + l] === optimal) mass += phi[l];
      this.minOpt = Math.min(this.minOpt, mass);
    }
    let strict = true;
    for (let v = 0; v < V; v++) if (v !== y && z[v] >= z[y]) strict = false;
    if (strict) this.correct++;
  }
}

/** What a backend's pass is made of: one sample's π_n ℓ_n, with its backward and metrics as asked. */
export interface SampleLosses {
  sampleLoss(n: number, backward: boolean, joint: boolean, metrics: boolean): number;
}

/** Σ_n π_n ℓ_n with the fixed samples' share (and tally) cached until {@link invalidate}. */
export class FixedSampleSum {
  private valid = false;
  private loss = 0;
  private minOpt = 1;
  private correct = 0;

  /** after every change of W_ov */
  invalidate(): void {
    this.valid = false;
  }

  /** The pass's loss; `tally` is reset and holds the pass's metrics. A joint pass recomputes every sample. */
  sum(data: Pick<PackedData, 'fixed' | 'N'>, source: SampleLosses, tally: SampleTally, backward: boolean, joint: boolean, metrics: boolean): number {
    const { fixed, N } = data;
    tally.reset();
    let loss = 0;
    const reuse = !joint;
    if (reuse) {
      if (!this.valid) {
        this.loss = 0;
        for (let n = 0; n < N; n++) if (fixed[n]) this.loss += source.sampleLoss(n, false, false, true);
        this.minOpt = tally.minOpt;
        this.correct = tally.correct;
        this.valid = true;
      }
      loss = this.loss;
      tally.minOpt = this.minOpt;
      tally.correct = this.correct;
    }
    for (let n = 0; n < N; n++) {
      if (reuse && fixed[n]) continue;
      loss += source.sampleLoss(n, backward, joint, metrics);
    }
    return loss;
  }
}
