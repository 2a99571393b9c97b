import { instantiate, type WasmExports } from '../../engine/wasm.js';
import type { ThreadHandle } from '../../engine/wasm-threads.js';
// the threaded engine is loaded when a model asks for threads: one-thread models (and bundles) never load it
const threadsEngine = () => import('../../engine/wasm-threads.js');
import { NtpError } from '../../errors.js';
import type { RecallBackend, RecallShape, RecallTensor } from './backend.js';
import { EVAL_FIELDS } from './kernels/step.js';
import { refuseTooLarge } from '../../engine/limits.js';

/** The recall kernels of assembly/index.ts. */
interface RecallExports extends WasmExports {
  recallScratchBytes(N: number, H: number, f32: number): number;
  recallForwardBackward(f32: number, sigma: number, kappa: number, useF: number, N: number, H: number, B: number, tokens: number, targets: number, W: number, V: number, F: number, gW: number, gV: number, gF: number, scratch: number): number;
  recallEvaluate(f32: number, sigma: number, kappa: number, useF: number, N: number, H: number, B: number, tokens: number, targets: number, outputs: number, tau: number, W: number, V: number, F: number, scratch: number, out: number): void;
  recallNgd(f32: number, w: number, g: number, n: number, eta: number): number;
}

/** The threaded build's recall exports (assembly/index-threads.ts, assembly/recall/parallel.ts). */
interface ThreadedRecallExports extends RecallExports {
  recallForwardBackwardThreaded(f32: number, ctl: number): number;
  recallStopWorkers(ctl: number): void;
}

// The control block of assembly/recall/parallel.ts (barrier.ts's FAILED at 20).
const FAILED = 20;
const C = { THREADS: 12, SIGMA: 24, KAPPA: 28, USE_F: 32, N: 36, H: 40, B: 44, TOKENS: 48, TARGETS: 52, W: 56, V: 60, F: 64, TRAINS: 68, DESC: 128, DESC_BYTES: 32 };

/** An instance of the threaded build over a new shared memory. */
async function instantiateThreaded(): Promise<{ ex: ThreadedRecallExports; module: WebAssembly.Module; memory: WebAssembly.Memory }> {
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
  return { ex: { ...(instance.exports as unknown as ThreadedRecallExports), memory }, module, memory };
}

/**
 * The WebAssembly backend: a fresh instance per model, its buffers carved with `scratch` past a
 * minimal layout of the core model's state (which this family does not use). With threads > 1,
 * an instance of the threaded build whose forward and backward split the batch's sentences
 * across `threads` threads (assembly/recall/parallel.ts), each worker with gradients and scratch
 * of its own.
 */
