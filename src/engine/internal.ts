import { NtpError } from '../errors.js';
import type { Model } from './backend.js';
import { ModelBase, type Kernels, type ModelInternals } from './model-base.js';

/** A model's buffers and kernels, for layers built on it (src/tasks/factorized/model.ts); not public API. */
export function internalsOf(model: Model): ModelInternals {
  if (!(model instanceof ModelBase)) throw new NtpError('invalid-option', `the model (backend ${JSON.stringify(model.backend)}) was not built by createEngineModel`);
  return ModelBase.internals(model);
}

/** A model's kernel entry points, for the benchmarks and kernel-level tests; not public API. */
export function kernelsOf(model: Model): Kernels {
  return internalsOf(model).kernels;
}
