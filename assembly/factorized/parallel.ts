// The factorized steps with the model's loss and gradient pass split across threads (threaded
// build only): the pass is the core model's (assembly/parallel-train.ts stage2LossThreaded, whole
// queries per thread), the factor products and updates run on the coordinator. So stage-2 steps
// repeat one thread's bits exactly, and joint steps agree with one thread up to the thread-order
// sum of the workers' dM partials (repeatable for a given thread count). Host:
// src/tasks/factorized/model.ts.

import { outSteps } from '../state';
import { RUNNING } from '../train';
import { stage2LossThreaded, FAILED_LOSS, THREAD_FAILED } from '../parallel-train';
import { factorPenalty, factorProductBackward, factorizedUpdate } from './steps';

/** factorizedSteps (steps.ts) over the thread control block at ctl; THREAD_FAILED if a worker failed. */
export function parallelFactorizedSteps<T>(
  ctl: usize, k: i32, etaOv: f64, etaKq: f64, normalized: bool, joint: bool, lambda: f64,
  K: usize, Q: usize, gK: usize, gQ: usize, m: i32,
): i32 {
  for (let t = 0; t < k; t++) {
    outSteps = t;
    const pass = stage2LossThreaded<T>(ctl, joint, t == 0);
    if (pass == FAILED_LOSS) return THREAD_FAILED;
    const loss = pass + factorPenalty<T>(K, Q, m, lambda);
    factorProductBackward<T>(K, Q, gK, gQ, m, lambda);
    const status = factorizedUpdate<T>(t, loss, etaOv, etaKq, normalized, joint, K, Q, gK, gQ, m);
    if (status != RUNNING) return status;
  }
  outSteps = k;
  return RUNNING;
}
