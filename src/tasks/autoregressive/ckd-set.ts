/**
 * Causal kernel descent at finite depth over a whole set of sequences in one WebAssembly call
 * (assembly/autoregressive/ckd.ts); the reference, one sequence at a time in TypeScript, is
 * {@link ckdPredictions}. Same checks, same results (bit for bit for the linear kernel; the exp
 * kernel's exp may differ from Math.exp in the last bit). Depth ∞ (the Kaczmarz limit) runs the
 * TypeScript reference.
 */
import type { BackendName } from '../../engine/backend.js';
import { instantiate, release, type WasmExports } from '../../engine/wasm.js';
import { NtpError } from '../../errors.js';
import type { Sequences } from './data.js';
import { checkKernelInputs, ckdPredictions, type CkdOptions } from './references.js';
import { refuseTooLarge } from '../../engine/limits.js';
import { objectArg, optionsArg } from '../../api/arguments.js';

interface CkdExports extends WasmExports {
  ckdSet(u: number, x: number, count: number, stride: number, d: number, T: number, kernel: number, depth: number, eta: number, scratch: number): void;
  ckdScratchBytes(d: number, T: number): number;
}

const MAX_BYTES = 2 ** 32 - 2 ** 24;

/** u^n_t (T×d) of every sequence of `data` from its first T tokens, as {@link ckdPredictions} would give them one by one. */
export async function ckdPredictionsSet(data: Sequences, T: number, opts: CkdOptions & { backend?: BackendName } = {}): Promise<Float64Array[]> {
  objectArg(data, 'ckdPredictionsSet(data, T, options): data');
  opts = optionsArg(opts, 'ckdPredictionsSet(data, T, options): options');
  const { d, L, S } = data;
  const kernel = opts.kernel ?? 'linear';
  const depth = opts.depth ?? Infinity;
  const eta = opts.eta ?? 1;
  if (!(depth === Infinity || (Number.isInteger(depth) && depth >= 0))) throw new NtpError('invalid-option', `option depth must be an integer ≥ 0 or inf (got ${depth})`);
  if (!Number.isFinite(eta) || eta <= 0) throw new NtpError('invalid-option', `option eta must be a positive number (got ${eta})`);
  if (kernel !== 'linear' && kernel !== 'exp') throw new NtpError('invalid-option', `option kernel must be linear or exp (got ${JSON.stringify(kernel)})`);
  if (!Number.isInteger(T) || T < 1 || T > L) throw new NtpError('invalid-option', `length T must be an integer from 1 to ${L} (got ${T})`);
  const seq = (s: number) => data.x.subarray(s * L * d, (s + 1) * L * d);
  for (let s = 0; s < S; s++) checkKernelInputs(seq(s), d, T, kernel, `sequence ${s + 1}`);
  if (depth === Infinity || opts.backend === 'js') return Array.from({ length: S }, (_, s) => ckdPredictions(seq(s), d, T, { kernel, depth, eta }));
  const inBytes = S * L * d * 8;
  const outBytes = S * T * d * 8;
  const scratchBytes = 8 * (2 * T * T + T + 3 * T * d) + 64;
  refuseTooLarge(`causal kernel descent over ${S} sequences`, inBytes + outBytes + scratchBytes + 3 * 64, `${S} sequences of T = ${T}, d = ${d}; split the set`, MAX_BYTES);
  const ex = (await instantiate()) as CkdExports;
  try {
    ex.layout(0, 0, 0, 0, 0, 0, 0, 1);
    const x = ex.scratch(inBytes + 16);
    const u = x && ex.scratch(outBytes + 16);
    const scratch = u && ex.scratch(ex.ckdScratchBytes(d, T));
    if (!scratch) throw new NtpError('out-of-memory', `could not grow WebAssembly memory to ${((inBytes + outBytes) / 2 ** 20).toFixed(1)} MiB`);
    new Float64Array(ex.memory.buffer, x, S * L * d).set(data.x.subarray(0, S * L * d));
    ex.ckdSet(u, x, S, L * d, d, T, kernel === 'exp' ? 1 : 0, depth, eta, scratch);
    const out = new Float64Array(ex.memory.buffer, u, S * T * d);
    return Array.from({ length: S }, (_, s) => out.slice(s * T * d, (s + 1) * T * d));
  } finally {
    release(ex);
  }
}
