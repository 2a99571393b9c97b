import { NtpError } from '../errors.js';
import type { Precision } from './backend.js';
import type { Embedding } from './embedding.js';
import { checkModelSize, formatBytes, modelBytes } from './limits.js';
import { ModelBase, type Kernels, type Real } from './model-base.js';
import type { PackedData } from './packed.js';
import { wasmBase64 } from './wasm-embedded.js';
import type { Space } from './space.js';

/** The module's exports (assembly/index.ts). */
export interface WasmExports {
  memory: WebAssembly.Memory;
  refresh(): void;
  runStage1(k: number, eta: number, normalized: number): number;
  runStage2(k: number, eta: number, normalized: number): number;
  runJoint(k: number, etaOv: number, etaKq: number, normalized: number): number;
  evaluate(which: number, backward: number, metrics: number): number;
  resultLoss(): number;
  resultFirstLoss(): number;
  resultGradNorm(): number;
  resultMinOptimal(): number;
  resultCorrect(): number;
  resultSteps(): number;
  layout(v: number, d: number, n: number, totalTokens: number, c: number, maxL: number, f32: number, oneHot: number, param?: number): number;
  scratch(bytes: number): number;
  ptrOffsets(): number; ptrTokens(): number; ptrLabels(): number; ptrWeights(): number; ptrOptimal(): number; ptrFixed(): number;
  ptrColX(): number; ptrColY(): number; ptrE(): number;
  ptrWovT(): number; ptrWkqT(): number; ptrGradWovT(): number; ptrGradWkqT(): number;
  ptrMt(): number; ptrKt(): number; ptrZ(): number; ptrDz(): number;
  kernelExp(out: number, x: number, n: number): void;
  kernelSamplePass(which: number): void;
  /** Z = H·Wt for `rows` rows (assembly/logits.ts) */
  kernelBlockLogits(Z: number, H: number, Wt: number, rows: number, V: number, d: number): void;
  kernelCrossEntropy(z: number, dz: number, n: number, y: number): number;
  kernelGemmNN(c: number, a: number, b: number, m: number, n: number, k: number, aRow: number, aCol: number): void;
  kernelGemmNT(c: number, a: number, b: number, m: number, n: number, k: number): void;
  /** exp of n doubles at x into out, returning their sum: the engine's exp, and the Taylor form it replaced */
  kernelExpSum(out: number, x: number, n: number): number;
  kernelExpSumTaylor(out: number, x: number, n: number): number;
  /** stage-2 loss of the samples that depend on W_kq, gradient into dK, by the kernels before the cheaper step (f64) */
  kernelStage2GradientBaseline(): number;
}


let compiled: Promise<WebAssembly.Module> | null = null;

/** The bytes of an embedded module: Buffer in Node, atob in browsers and workers. */
export function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(b64, 'base64'));
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Compiles the WebAssembly module once (it is embedded in the package, so this works the
 * same in Node, in browsers and in bundlers). Rejects with a clear error where WebAssembly
 * SIMD is unavailable; the `js` backend needs no initialization and is the fallback.
 */
export function initWasm(): Promise<WebAssembly.Module> {
  if (!compiled) {
    compiled = (async () => {
      if (typeof WebAssembly === 'undefined') {
        throw new NtpError('no-wasm', "WebAssembly is unavailable in this runtime; use { backend: 'js' }");
      }
      const bytes = decodeBase64(wasmBase64);
      try {
        return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
      } catch (e) {
        if (await compilingIsForbidden()) {
          throw new NtpError('csp', `compiling WebAssembly is forbidden here, most likely by a Content-Security-Policy without 'wasm-unsafe-eval' in script-src (add it to use the wasm backend): ${(e as Error).message}; or use { backend: 'js' }`);
        }
        throw new NtpError('no-simd', `this runtime cannot compile the package's WebAssembly (it needs the SIMD proposal, v128): ${(e as Error).message}; use { backend: 'js' }`);
      }
    })();
    compiled.catch(() => { compiled = null; });
  }
  return compiled;
}

/**
 * Uses a module compiled elsewhere (a `WebAssembly.Module` posted from another thread of this
 * process) instead of compiling the embedded bytes again: the threads share its machine code,
 * optimized tiers included, so a worker neither compiles nor waits for the optimizing compiler.
 */
