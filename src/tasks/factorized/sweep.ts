import type { SweepFamily } from '../../family/sweep-family.js';
import { runLocalConvergence, validateLocalConvergence } from './local-convergence.js';
import { objectArg } from '../../api/arguments.js';
import { checkPlan } from '../../family/limits.js';
import { LOCAL_RUN_OPTIONS, localRunBytes, type LocalRunOptions } from './options.js';

/** A sweep config with the old key `lr` read as `eta` (for one release, as the CLI's `--lr`). */
function renamed(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (!Object.hasOwn(config, 'lr')) return { ...config };
  const { lr, ...rest } = config;
  return rest.eta === undefined ? { ...rest, eta: lr } : { ...rest, lr };
}

/**
 * The factorized-attention family for the sweep engine: one run is their local-convergence
 * experiment on one random instance (docs/theory/factorized.md#local-convergence), W and (K, Q)
 * side by side against their local Frobenius and nuclear SVMs. Records carry `W.*` and `KQ.*`
 * metrics; a run ends `completed`, `converged` (every gradient exactly 0) or `diverged`.
 */
export const factorizedFamily: SweepFamily = {
  name: 'factorized',
  // `lr`: the old name of `eta`, read for one release
  options: [...Object.keys(LOCAL_RUN_OPTIONS), 'lr'],
  validate(config) {
    objectArg(config, 'factorizedFamily.validate(config): config');
    const c = validateLocalConvergence(renamed(config));
    // the record interval is the sweep's, unknown here: the plan counts the instance and the local SVMs
    checkPlan({ bytes: localRunBytes(c, c.steps), sizes: { n: c.n, T: c.T, d: c.d } }, 'a factorized run');
  },
  async run(config, every) {
    objectArg(config, 'factorizedFamily.run(config, every): config');
    return runLocalConvergence(renamed(config) as LocalRunOptions, every);
  },
};
