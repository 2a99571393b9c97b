// The recall step's forward and backward on several threads over one shared memory (threaded
// build only): each thread runs a contiguous share of the batch's sentences into gradients and
// scratch of its own (thread 0's are the model's); the coordinator then adds the workers'
// gradients and losses to its own in thread order. A thread count repeats itself bit for bit and
// agrees with one thread up to the reassociation of the batch sum. Rendezvous: assembly/barrier.ts.
// Host: src/tasks/recall/engine-wasm.ts.

import { runShares, serve, THREADS } from '../barrier';
import { forwardBackwardRange } from './model';
import { addInto } from '../vec';

/** Control block: barrier.ts's fields (GEN 0, PENDING 4, COMMAND 8, FAILED 20), then these. */
export const C_THREADS = THREADS; // i32, threads including the coordinator
export const C_SIGMA = 24; // i32
export const C_KAPPA = 28; // i32
export const C_USE_F = 32; // i32
export const C_N = 36; // i32
export const C_H = 40; // i32
export const C_B = 44; // i32
export const C_TOKENS = 48; // u32
export const C_TARGETS = 52; // u32
export const C_W = 56; // u32
export const C_V = 60; // u32
export const C_F = 64; // u32
export const C_TRAINS = 68; // i32: bit 0 W, bit 1 V, bit 2 F
export const C_DESC = 128; // per thread: u32 gW, gV, gF, scratch, f64 loss at +16
export const C_DESC_BYTES = 32;

const PASS = 1;
const F32 = 2;

/** Thread j's share: sentences [j·B/threads, (j + 1)·B/threads) into its own gradients. */
function share<T>(ctl: usize, j: i32): void {
  const threads = load<i32>(ctl + C_THREADS);
  const B = load<i32>(ctl + C_B);
  const trains = load<i32>(ctl + C_TRAINS);
  const desc = ctl + C_DESC + (<usize>j) * C_DESC_BYTES;
  const b0 = <i32>((<i64>j * <i64>B) / <i64>threads);
  const b1 = <i32>((<i64>(j + 1) * <i64>B) / <i64>threads);
  const loss = forwardBackwardRange<T>(
    load<i32>(ctl + C_SIGMA), load<i32>(ctl + C_KAPPA), load<i32>(ctl + C_USE_F) != 0, load<i32>(ctl + C_N), load<i32>(ctl + C_H), B, b0, b1,
    <usize>load<u32>(ctl + C_TOKENS), <usize>load<u32>(ctl + C_TARGETS), <usize>load<u32>(ctl + C_W), <usize>load<u32>(ctl + C_V), <usize>load<u32>(ctl + C_F),
    trains & 1 ? <usize>load<u32>(desc) : 0, trains & 2 ? <usize>load<u32>(desc + 4) : 0, trains & 4 ? <usize>load<u32>(desc + 8) : 0, <usize>load<u32>(desc + 12),
  );
  store<f64>(desc + 16, loss);
}

/** Thread j's share of a command: the pass, in the command's precision. */
function runShare(ctl: usize, j: i32, command: i32): void {
  if (command & F32) share<f32>(ctl, j);
  else share<f64>(ctl, j);
}

/** Coordinator: the batch's mean loss, gradients into thread 0's buffers; NaN if a worker failed. */
export function parallelForwardBackward<T>(ctl: usize): f64 {
  if (!runShares(ctl, PASS | (sizeof<T>() == 4 ? F32 : 0), runShare)) return NaN;
  const workers = load<i32>(ctl + C_THREADS) - 1;
  const N = load<i32>(ctl + C_N);
  const trains = load<i32>(ctl + C_TRAINS);
  const nW = 4 * N * N;
  const nVF = 2 * N * N;
  const d0 = ctl + C_DESC;
  let loss = load<f64>(d0 + 16);
  for (let j = 1; j <= workers; j++) {
    const dj = d0 + (<usize>j) * C_DESC_BYTES;
    if (trains & 1) addInto<T>(<usize>load<u32>(d0), <usize>load<u32>(dj), nW);
    if (trains & 2) addInto<T>(<usize>load<u32>(d0 + 4), <usize>load<u32>(dj + 4), nVF);
    if (trains & 4) addInto<T>(<usize>load<u32>(d0 + 8), <usize>load<u32>(dj + 8), nVF);
    loss += load<f64>(dj + 16);
  }
  return loss;
}

/** A worker's whole life: its share of each published pass until QUIT. */
export function workerLoop(ctl: usize, j: i32): void {
  serve(ctl, j, runShare);
}
