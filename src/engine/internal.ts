import type { Model } from './backend.js';
import type { Kernels } from './model-base.js';

/** A model's kernel entry points, for the benchmarks and kernel-level tests; not public API. */
export function kernelsOf(model: Model): Kernels {
  return (model as unknown as { kernels: Kernels }).kernels;
}
