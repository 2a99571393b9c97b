// Models that train on several threads: one instance of the threaded build (asconfig.json target
// `threads`) per thread over one shared WebAssembly.Memory. The coordinating instance (this
// thread's) lays the model out as WasmModel does and runs the step loops; each worker adopts
// its layout and runs its share of every pass (assembly/parallel-train.ts), woken through the
// memory with Atomics, never by messages. Workers start with the model and end with dispose().
import { NtpError } from '../errors.js';
import type { Precision } from './backend.js';
import { makeEmbedding, type Embedding } from './embedding.js';
import type { PackedData } from './packed.js';
import { planThreads, type ThreadShare } from './thread-plan.js';
import { isNode } from './threads.js';
import { tinyProblem, WARM_STEPS } from './warm-up.js';
import { decodeBase64, reservationError, WasmModel, wasmBytes, type WasmExports } from './wasm.js';
import { wasmThreadsBase64 } from './wasm-threads-embedded.js';
import type { Space } from './space.js';

/** The threaded build's exports beyond WasmExports (assembly/index-threads.ts). */
interface ThreadedExports extends WasmExports {
  describeLayout(p: number): void;
  runStage1Threaded(ctl: number, k: number, eta: number, normalized: number): number;
  runStage2Threaded(ctl: number, k: number, eta: number, normalized: number): number;
  runJointThreaded(ctl: number, k: number, etaOv: number, etaKq: number, normalized: number): number;
  stopWorkers(ctl: number): void;
}

// Offsets of the control block, as in assembly/barrier.ts and assembly/parallel-train.ts.
const FAILED = 20;
const THREADS = 12;
const LOSS_OF = 16;
const LAYOUT = 64;
const DESCRIPTORS = 256;
const DESCRIPTOR_BYTES = 128;
const PARTIAL_M = 48;
const SCRATCH = 52;
/** Step-loop status of a failed worker (assembly/parallel-train.ts THREAD_FAILED). */
const THREAD_FAILED = 4;

let compiled: Promise<WebAssembly.Module> | null = null;

/** Compiles the threaded build once per thread that coordinates; workers receive the compiled module. */
export function initThreadedWasm(): Promise<WebAssembly.Module> {
  if (!compiled) {
    compiled = WebAssembly.compile(decodeBase64(wasmThreadsBase64)).catch((e: unknown) => {
      compiled = null;
      throw new NtpError('no-threads', `this runtime cannot compile the threaded WebAssembly (it needs SIMD and threads): ${(e as Error).message}`);
    });
  }
  return compiled;
}

/**
 * A worker's whole program, the same text for Node (`eval`) and browsers (a Blob URL): it
 * instantiates the module over the shared memory, adopts the coordinator's layout (core models,
 * which pass `scratch`), says it is ready and runs the export `loop` (default workerLoop) until
 * told to quit. A throw inside the loop marks the control block
 * failed and counts the worker out, so the coordinator returns instead of waiting forever.
 */
const WORKER_SOURCE = `'use strict';
const run = (data, post) => {
  const { module, memory, ctl, j, scratch, loop } = data;
  let ex;
  try {
    ex = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('WebAssembly aborted'); } } }).exports;
    if (scratch) ex.adoptLayout(ctl + ${LAYOUT}, scratch[0], scratch[1], scratch[2], scratch[3]);
  } catch (e) {
    post({ error: String((e && e.message) || e) });
    return;
  }
  post({ ready: true });
  try {
    ex[loop || 'workerLoop'](ctl, j);
  } catch (e) {
    const a = new Int32Array(memory.buffer);
    Atomics.store(a, (ctl + ${FAILED}) >> 2, 1);
    if (Atomics.sub(a, (ctl + 4) >> 2, 1) === 1) Atomics.notify(a, (ctl + 4) >> 2);
    post({ error: String((e && e.message) || e) });
  }
};
if (typeof require === 'function') {
  const { parentPort, workerData } = require('node:worker_threads');
  run(workerData, (m) => parentPort.postMessage(m));
} else {
  self.onmessage = (e) => run(e.data, (m) => self.postMessage(m));
}
`;

/** A started worker: how to end it. */
export interface ThreadHandle {
  terminate(): void;
}

/** What a worker runs: thread j of the control block at ctl, in the threaded build over `memory`. */
export interface WorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctl: number;
  j: number;
  /** a core model's per-worker scratch (adoptLayout); absent for the families' kernels */
  scratch?: number[];
  /** the export the worker runs (default workerLoop) */
  loop?: string;
}