export function adoptWasmModule(module: WebAssembly.Module): void {
  compiled = Promise.resolve(module);
}

/** The smallest valid module: magic number and version, no sections, no SIMD. */
const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/**
 * Whether this runtime refuses to compile any WebAssembly at all (a Content-Security-Policy
 * without 'wasm-unsafe-eval', or an embedder that disables code generation), as opposed to
 * lacking SIMD: an empty module compiles wherever WebAssembly is merely old.
 */
async function compilingIsForbidden(): Promise<boolean> {
  try {
    await WebAssembly.compile(EMPTY_MODULE);
    return false;
  } catch {
    return true;
  }
}

/**
 * Instances of disposed models, kept for reuse: a model's memory can grow but never shrink, and
 * V8 reclaims an instance only when a garbage collection finds it unreferenced, so thousands of
 * create/dispose cycles would otherwise pile up memories (and reservations) until allocation fails.
 * Only small instances are kept, a few at a time.
 */
const pool: WasmExports[] = [];
const POOL_SIZE = 4;
const POOL_MAX_BYTES = 64 * 2 ** 20;

/** Returns a disposed model's instance to the pool (or drops it when large or the pool is full). */
export function release(ex: WasmExports): void {
  if (pool.length < POOL_SIZE && ex.memory.buffer.byteLength <= POOL_MAX_BYTES && !pool.includes(ex)) pool.push(ex);
}

/** An instance of the module (one per live model: each has its own memory), from the pool when one is free. */
export async function instantiate(): Promise<WasmExports> {
  const reused = pool.pop();
  if (reused) return reused;
  const module = await initWasm();
  let instance: WebAssembly.Instance;
  try {
    instance = await WebAssembly.instantiate(module, {
      env: {
        abort(_msg: number, _file: number, line: number, col: number) {
          throw new NtpError('wasm-abort', `WebAssembly aborted at ${line}:${col}`);
        },
      },
    });
  } catch (e) {
    reservationError(e);
  }
  return instance.exports as unknown as WasmExports;
}

/**
 * A memory the runtime could not reserve becomes an NtpError that says why: V8 reserves about
 * 10 GiB of address space per WebAssembly memory (guard regions that replace bounds checks), which
 * a `ulimit -v` of a few GiB refuses even for a one-page memory; Node's --disable-wasm-trap-handler
 * reserves only what a memory may grow to (the ntp command relaunches itself with it under such a limit).
 */
export function reservationError(e: unknown): never {
  if (e instanceof RangeError) throw outOfAddressSpace(e);
  throw e;
}

/** The NtpError of a reservation the runtime refused. */
export function outOfAddressSpace(e: Error): NtpError {
  return new NtpError('out-of-memory', `could not reserve WebAssembly memory (${e.message}); under an address-space limit (ulimit -v) run node with --disable-wasm-trap-handler (NODE_OPTIONS=--disable-wasm-trap-handler), or raise the limit`);
}

/** Bytes the layout of assembly/state.ts takes for these sizes (with alignment slack). */
export function wasmBytes(V: number, d: number, data: PackedData, precision: Precision, oneHot: boolean, space: Space = 'token'): number {
  return modelBytes({ V, d, N: data.N, totalTokens: data.tokens.length, C: data.colX.length, maxLength: data.maxLength, precision, oneHot, space });
}

/** A model whose kernels run in WebAssembly; the packed data live in its memory for the model's lifetime. */
export class WasmModel extends ModelBase {
  readonly backend = 'wasm' as const;
  protected kernels: Kernels;
  protected WovT: Real;
  protected WkqT: Real;
  protected gWovT: Real;
  protected gWkqT: Real;
  /** the instance, for kernel-level tests and benchmarks (released by dispose) */
  exports: WasmExports;

