import type { BackendName, Precision } from '../../../engine/backend.js';
import { createJsCausalKernels } from './js.js';
import type { CausalKernels, CausalLayout } from './kernels.js';
import { createWasmCausalKernels } from './wasm.js';
import { createThreadedCausalKernels } from './wasm-threads.js';

/**
 * The causal transformer's kernels over an arena of `elements` values laid out as `layout`, in the
 * chosen backend and precision; the WebAssembly backend's batch gradient on `threads` threads.
 */
export async function createCausalKernels(backend: BackendName, precision: Precision, elements: number, layout: CausalLayout, threads = 1): Promise<CausalKernels> {
  if (backend === 'js') return createJsCausalKernels(precision, elements, layout);
  return threads > 1 ? createThreadedCausalKernels(precision, elements, layout, threads) : createWasmCausalKernels(precision, elements, layout);
}
