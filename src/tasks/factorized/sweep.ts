import type { SweepFamily } from '../family.js';
import { LOCAL_CONVERGENCE_OPTIONS, runLocalConvergence, validateLocalConvergence } from './local-convergence.js';

/**
 * The factorized-attention family for the sweep engine: one run is the peer's local-convergence
 * experiment on one random instance (docs/theory/factorized.md#local-convergence), W and (K, Q) side by side against their local
 * Frobenius and nuclear SVMs. Records carry `W.*` and `KQ.*` metrics (B1–B6).
 */
export const factorizedFamily: SweepFamily = {
  name: 'factorized',
  options: LOCAL_CONVERGENCE_OPTIONS,
  validate(config) {
    validateLocalConvergence(config);
  },
  async run(config, every) {
    return runLocalConvergence(config, every);
  },
};
