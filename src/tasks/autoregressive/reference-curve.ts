/**
 * The error curve e(t) of a reference predictor on generated sequences: causal kernel descent at
 * a depth (or its Kaczmarz limit), in-context least squares, or CKD computed by its transformer
 * realisation. What `ntp autoregressive reference` and `autoregressive.reference()` run.
 */
import type { RunStatus } from '../../family/result.js';
import { createCkdTransformer, constantSquaredNorm } from './construction.js';
import { generateSequences, type Sequences } from './data.js';
import { curveFromPredictions, errorCurve, type CurveStatus, type ErrorCurve } from './metrics.js';
import type { ResolvedReferenceOptions } from './options.js';
import { checkKernelInputs, ckdPredictions, leastSquaresPredictions, type KernelName } from './references.js';
import type { CausalTransformer } from './transformer.js';

/** What `reference` returns. */
export interface ReferenceResult {
  reconstruction: 'R-C';
  /** `overflow` when a prediction left float64's range; a transient finite-depth growth is `completed` with `curveStatus: 'unstable'` */
  status: Extract<RunStatus, 'completed' | 'overflow'>;
  config: ResolvedReferenceOptions;
  /** mean ‖u_t − x_{t+1}‖, t = 1 … T (null where it overflowed) */
  errors: (number | null)[];
  /** e(t) = mean ‖u_t − x_{t+1}‖² */
  squaredErrors: (number | null)[];
  curveStatus: CurveStatus;
  firstUnstable: number | null;
}

async function transformerCurve(data: Sequences, kernel: KernelName, depth: number, eta: number): Promise<ErrorCurve> {
  const preds: Float64Array[] = [];
  const T = data.L - 1;
  const models = new Map<number, CausalTransformer>();
  for (let s = 0; s < data.S; s++) {
    const x = data.x.subarray(s * data.L * data.d, (s + 1) * data.L * data.d);
    const label = `sequence ${s + 1}`;
    checkKernelInputs(x, data.d, T, kernel, label);
    const n2 = constantSquaredNorm(x, data.d, T, label);
    let model = models.get(n2);
    if (!model) {
      model = await createCkdTransformer(data.d, T, n2, { kernel, depth, eta, backend: 'wasm' });
      models.set(n2, model);
    }
    preds.push(model.predict(x));
  }
  return curveFromPredictions(preds, data);
}

/** The error curve of the predictor `o.method` on `o.sequences` generated sequences. */
export async function referenceCurve(o: ResolvedReferenceOptions): Promise<ReferenceResult> {
  const data = generateSequences({ family: o.process, theta: o.theta, d: o.d, period: o.period, length: o.length, sequences: o.sequences, start: o.start, seed: o.seed });
  const depth = o.depth ?? Infinity;
  const curve =
    o.method === 'ls'
      ? errorCurve(leastSquaresPredictions, data)
      : o.method === 'ckd'
        ? errorCurve((x, d, T) => ckdPredictions(x, d, T, { kernel: o.kernel, depth, eta: o.eta }), data)
        : await transformerCurve(data, o.kernel, depth, o.eta);
  return {
    reconstruction: 'R-C',
    status: curve.status === 'overflow' ? 'overflow' : 'completed',
    config: o,
    errors: curve.norm,
    squaredErrors: curve.squared,
    curveStatus: curve.status,
    firstUnstable: curve.firstUnstable,
  };
}