/** Starts one worker and resolves once it is ready (has adopted the layout, if any). */
export async function startWorker(data: WorkerData): Promise<ThreadHandle> {
  if (isNode()) {
    // a specifier in a variable, so that bundlers for the browser leave it alone
    const specifier = 'node:worker_threads';
    const { Worker } = (await import(/* @vite-ignore */ specifier)) as typeof import('node:worker_threads');
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: data });
    try {
      await new Promise<void>((resolve, reject) => {
        w.once('message', (m: { ready?: boolean; error?: string }) => (m.ready ? resolve() : reject(new Error(m.error))));
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`worker exited with code ${code}`)));
      });
    } catch (e) {
      void w.terminate();
      throw e;
    }
    // a model never disposed must not keep the process alive
    w.unref();
    return { terminate: () => void w.terminate() };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new Worker(url);
  try {
    await new Promise<void>((resolve, reject) => {
      w.onmessage = (e: MessageEvent<{ ready?: boolean; error?: string }>) => (e.data.ready ? resolve() : reject(new Error(e.data.error)));
      w.onerror = (e) => reject(new Error(e.message));
      w.postMessage(data);
    });
  } finally {
    URL.revokeObjectURL(url);
  }
  return { terminate: () => w.terminate() };
}

/** A WasmModel whose stage-1, stage-2 and joint steps run on `threads` threads (this one and threads − 1 workers). */
export class ThreadedWasmModel extends WasmModel {
  override readonly threads: number;
  /** the control block of assembly/parallel-train.ts, for layers that run their own step loops over this model's pass (factorized) */
  readonly ctl: number;
  private readonly ex: ThreadedExports;
  private workers: ThreadHandle[] = [];
  private partialsReady = false;

  private constructor(ex: ThreadedExports, data: PackedData, emb: Embedding, precision: Precision, threads: number, space: Space) {
    super(ex, data, emb, precision, space);
    this.ex = ex;
    this.threads = threads;
    const s = precision === 'f32' ? 4 : 8;
    const ctl = ex.scratch(DESCRIPTORS + threads * DESCRIPTOR_BYTES);
    const lossOf = ex.scratch(8 * Math.max(data.N, data.colX.length, 1));
    if (ctl === 0 || lossOf === 0) throw new NtpError('out-of-memory', 'could not grow WebAssembly memory for the threads');
    this.ctl = ctl;
    const plan = planThreads(data, threads);
    const u32 = () => new Uint32Array(ex.memory.buffer);
    const put = (values: Uint32Array): number => {
      const p = ex.scratch(Math.max(4, values.byteLength));
      if (p === 0) throw new NtpError('out-of-memory', 'could not grow WebAssembly memory for the threads');
      u32().set(values, p >> 2);
      return p;
    };
    for (let j = 0; j < threads; j++) {
      const desc = ctl + DESCRIPTORS + j * DESCRIPTOR_BYTES;
      ([plan.stage1[j], plan.stage2[j], plan.joint[j]] as ThreadShare[]).forEach((share, mode) => {
        const fields = [put(share.items), share.items.length, put(share.rows), share.rows.length];
        u32().set(fields, (desc + 16 * mode) >> 2);
      });
      if (j > 0) {
        const vBytes = data.V * s + 16;
        const lBytes = data.maxLength * s + 16;
        u32().set([ex.scratch(vBytes), ex.scratch(vBytes), ex.scratch(lBytes), ex.scratch(lBytes)], (desc + SCRATCH) >> 2);
      }
    }
    const head = u32();
    head[(ctl + THREADS) >> 2] = threads;
    head[(ctl + LOSS_OF) >> 2] = lossOf;
    ex.describeLayout(ctl + LAYOUT);
    const run = (code: number) => {
      if (code === THREAD_FAILED) throw new NtpError('thread-failed', 'a training thread failed; the model is unusable (dispose it)');
      return code;
    };
    const V2 = data.V * data.V * s;
    this.kernels = {
      ...this.kernels,
      runStage1: (k, eta, nrm) => run(ex.runStage1Threaded(ctl, k, eta, nrm ? 1 : 0)),
      runStage2: (k, eta, nrm) => run(ex.runStage2Threaded(ctl, k, eta, nrm ? 1 : 0)),
      runJoint: (k, a, b, nrm) => {
        this.prepareJoint();
        return run(ex.runJointThreaded(ctl, k, a, b, nrm ? 1 : 0));
      },
    };
    this.prepareJoint = () => {
      // each worker's partial dM (|V|×|V|) is taken at the first joint chunk, not by every model
      // (parameter space has none: its gradient columns are split between the threads)
      if (!this.partialsReady && space === 'token') {
        for (let j = 1; j < threads; j++) {
          const p = ex.scratch(V2);
          if (p === 0) throw new NtpError('out-of-memory', `could not grow WebAssembly memory for the threads' partial gradients (${threads - 1} × ${V2} bytes)`);
          u32()[(ctl + DESCRIPTORS + j * DESCRIPTOR_BYTES + PARTIAL_M) >> 2] = p;
        }
        this.partialsReady = true;
      }
    };
  }