export async function createWasmBackend(shape: RecallShape, maxBatch: number, threads = 1): Promise<RecallBackend> {
  const threaded = threads > 1 ? await instantiateThreaded() : null;
  const ex = threaded ? threaded.ex : ((await instantiate()) as RecallExports);
  const { N, H, f32 } = shape;
  const s = f32 ? 4 : 8;
  const n2 = 2 * N;
  const perWorker = s * (n2 * n2 + 2 * N * n2) + ex.recallScratchBytes(N, H, f32 ? 1 : 0) + 64;
  const bytes = s * (2 * n2 * n2 + 4 * N * n2) + 4 * (maxBatch * H + 2 * maxBatch) + 8 * maxBatch * EVAL_FIELDS.length + ex.recallScratchBytes(N, H, f32 ? 1 : 0) + (threads - 1) * perWorker;
  refuseTooLarge('the recall model', bytes, `N = ${N}, H = ${H}, batch ${maxBatch}, ${threads} thread${threads > 1 ? 's' : ''}`, 2 ** 31);
  if (ex.layout(1, 1, 1, 1, 1, 1, f32 ? 1 : 0, 1) === 0) throw new NtpError('out-of-memory', 'could not lay out WebAssembly memory');
  const take = (n: number): number => {
    const p = ex.scratch(n);
    if (p === 0) throw new NtpError('out-of-memory', `could not grow WebAssembly memory by ${n} bytes`);
    return p;
  };
  const p = {
    W: take(s * n2 * n2), V: take(s * N * n2), F: take(s * N * n2),
    gW: take(s * n2 * n2), gV: take(s * N * n2), gF: take(s * N * n2),
    tokens: take(4 * maxBatch * H), targets: take(4 * maxBatch), outputs: take(4 * maxBatch),
    out: take(8 * maxBatch * EVAL_FIELDS.length), scratch: take(ex.recallScratchBytes(N, H, f32 ? 1 : 0)),
  };
  const ctl = threaded ? take(C.DESC + threads * C.DESC_BYTES) : 0;
  const desc = [[p.gW, p.gV, p.gF, p.scratch]];
  for (let j = 1; j < threads; j++) desc.push([take(s * n2 * n2), take(s * N * n2), take(s * N * n2), take(ex.recallScratchBytes(N, H, f32 ? 1 : 0))]);
  // views are made after every allocation: growing the memory detaches earlier views
  const buf = ex.memory.buffer;
  const R = f32 ? Float32Array : Float64Array;
  const W = new R(buf, p.W, n2 * n2);
  const V = new R(buf, p.V, N * n2);
  const F = new R(buf, p.F, N * n2);
  const gW = new R(buf, p.gW, n2 * n2);
  const gV = new R(buf, p.gV, N * n2);
  const gF = new R(buf, p.gF, N * n2);
  // a pooled instance's memory holds an earlier model's numbers: every model starts from zero init
  for (const a of [W, V, F, gW, gV, gF]) a.fill(0);
  const out = new Float64Array(buf, p.out, maxBatch * EVAL_FIELDS.length);
  const fl = f32 ? 1 : 0;
  const useF = shape.useF ? 1 : 0;
  const pairs = { W: [p.W, p.gW, n2 * n2], V: [p.V, p.gV, N * n2], F: [p.F, p.gF, N * n2] } as const;
  let forwardBackward: RecallBackend['forwardBackward'] = (B, w, v, f) =>
    ex.recallForwardBackward(fl, shape.sigma, shape.kappa, useF, N, H, B, p.tokens, p.targets, p.W, p.V, p.F, w ? p.gW : 0, v ? p.gV : 0, f ? p.gF : 0, p.scratch);
  const workers: ThreadHandle[] = [];
  let dispose = () => {};
  if (threaded) {
    const tx = ex as ThreadedRecallExports;
    const i32 = new Int32Array(buf);
    const u32 = new Uint32Array(buf);
    const put = (field: number, v: number) => (i32[(ctl + field) >> 2] = v);
    put(C.THREADS, threads); put(C.SIGMA, shape.sigma); put(C.KAPPA, shape.kappa); put(C.USE_F, useF); put(C.N, N); put(C.H, H);
    u32.set([p.tokens, p.targets, p.W, p.V, p.F], (ctl + C.TOKENS) >> 2);
    for (let j = 0; j < threads; j++) u32.set(desc[j], (ctl + C.DESC + j * C.DESC_BYTES) >> 2);
    // after dispose the backend keeps working, on this thread alone
    dispose = () => {
      if (workers.length > 0) tx.recallStopWorkers(ctl);
      for (const w of workers) w.terminate();
      workers.length = 0;
      put(C.THREADS, 1);
    };
    try {
      for (let j = 1; j < threads; j++) workers.push(await (await threadsEngine()).startWorker({ module: threaded.module, memory: threaded.memory, ctl, j, loop: 'recallWorkerLoop' }));
    } catch (e) {
      dispose();
      throw new NtpError('no-threads', `could not start the training threads: ${(e as Error).message}`);
    }
    forwardBackward = (B, w, v, f) => {
      put(C.B, B);
      put(C.TRAINS, (w ? 1 : 0) | (v ? 2 : 0) | (f ? 4 : 0));
      const loss = tx.recallForwardBackwardThreaded(fl, ctl);
      if (Atomics.load(i32, (ctl + FAILED) >> 2) !== 0) throw new NtpError('thread-failed', 'a training thread failed; the model is unusable (dispose it)');
      return loss;
    };
  }
  return {
    name: 'wasm',
    get threads() {
      return threaded ? new Int32Array(buf)[(ctl + C.THREADS) >> 2] : 1;
    },
    dispose: () => dispose(),
    W, V, F, gW, gV, gF,
    tokens: new Int32Array(buf, p.tokens, maxBatch * H),
    targets: new Int32Array(buf, p.targets, maxBatch),
    outputs: new Int32Array(buf, p.outputs, maxBatch),
    maxBatch,
    forwardBackward: (B, w, v, f) => forwardBackward(B, w, v, f),
    evaluate(B) {
      ex.recallEvaluate(fl, shape.sigma, shape.kappa, useF, N, H, B, p.tokens, p.targets, p.outputs, shape.tau, p.W, p.V, p.F, p.scratch, p.out);
      return out.subarray(0, B * EVAL_FIELDS.length);
    },
    ngd(which: RecallTensor, eta: number) {
      const [w, g, n] = pairs[which];
      return ex.recallNgd(fl, w, g, n, eta);
    },
  };
}
