// The autoregressive step on several threads over one shared memory (threaded build only): each
// thread runs whole sequences of the batch, a contiguous share, into a gradient buffer of its own
// (dMV, step.ts); the coordinator then adds the workers' gradients and losses to its own in thread
// order and turns the sum into the model's G (finishGradient). A thread count therefore repeats itself bit for bit, and agrees with
// one thread up to the reassociation of the batch sum. Rendezvous: assembly/barrier.ts.
// Host: src/tasks/autoregressive/kernels/wasm-threads.ts.

import { runShares, serve, THREADS } from '../barrier';
import { gradientSequence, finishGradient, foldedBytes, LAY_DMV } from './step';
import { addInto } from '../vec';

/** Control block: barrier.ts's fields (GEN 0, PENDING 4, COMMAND 8, FAILED 20), then these. */
export const C_THREADS = THREADS; // i32, threads including the coordinator
export const C_SEQS = 24; // u32, the batch: u32 byte addresses of its sequences
export const C_COUNT = 28; // i32, sequences in the batch
export const C_SCALE = 32; // f64, the loss's normalisation
export const C_DESC = 64; // per thread, 16 bytes: u32 layout block, f64 loss of its share at +8
export const C_DESC_BYTES = 16;

const GRADIENT = 1;
const F32 = 2;

/** Thread j's share: sequences [j·count/threads, (j + 1)·count/threads), gradient into its own dMV. */
function share<T>(ctl: usize, j: i32): void {
  const threads = load<i32>(ctl + C_THREADS);
  const count = load<i32>(ctl + C_COUNT);
  const seqs = <usize>load<u32>(ctl + C_SEQS);
  const scale = load<f64>(ctl + C_SCALE);
  const desc = ctl + C_DESC + (<usize>j) * C_DESC_BYTES;
  const lay = <usize>load<u32>(desc);
  memory.fill(<usize>load<u32>(lay + (<usize>LAY_DMV << 2)), 0, foldedBytes<T>(lay));
  const lo = <i32>((<i64>j * <i64>count) / <i64>threads);
  const hi = <i32>((<i64>(j + 1) * <i64>count) / <i64>threads);
  let sum: f64 = 0;
  for (let i = lo; i < hi; i++) sum += gradientSequence<T>(lay, <usize>load<u32>(seqs + (<usize>i << 2)), scale);
  store<f64>(desc + 8, sum);
}

/**
 * Coordinator: Σ over the batch of each sequence's squared error, its gradient (× scale) added
 * into the model's G (thread 0's layout). NaN if a worker failed (the host reads the control block's FAILED).
 */
export function parallelGradient<T>(ctl: usize): f64 {
  if (!runShares(ctl, GRADIENT | (sizeof<T>() == 4 ? F32 : 0), runShare)) return NaN;
  const workers = load<i32>(ctl + C_THREADS) - 1;
  const lay0 = <usize>load<u32>(ctl + C_DESC);
  const G = <usize>load<u32>(lay0 + (<usize>LAY_DMV << 2));
  const n = <i32>(foldedBytes<T>(lay0) / sizeof<T>());
  let sum = load<f64>(ctl + C_DESC + 8);
  for (let j = 1; j <= workers; j++) {
    const desc = ctl + C_DESC + (<usize>j) * C_DESC_BYTES;
    const Gj = <usize>load<u32>(<usize>load<u32>(desc) + (<usize>LAY_DMV << 2));
    addInto<T>(G, Gj, n);
    sum += load<f64>(desc + 8);
  }
  finishGradient<T>(lay0);
  return sum;
}

/** Thread j's share of a command, in the command's precision. */
function runShare(ctl: usize, j: i32, command: i32): void {
  if (command & F32) share<f32>(ctl, j);
  else share<f64>(ctl, j);
}

/** A worker's whole life: its share of each published gradient until QUIT. */
export function workerLoop(ctl: usize, j: i32): void {
  serve(ctl, j, runShare);
}