  /** Takes the workers' partial dM before the first joint pass (growing the memory detaches views taken before). */
  readonly prepareJoint: () => void;

  /**
   * A model over `data` on `threads` threads (≥ 2): instantiates the threaded build over a new
   * shared memory, lays out the model, plans each thread's share and starts the workers.
   */
  static async create(data: PackedData, emb: Embedding, precision: Precision, threads: number, space: Space = 'token'): Promise<ThreadedWasmModel> {
    const module = await initThreadedWasm();
    let memory: WebAssembly.Memory;
    try {
      memory = new WebAssembly.Memory({ initial: 1, maximum: threadedPages(data, emb, precision, threads, space), shared: true });
    } catch (e) {
      reservationError(e);
    }
    const instance = await WebAssembly.instantiate(module, {
      env: {
        memory,
        abort(_msg: number, _file: number, line: number, col: number) {
          throw new NtpError('wasm-abort', `WebAssembly aborted at ${line}:${col}`);
        },
      },
    });
    const ex = { ...(instance.exports as unknown as ThreadedExports), memory };
    const model = new ThreadedWasmModel(ex, data, emb, precision, threads, space);
    try {
      const u32 = new Uint32Array(memory.buffer);
      for (let j = 1; j < threads; j++) {
        const desc = model.ctl + DESCRIPTORS + j * DESCRIPTOR_BYTES;
        const scratch = Array.from(u32.subarray((desc + SCRATCH) >> 2, (desc + SCRATCH + 16) >> 2));
        model.workers.push(await startWorker({ module, memory, ctl: model.ctl, j, scratch }));
      }
    } catch (e) {
      model.dispose();
      throw new NtpError('no-threads', `could not start the training threads: ${(e as Error).message}`);
    }
    return model;
  }

  /** Tells the workers to return, ends them, and drops the instance (it is never pooled). */
  override dispose(): void {
    if (this.disposed) return;
    if (this.workers.length > 0) this.ex.stopWorkers(this.ctl);
    for (const w of this.workers) w.terminate();
    this.workers = [];
    this.disposeWithoutPooling();
  }
}

/**
 * Pages a threaded model's shared memory may grow to: a shared memory reserves its maximum up
 * front, so 4 GiB for every model would fail under a virtual-memory limit (ulimit -v). The model's
 * layout (limits.ts), the control block, the thread plans, the per-sample losses, the workers'
 * scratch and (token space) their partial dM of a joint step, with slack; at most 4 GiB.
 */
function threadedPages(data: PackedData, emb: Embedding, precision: Precision, threads: number, space: Space): number {
  const s = precision === 'f32' ? 4 : 8;
  const { V, N } = data;
  let bytes = wasmBytes(V, emb.d, data, precision, emb.E === null, space);
  bytes += DESCRIPTORS + threads * DESCRIPTOR_BYTES + 8 * Math.max(N, data.colX.length, 1);
  bytes += threads * 3 * (4 * N + 4 * V + 64) + threads * (2 * (V * s + 16) + 2 * (data.maxLength * s + 16) + 64);
  if (space === 'token') bytes += (threads - 1) * V * V * s;
  // four d×d buffers a layer may carve with scratch (the factorized family's K_f, Q_f and their gradients)
  bytes += 4 * (emb.d * emb.d * s + 16);
  return Math.min(65536, Math.ceil(bytes / 65536) + 64);
}

/** {@link ThreadedWasmModel.create}, with the threaded build's warm-up first (once per precision). */
export async function createThreadedModel(data: PackedData, emb: Embedding, precision: Precision, threads: number, space: Space = 'token'): Promise<ThreadedWasmModel> {
  await warmThreaded(precision);
  return ThreadedWasmModel.create(data, emb, precision, threads, space);
}

const warmed = new Map<Precision, Promise<void>>();

/**
 * The threaded build is a module of its own, so it needs its own warm-up (see src/engine/warm-up.ts):
 * the coordinator's step loops run on the tiny problem with one thread; workers receive the
 * same compiled module. Never rejects.
 */
function warmThreaded(precision: Precision): Promise<void> {
  let done = warmed.get(precision);
  if (!done) {
    done = (async () => {
      for (const emb of [makeEmbedding(4), makeEmbedding(4, 'gaussian', { d: 3 })]) {
        const m = await ThreadedWasmModel.create(tinyProblem(), emb, precision, 1);
        try {
          for (let t = 0; t < WARM_STEPS; t += 10) m.stage1(10, 0.1, true);
          for (let t = 0; t < WARM_STEPS; t += 10) m.stage2(10, 0.1, true);
          for (let t = 0; t < WARM_STEPS / 4; t += 10) m.joint(10, 0.1, 0.1, true);
        } finally {
          m.dispose();
        }
      }
    })().catch(() => undefined);
    warmed.set(precision, done);
  }
  return done;
}
