/**
 * The WebAssembly binding of the causal transformer's kernels (assembly/autoregressive/): one
 * instance per arena; element offsets are turned into byte addresses here, and the layout into
 * the i32 fields LAY_* that assembly/autoregressive/step.ts reads.
 */
import { NtpError } from '../../../errors.js';
import type { Precision } from '../../../engine/backend.js';
import { instantiate, type WasmExports } from '../../../engine/wasm.js';
import { foldedElements, KIND_CODE, type CausalKernels, type CausalLayout } from './kernels.js';
import { refuseTooLarge } from '../../../engine/limits.js';

/** The module's autoregressive exports (assembly/index.ts). */
export interface CausalExports extends WasmExports {
  causalPrepare(f32: number, lay: number): void;
  causalForward(f32: number, lay: number, x: number): void;
  causalGradient(f32: number, lay: number, x: number, scale: number): number;
  causalFinish(f32: number, lay: number): void;
  causalAdam(f32: number, w: number, g: number, m: number, v: number, n: number, lr: number, b1: number, b2: number, eps: number, bc1: number, bc2: number): void;
  causalAxpy(f32: number, y: number, a: number, x: number, n: number): void;
}

const MAX_BYTES = 2 ** 32 - 2 ** 20;
/** i32 fields of the layout block (LAY_FIELDS in step.ts) */
export const LAY_FIELDS = 20;

/** The layout block's fields for an arena at byte address `base` of `size`-byte values. */
export function layoutFields(L: CausalLayout, base: number, size: number): Int32Array {
  const p = (o: number) => base + o * size;
  return Int32Array.from([
    KIND_CODE[L.attention], L.d, L.T, L.layers, L.heads, L.tied ? 1 : 0,
    p(L.P), p(L.G), p(L.MV), p(L.MVT), p(L.dMV), p(L.E), p(L.EMV), p(L.A), p(L.dE), p(L.dPrev), p(L.dA), p(L.dEMV), p(L.ET), p(L.vT),
  ]);
}

/**
 * The gradient of the sequences at xs (arena offsets; `addr` gives their byte addresses) on the
 * calling thread: the batch's gradient with respect to MV from zero, then G += its Q, K, V form.
 * Returns Σ of the losses.
 */
export function gradientHere(ex: CausalExports, f: number, lay: number, buf: Float64Array | Float32Array, layout: CausalLayout, xs: ArrayLike<number>, addr: (offset: number) => number, scale: number): number {
  buf.fill(0, layout.dMV, layout.dMV + foldedElements(layout));
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += ex.causalGradient(f, lay, addr(xs[i]), scale);
  ex.causalFinish(f, lay);
  return sum;
}

export async function createWasmCausalKernels(precision: Precision, elements: number, layout: CausalLayout): Promise<CausalKernels> {
  const ex = (await instantiate()) as CausalExports;
  const s = precision === 'f32' ? 4 : 8;
  const bytes = elements * s + 64;
  refuseTooLarge('the causal transformer', bytes, `${elements} numbers, ${precision}`, MAX_BYTES);
  // an empty model layout puts the allocator past the module's static data; the arena follows
  ex.layout(0, 0, 0, 0, 0, 0, precision === 'f32' ? 1 : 0, 1);
  const lay = ex.scratch(4 * LAY_FIELDS);
  const base = lay === 0 ? 0 : ex.scratch(bytes);
  if (base === 0) throw new NtpError('out-of-memory', `could not grow WebAssembly memory to ${(bytes / 2 ** 20).toFixed(1)} MiB`);
  new Int32Array(ex.memory.buffer, lay, LAY_FIELDS).set(layoutFields(layout, base, s));
  const buf = precision === 'f32' ? new Float32Array(ex.memory.buffer, base, elements) : new Float64Array(ex.memory.buffer, base, elements);
  const f = precision === 'f32' ? 1 : 0;
  const p = (o: number) => base + o * s;
  const batch = (xs: ArrayLike<number>, scale: number): number => gradientHere(ex, f, lay, buf, layout, xs, p, scale);
  return {
    backend: 'wasm',
    precision,
    buf,
    threads: 1,
    prepare: () => ex.causalPrepare(f, lay),
    forward: (x) => ex.causalForward(f, lay, p(x)),
    gradient: (x, scale) => batch([x], scale),
    gradientBatch: batch,
    dispose() {},
    adam: (w, g, m, v, n, lr, b1, b2, eps, bc1, bc2) => ex.causalAdam(f, p(w), p(g), p(m), p(v), n, lr, b1, b2, eps, bc1, bc2),
    axpy: (y, a, x, n) => ex.causalAxpy(f, p(y), a, p(x), n),
  };
}