  constructor(ex: WasmExports, data: PackedData, emb: Embedding, precision: Precision, space: Space = 'token') {
    super(precision, data.V, emb.d, data.N, space);
    const { V } = data;
    const d = emb.d;
    const oneHot = emb.E === null;
    checkSizes(V, d, data, precision, oneHot, space);
    const top = ex.layout(V, d, data.N, data.tokens.length, data.colX.length, data.maxLength, precision === 'f32' ? 1 : 0, oneHot ? 1 : 0, space === 'parameter' ? 1 : 0);
    if (top === 0) {
      throw new NtpError('out-of-memory', `could not grow WebAssembly memory to ${formatBytes(wasmBytes(V, d, data, precision, oneHot, space))}`);
    }
    const buf = ex.memory.buffer;
    // a pooled instance holds its last model's numbers: the weights must start at zero
    new Uint8Array(buf, ex.ptrOffsets(), top - ex.ptrOffsets()).fill(0);
    const R = precision === 'f32' ? Float32Array : Float64Array;
    new Int32Array(buf, ex.ptrOffsets(), data.N + 1).set(data.offsets);
    new Int32Array(buf, ex.ptrTokens(), data.tokens.length).set(data.tokens);
    new Int32Array(buf, ex.ptrLabels(), data.N).set(data.labels);
    new R(buf, ex.ptrWeights(), data.N).set(data.weights);
    new Int32Array(buf, ex.ptrOptimal(), data.N).set(data.optimal);
    new Int32Array(buf, ex.ptrFixed(), data.N).set(data.fixed);
    new Int32Array(buf, ex.ptrColX(), data.colX.length).set(data.colX);
    new Int32Array(buf, ex.ptrColY(), data.colY.length).set(data.colY);
    if (emb.E) new R(buf, ex.ptrE(), d * V).set(emb.E);
    this.WovT = new R(buf, ex.ptrWovT(), d * V);
    this.WkqT = new R(buf, ex.ptrWkqT(), d * d);
    this.gWovT = new R(buf, ex.ptrGradWovT(), d * V);
    this.gWkqT = new R(buf, ex.ptrGradWkqT(), d * d);
    this.exports = ex;
    this.kernels = {
      refresh: () => ex.refresh(),
      runStage1: (k, eta, nrm) => ex.runStage1(k, eta, nrm ? 1 : 0),
      runStage2: (k, eta, nrm) => ex.runStage2(k, eta, nrm ? 1 : 0),
      runJoint: (k, a, b, nrm) => ex.runJoint(k, a, b, nrm ? 1 : 0),
      evaluate: (w, bw, m) => ex.evaluate(w, bw ? 1 : 0, m ? 1 : 0),
      resultLoss: () => ex.resultLoss(),
      resultFirstLoss: () => ex.resultFirstLoss(),
      resultGradNorm: () => ex.resultGradNorm(),
      resultMinOptimal: () => ex.resultMinOptimal(),
      resultCorrect: () => ex.resultCorrect(),
      resultSteps: () => ex.resultSteps(),
      kernelPass: (w) => ex.kernelSamplePass(w),
    };
    ex.refresh();
  }

  /** Drops every reference to the instance and its memory (views included) and pools the instance. */
  override dispose(): void {
    if (this.disposed) return;
    release(this.disposeWithoutPooling());
  }

  /** Drops every reference to the instance and its memory (views included); returns the instance. */
  protected disposeWithoutPooling(): WasmExports {
    super.dispose();
    const ex = this.exports;
    const empty = new Float64Array(0);
    this.WovT = this.WkqT = this.gWovT = this.gWkqT = empty;
    this.kernels = DISPOSED_KERNELS;
    this.exports = null as unknown as WasmExports;
    return ex;
  }
}

const disposedKernel = (): never => {
  throw new NtpError('disposed', 'this model was disposed');
};
const DISPOSED_KERNELS: Kernels = {
  refresh: disposedKernel, runStage1: disposedKernel, runStage2: disposedKernel, runJoint: disposedKernel, evaluate: disposedKernel,
  resultLoss: disposedKernel, resultFirstLoss: disposedKernel, resultGradNorm: disposedKernel, resultMinOptimal: disposedKernel,
  resultCorrect: disposedKernel, resultSteps: disposedKernel, kernelPass: disposedKernel,
};

function checkSizes(V: number, d: number, data: PackedData, precision: Precision, oneHot: boolean, space: Space): void {
  checkModelSize({ V, d, N: data.N, totalTokens: data.tokens.length, C: data.colX.length, maxLength: data.maxLength, precision, oneHot, space });
}
