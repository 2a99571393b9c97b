/**
 * The WebAssembly binding of the causal attention kernels (assembly/autoregressive/causal-*.ts, mse.ts,
 * adam.ts): one instance per arena; element offsets are turned into byte addresses here.
 */
import { NtpError } from '../../../errors.js';
import type { Precision } from '../../../engine/backend.js';
import { instantiate, type WasmExports } from '../../../engine/wasm.js';
import type { AttentionKind, CausalKernels, Sigma } from './kernels.js';

/** The module's causal-attention exports (appended to assembly/index.ts). */
interface CausalExports extends WasmExports {
  causalGemmNT(f32: number, c: number, a: number, b: number, m: number, n: number, k: number): void;
  causalGemmNNAcc(f32: number, c: number, a: number, b: number, m: number, n: number, k: number): void;
  causalGemmTNAcc(f32: number, c: number, a: number, b: number, m: number, n: number, k: number): void;
  causalScoresForward(f32: number, S: number, q: number, k: number, n: number, D: number): void;
  causalScoresBack(f32: number, dq: number, dk: number, dS: number, q: number, k: number, n: number, D: number): void;
  causalApplyForward(f32: number, out: number, A: number, v: number, n: number, D: number): void;
  causalApplyBack(f32: number, dA: number, dv: number, A: number, v: number, dOut: number, n: number, D: number): void;
  causalExpForward(f32: number, A: number, n: number): void;
  causalExpBackward(f32: number, dA: number, A: number, n: number): void;
  causalSoftmaxForward(f32: number, A: number, n: number): void;
  causalSoftmaxBackward(f32: number, dA: number, A: number, n: number): void;
  causalMse(f32: number, dE: number, e: number, y: number, n: number, D: number, d: number, w: number): number;
  causalAdam(f32: number, w: number, g: number, m: number, v: number, n: number, lr: number, b1: number, b2: number, eps: number, bc1: number, bc2: number): void;
  causalAxpy(f32: number, y: number, a: number, x: number, n: number): void;
}

const MAX_BYTES = 2 ** 32 - 2 ** 20;

export async function createWasmCausalKernels(precision: Precision, elements: number): Promise<CausalKernels> {
  const ex = (await instantiate()) as CausalExports;
  const s = precision === 'f32' ? 4 : 8;
  const bytes = elements * s + 64;
  if (bytes > MAX_BYTES) throw new NtpError('too-large', `the causal transformer needs ${(bytes / 2 ** 30).toFixed(2)} GiB of WebAssembly memory, more than its 4 GiB limit`);
  // an empty model layout puts the allocator past the module's static data; the arena follows
  ex.layout(0, 0, 0, 0, 0, 0, precision === 'f32' ? 1 : 0, 1);
  const base = ex.scratch(bytes);
  if (base === 0) throw new NtpError('out-of-memory', `could not grow WebAssembly memory to ${(bytes / 2 ** 20).toFixed(1)} MiB`);
  const buf = precision === 'f32' ? new Float32Array(ex.memory.buffer, base, elements) : new Float64Array(ex.memory.buffer, base, elements);
  const f = precision === 'f32' ? 1 : 0;
  const p = (o: number) => base + o * s;
  const sigma: Record<AttentionKind, Sigma> = {
    linear: { forward() {}, backward() {} },
    exp: { forward: (A, T) => ex.causalExpForward(f, p(A), T), backward: (dA, A, T) => ex.causalExpBackward(f, p(dA), p(A), T) },
    softmax: { forward: (A, T) => ex.causalSoftmaxForward(f, p(A), T), backward: (dA, A, T) => ex.causalSoftmaxBackward(f, p(dA), p(A), T) },
  };
  return {
    backend: 'wasm',
    precision,
    buf,
    sigma,
    gemmNT: (c, a, b, m, n, k) => ex.causalGemmNT(f, p(c), p(a), p(b), m, n, k),
    gemmNNAcc: (c, a, b, m, n, k) => ex.causalGemmNNAcc(f, p(c), p(a), p(b), m, n, k),
    gemmTNAcc: (c, a, b, m, n, k) => ex.causalGemmTNAcc(f, p(c), p(a), p(b), m, n, k),
    scores: (S, q, k, T, D) => ex.causalScoresForward(f, p(S), p(q), p(k), T, D),
    scoresBackward: (dq, dk, dS, q, k, T, D) => ex.causalScoresBack(f, p(dq), p(dk), p(dS), p(q), p(k), T, D),
    apply: (out, A, v, T, D) => ex.causalApplyForward(f, p(out), p(A), p(v), T, D),
    applyBackward: (dA, dv, A, v, dOut, T, D) => ex.causalApplyBack(f, p(dA), p(dv), p(A), p(v), p(dOut), T, D),
    mse: (dE, e, y, T, D, d, w) => ex.causalMse(f, p(dE), p(e), p(y), T, D, d, w),
    adam: (w, g, m, v, n, lr, b1, b2, eps, bc1, bc2) => ex.causalAdam(f, p(w), p(g), p(m), p(v), n, lr, b1, b2, eps, bc1, bc2),
    axpy: (y, a, x, n) => ex.causalAxpy(f, p(y), a, p(x), n),
  };
}
