// The autoregressive family (Sander & Peyré 2024, a reconstruction) in the lab: a causal
// transformer trained on in-context autoregressive sequences, its in-context error curve e(t)
// beside causal kernel descent (CKD) and least squares on the same test sequences,
// docs/theory/autoregressive.md. The lab's only contact with the family's API: the page and
// family-worker.ts import this module.
import { autoregressive } from 'ntp-dynamics';
import type { RunHooks } from '../family-protocol.js';

export type AutoregressiveSettings = autoregressive.AutoregressiveTrainOptions & { every: number };
export type AutoregressiveRecord = autoregressive.TrainRecordAR;

export interface AutoregressiveResult {
  status: autoregressive.AutoregressiveTrainResult['status'];
  steps: number;
  /** e(t), t = 1 … T, of the trained model, of CKD in its Kaczmarz limit (η = 1), and of least squares */
  curves: { model: autoregressive.ErrorCurve; ckd: autoregressive.ErrorCurve; leastSquares: autoregressive.ErrorCurve };
  /** the CKD kernel matching the attention (linear attention: linear kernel; exp and softmax: exp) */
  kernel: autoregressive.KernelName;
  /** threads the steps ran on */
  threads: number;
}

export const EXAMPLES: Readonly<Record<string, { label: string; settings: AutoregressiveSettings }>> = {
  haar: { label: 'Haar rotations, d = 3, T = 20, linear attention (the defaults)', settings: { process: 'haar', d: 3, length: 20, attention: 'linear', layers: 2, heads: 2, steps: 300, every: 10 } },
  periodic: { label: 'periodic sequences, period 3, exp attention', settings: { process: 'periodic', d: 3, length: 20, period: 3, attention: 'exp', layers: 2, heads: 2, steps: 300, every: 10 } },
};

export const DEFAULT_EXAMPLE = 'haar';

/** Trains the transformer (pausing at records when asked), then measures the three predictors on its test set. */
export async function run(s: AutoregressiveSettings, hooks: RunHooks<AutoregressiveRecord>): Promise<AutoregressiveResult> {
  const { every, ...config } = s;
  const r = await autoregressive.trainAutoregressive(config, every, (rec) => {
    hooks.record(rec);
    hooks.checkpoint();
  });
  const kernel: autoregressive.KernelName = r.config.attention === 'linear' ? 'linear' : 'exp';
  const ckd = autoregressive.errorCurve((x, d, T) => autoregressive.ckdPredictions(x, d, T, { kernel, depth: Infinity, eta: 1 }), r.test);
  const leastSquares = autoregressive.errorCurve(autoregressive.leastSquaresPredictions, r.test);
  return { status: r.status, steps: r.steps, curves: { model: r.curve, ckd, leastSquares }, kernel, threads: r.threads };
}
