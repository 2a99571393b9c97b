import type { BackendName, Precision } from '../../../engine/backend.js';
import { createJsCausalKernels } from './js.js';
import type { CausalKernels, CausalLayout } from './kernels.js';
import { createWasmCausalKernels } from './wasm.js';

/** The causal transformer's kernels over an arena of `elements` values laid out as `layout`, in the chosen backend and precision. */
export async function createCausalKernels(backend: BackendName, precision: Precision, elements: number, layout: CausalLayout): Promise<CausalKernels> {
  return backend === 'js' ? createJsCausalKernels(precision, elements, layout) : createWasmCausalKernels(precision, elements, layout);
}
