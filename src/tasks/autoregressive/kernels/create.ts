import type { BackendName, Precision } from '../../../engine/backend.js';
import { createJsCausalKernels } from './js.js';
import type { CausalKernels } from './kernels.js';
import { createWasmCausalKernels } from './wasm.js';

/** Causal attention kernels over an arena of `elements` values in the chosen backend and precision. */
export async function createCausalKernels(backend: BackendName, precision: Precision, elements: number): Promise<CausalKernels> {
  return backend === 'js' ? createJsCausalKernels(precision, elements) : createWasmCausalKernels(precision, elements);
}
