import { NtpError } from '../errors.js';
import type { Precision } from './backend.js';
import type { Embedding } from './embedding.js';
import { ModelBase, type Kernels, type Real } from './model-base.js';
import type { PackedData } from './packed.js';
import { wasmBase64 } from './wasm-embedded.js';

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
  layout(v: number, d: number, n: number, totalTokens: number, c: number, maxL: number, f32: number, oneHot: number): number;
  scratch(bytes: number): number;
  ptrOffsets(): number; ptrTokens(): number; ptrLabels(): number; ptrWeights(): number; ptrOptimal(): number; ptrFixed(): number;
  ptrColX(): number; ptrColY(): number; ptrE(): number;
  ptrWovT(): number; ptrWkqT(): number; ptrGradWovT(): number; ptrGradWkqT(): number;
  ptrMt(): number; ptrKt(): number; ptrZ(): number; ptrDz(): number;
  kernelExp(out: number, x: number, n: number): void;
  kernelSamplePass(which: number): void;
  kernelCrossEntropy(z: number, dz: number, n: number, y: number): number;
  kernelGemmNN(c: number, a: number, b: number, m: number, n: number, k: number, aRow: number, aCol: number): void;
  kernelGemmNT(c: number, a: number, b: number, m: number, n: number, k: number): void;
  /** exp of n doubles at x into out, returning their sum: the engine's exp, and the Taylor form it replaced */
  kernelExpSum(out: number, x: number, n: number): number;
  kernelExpSumTaylor(out: number, x: number, n: number): number;
  /** stage-2 loss of the samples that depend on W_kq, gradient into dK, by the kernels before the cheaper step (f64) */
  kernelStage2GradientBaseline(): number;
}

/** WebAssembly's 32-bit address space, less a page for the module's own data. */
const MAX_BYTES = 2 ** 32 - 2 ** 16;

let compiled: Promise<WebAssembly.Module> | null = null;

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
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
        throw new NtpError('no-simd', `this runtime cannot compile the package's WebAssembly (it needs the SIMD proposal, v128): ${(e as Error).message}; use { backend: 'js' }`);
      }
    })();
    compiled.catch(() => { compiled = null; });
  }
  return compiled;
}

/** A fresh instance of the module (one per model: each has its own memory). */
export async function instantiate(): Promise<WasmExports> {
  const module = await initWasm();
  const instance = await WebAssembly.instantiate(module, {
    env: {
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new NtpError('wasm-abort', `WebAssembly aborted at ${line}:${col}`);
      },
    },
  });
  return instance.exports as unknown as WasmExports;
}

/** Bytes the layout of assembly/state.ts takes for these sizes (with alignment slack). */
export function wasmBytes(V: number, d: number, data: PackedData, precision: Precision, oneHot: boolean): number {
  const s = precision === 'f32' ? 4 : 8;
  const N = data.N;
  let bytes = 4 * (N + 1) + 4 * data.tokens.length + 4 * N + s * N + 8 * N + 8 * data.colX.length;
  bytes += s * (2 * d * V + 2 * d * d);
  if (!oneHot) bytes += s * (d * V + 4 * V * V + d * V);
  bytes += s * (2 * V + 2 * data.maxLength) + 64 + 16 * 20;
  return bytes;
}

/** A model whose kernels run in WebAssembly; the packed data live in its memory for the model's lifetime. */
export class WasmModel extends ModelBase {
  readonly backend = 'wasm' as const;
  protected kernels: Kernels;
  protected WovT: Real;
  protected WkqT: Real;
  protected gWovT: Real;
  protected gWkqT: Real;
  /** the instance, for kernel-level tests and benchmarks */
  readonly exports: WasmExports;

  constructor(ex: WasmExports, data: PackedData, emb: Embedding, precision: Precision) {
    super(precision, data.V, emb.d, data.N);
    const { V } = data;
    const d = emb.d;
    const oneHot = emb.E === null;
    checkSizes(V, d, data, precision, oneHot);
    const top = ex.layout(V, d, data.N, data.tokens.length, data.colX.length, data.maxLength, precision === 'f32' ? 1 : 0, oneHot ? 1 : 0);
    if (top === 0) {
      throw new NtpError('out-of-memory', `could not grow WebAssembly memory to ${formatBytes(wasmBytes(V, d, data, precision, oneHot))}`);
    }
    const buf = ex.memory.buffer;
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
}

function checkSizes(V: number, d: number, data: PackedData, precision: Precision, oneHot: boolean): void {
  const bytes = wasmBytes(V, d, data, precision, oneHot);
  if (bytes > MAX_BYTES) {
    throw new NtpError('too-large', `this model needs ${formatBytes(bytes)} of WebAssembly memory, more than its 4 GiB limit (|V| = ${V}, d = ${d}, ${data.N} samples, ${precision})`);
  }
}

function formatBytes(n: number): string {
  return n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`;
}
