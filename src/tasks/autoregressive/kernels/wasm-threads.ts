/**
 * The causal transformer's kernels on several threads (assembly/autoregressive/parallel.ts): one
 * instance of the threaded build per thread over one shared memory. This thread's instance holds
 * the arena and runs thread 0's share; each worker runs its share into a workspace and gradient
 * of its own (a copy of the layout with its own buffers), woken through the memory with Atomics.
 * Workers start with the kernels and end with dispose().
 */
import { NtpError } from '../../../errors.js';
import type { Precision } from '../../../engine/backend.js';
import type { ThreadHandle } from '../../../engine/wasm-threads.js';
// the threaded engine is loaded when a model asks for threads: one-thread models (and bundles) never load it
const threadsEngine = () => import('../../../engine/wasm-threads.js');
import { ArenaPlan, foldedElements, type CausalKernels, type CausalLayout } from './kernels.js';
import { gradientHere, layoutFields, LAY_FIELDS, type CausalExports } from './wasm.js';
import { refuseTooLarge } from '../../../engine/limits.js';

interface ThreadedCausalExports extends CausalExports {
  causalGradientThreaded(f32: number, ctl: number): number;
  causalStopWorkers(ctl: number): void;
}

// The control block of assembly/autoregressive/parallel.ts (barrier.ts's FAILED at 20).
const FAILED = 20;
const C_THREADS = 12;
const C_SEQS = 24;
const C_COUNT = 28;
const C_SCALE = 32;
const C_DESC = 64;
const C_DESC_BYTES = 16;
/** sequences per threaded call; longer batches run in chunks (the gradient accumulates) */
const CHUNK = 4096;
const MAX_BYTES = 2 ** 32 - 2 ** 20;

/** A worker's own buffers: everything a sequence's pass writes, and its gradient with respect to MV. */
function workerLayout(L: CausalLayout, plan: ArenaPlan, dMVSize: number): CausalLayout {
  const D = 4 * L.d;
  const n2 = 2 * L.heads * D;
  const T = L.T;
  return {
    ...L,
    dMV: plan.take(dMVSize),
    E: plan.take((L.layers + 1) * T * D), EMV: plan.take(L.layers * T * n2), A: plan.take(L.layers * L.heads * T * T),
    dE: plan.take(T * D), dPrev: plan.take(T * D), dA: plan.take(T * T), dEMV: plan.take(T * n2), ET: plan.take(T * D), vT: plan.take(T * D),
  };
}

/** Kernels over an arena of `elements` values laid out as `layout`, whose batch gradient runs on `threads` ≥ 2 threads. */
export async function createThreadedCausalKernels(precision: Precision, elements: number, layout: CausalLayout, threads: number): Promise<CausalKernels> {
  const module = await (await threadsEngine()).initThreadedWasm();
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  const instance = await WebAssembly.instantiate(module, {
    env: {
      memory,
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new NtpError('wasm-abort', `WebAssembly aborted at ${line}:${col}`);
      },
    },
  });
  const ex = { ...(instance.exports as unknown as ThreadedCausalExports), memory } as ThreadedCausalExports;
  const s = precision === 'f32' ? 4 : 8;
  const f = precision === 'f32' ? 1 : 0;
  const dMVSize = foldedElements(layout);
  // the workers' buffers follow the model's arena in one allocation
  const plan = new ArenaPlan(precision);
  plan.take(elements);
  const layouts = [layout];
  for (let j = 1; j < threads; j++) layouts.push(workerLayout(layout, plan, dMVSize));
  const bytes = plan.size * s + 64;
  refuseTooLarge(`the causal transformer on ${threads} threads`, bytes, `${plan.size} numbers, ${precision}`, MAX_BYTES);
  ex.layout(0, 0, 0, 0, 0, 0, f, 1);
  const ctl = ex.scratch(C_DESC + threads * C_DESC_BYTES);
  const lays = ex.scratch(4 * LAY_FIELDS * threads);
  const seqs = ex.scratch(4 * CHUNK);
  const base = ctl && lays && seqs ? ex.scratch(bytes) : 0;
  if (base === 0) throw new NtpError('out-of-memory', `could not grow WebAssembly memory to ${(bytes / 2 ** 20).toFixed(1)} MiB`);
  const i32 = new Int32Array(memory.buffer);
  const u32 = new Uint32Array(memory.buffer);
  for (let j = 0; j < threads; j++) {
    const lay = lays + 4 * LAY_FIELDS * j;
    i32.set(layoutFields(layouts[j], base, s), lay >> 2);
    u32[(ctl + C_DESC + j * C_DESC_BYTES) >> 2] = lay;
  }
  i32[(ctl + C_THREADS) >> 2] = threads;
  u32[(ctl + C_SEQS) >> 2] = seqs;
  const f64 = new Float64Array(memory.buffer);
  const buf = precision === 'f32' ? new Float32Array(memory.buffer, base, elements) : new Float64Array(memory.buffer, base, elements);
  const p = (o: number) => base + o * s;
  const workers: ThreadHandle[] = [];
  // after dispose the kernels keep working, on this thread alone
  const stop = () => {
    if (workers.length > 0) ex.causalStopWorkers(ctl);
    for (const w of workers) w.terminate();
    workers.length = 0;
    i32[(ctl + C_THREADS) >> 2] = 1;
  };
  try {
    for (let j = 1; j < threads; j++) workers.push(await (await threadsEngine()).startWorker({ module, memory, ctl, j, loop: 'causalWorkerLoop' }));
  } catch (e) {
    stop();
    throw new NtpError('no-threads', `could not start the training threads: ${(e as Error).message}`);
  }
  return {
    backend: 'wasm',
    precision,
    buf,
    get threads() {
      return i32[(ctl + C_THREADS) >> 2];
    },
    prepare: () => ex.causalPrepare(f, lays),
    forward: (x) => ex.causalForward(f, lays, p(x)),
    gradient: (x, scale) => gradientHere(ex, f, lays, buf, layout, [x], p, scale),
    gradientBatch(xs, scale) {
      let sum = 0;
      for (let c = 0; c < xs.length; c += CHUNK) {
        const n = Math.min(CHUNK, xs.length - c);
        for (let i = 0; i < n; i++) u32[(seqs >> 2) + i] = p(xs[c + i]);
        i32[(ctl + C_COUNT) >> 2] = n;
        f64[(ctl + C_SCALE) >> 3] = scale;
        sum += ex.causalGradientThreaded(f, ctl);
        if (Atomics.load(i32, (ctl + FAILED) >> 2) !== 0) throw new NtpError('thread-failed', 'a training thread failed; the model is unusable (dispose it)');
      }
      return sum;
    },
    adam: (w, g, m, v, n, lr, b1, b2, eps, bc1, bc2) => ex.causalAdam(f, p(w), p(g), p(m), p(v), n, lr, b1, b2, eps, bc1, bc2),
    axpy: (y, a, x, n) => ex.causalAxpy(f, p(y), a, p(x), n),
    dispose: stop,
  };
}
