import { instantiate, type WasmExports } from '../../engine/wasm.js';
import { NtpError } from '../../errors.js';
import type { RecallBackend, RecallShape, RecallTensor } from './backend.js';
import { EVAL_FIELDS } from './kernels/step.js';

/** The recall kernels of assembly/index.ts. */
interface RecallExports extends WasmExports {
  recallScratchBytes(N: number, H: number, f32: number): number;
  recallForwardBackward(f32: number, sigma: number, kappa: number, useF: number, N: number, H: number, B: number, tokens: number, targets: number, W: number, V: number, F: number, gW: number, gV: number, gF: number, scratch: number): number;
  recallEvaluate(f32: number, sigma: number, kappa: number, useF: number, N: number, H: number, B: number, tokens: number, targets: number, outputs: number, tau: number, W: number, V: number, F: number, scratch: number, out: number): void;
  recallNgd(f32: number, w: number, g: number, n: number, eta: number): number;
}

/**
 * The WebAssembly backend: a fresh instance per model, its buffers carved with `scratch` past a
 * minimal layout of the core model's state (which this family does not use).
 */
export async function createWasmBackend(shape: RecallShape, maxBatch: number): Promise<RecallBackend> {
  const ex = (await instantiate()) as RecallExports;
  const { N, H, f32 } = shape;
  const s = f32 ? 4 : 8;
  const n2 = 2 * N;
  const bytes = s * (2 * n2 * n2 + 4 * N * n2) + 4 * (maxBatch * H + 2 * maxBatch) + 8 * maxBatch * EVAL_FIELDS.length + ex.recallScratchBytes(N, H, f32 ? 1 : 0);
  if (bytes > 2 ** 31) throw new NtpError('too-large', `the recall model needs ${(bytes / 2 ** 20).toFixed(0)} MiB of WebAssembly memory (N = ${N}, H = ${H}, batch ${maxBatch})`);
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
  // views are made after every allocation: growing the memory detaches earlier views
  const buf = ex.memory.buffer;
  const R = f32 ? Float32Array : Float64Array;
  const W = new R(buf, p.W, n2 * n2);
  const V = new R(buf, p.V, N * n2);
  const F = new R(buf, p.F, N * n2);
  const gW = new R(buf, p.gW, n2 * n2);
  const gV = new R(buf, p.gV, N * n2);
  const gF = new R(buf, p.gF, N * n2);
  const out = new Float64Array(buf, p.out, maxBatch * EVAL_FIELDS.length);
  const fl = f32 ? 1 : 0;
  const useF = shape.useF ? 1 : 0;
  const pairs = { W: [p.W, p.gW, n2 * n2], V: [p.V, p.gV, N * n2], F: [p.F, p.gF, N * n2] } as const;
  return {
    name: 'wasm',
    W, V, F, gW, gV, gF,
    tokens: new Int32Array(buf, p.tokens, maxBatch * H),
    targets: new Int32Array(buf, p.targets, maxBatch),
    outputs: new Int32Array(buf, p.outputs, maxBatch),
    maxBatch,
    forwardBackward: (B, w, v, f) =>
      ex.recallForwardBackward(fl, shape.sigma, shape.kappa, useF, N, H, B, p.tokens, p.targets, p.W, p.V, p.F, w ? p.gW : 0, v ? p.gV : 0, f ? p.gF : 0, p.scratch),
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
