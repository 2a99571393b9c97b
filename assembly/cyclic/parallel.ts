// The selection and gen heads' passes on several threads over one shared memory (threaded build
// only). The host gives each thread whole queries (src/engine/thread-plan.ts byQuery): a row
// dK[q, :] is written only by samples with query q, which one thread runs in increasing sample
// order, and each sample's loss goes to a slot of its own, summed by the coordinator in sample
// order. So every thread count gives the one-thread numbers bit for bit. Rendezvous:
// assembly/barrier.ts. Host: src/tasks/cyclic/kernels/model.ts.

import { runShares, serve, THREADS } from '../barrier';
import { selectionSampleForward, selectionSampleBackward } from './selection';
import { genSampleForward, genSampleBackward } from './gen';

/** Control block: barrier.ts's fields (GEN 0, PENDING 4, COMMAND 8, FAILED 20), then these. */
export const C_THREADS = THREADS; // i32, threads including the coordinator
export const C_HEAD = 24; // i32: 0 selection, 1 gen
export const C_N = 28; // i32, samples
export const C_V = 32; // i32
export const C_OFFSETS = 36; // u32, i32[n + 1]
export const C_TOKENS = 40; // u32, i32[total]
export const C_TARGETS = 44; // u32, i32[n]
export const C_WEIGHTS = 48; // u32, T[n]
export const C_KT = 52; // u32, T[V×V]
export const C_DKT = 56; // u32, T[V×V]
export const C_PHI = 60; // u32, T[total]
export const C_LOSS = 64; // u32, f64[n]: each sample's π_n ℓ_n
export const C_DESC = 128; // per thread: u32 items, i32 count, u32 z, p, dphi (its scratch)
export const C_DESC_BYTES = 32;

const FORWARD = 1;
const BACKWARD = 2;
const F32 = 4;

@inline function u32at(ctl: usize, field: i32): usize {
  return <usize>load<u32>(ctl + field);
}

/** Thread j's samples: forward (each sample's loss into its slot) or backward (into dKt's rows it owns). */
function share<T>(ctl: usize, j: i32, backward: bool): void {
  const desc = ctl + C_DESC + (<usize>j) * C_DESC_BYTES;
  const items = <usize>load<u32>(desc);
  const count = load<i32>(desc + 4);
  const z = <usize>load<u32>(desc + 8);
  const p = <usize>load<u32>(desc + 12);
  const dphi = <usize>load<u32>(desc + 16);
  const gen = load<i32>(ctl + C_HEAD) == 1;
  const V = load<i32>(ctl + C_V);
  const offsets = u32at(ctl, C_OFFSETS);
  const tokens = u32at(ctl, C_TOKENS);
  const targets = u32at(ctl, C_TARGETS);
  const weights = u32at(ctl, C_WEIGHTS);
  const phi = u32at(ctl, C_PHI);
  if (backward) {
    const dKt = u32at(ctl, C_DKT);
    for (let k = 0; k < count; k++) {
      const i = <i32>load<u32>(items + (<usize>k << 2));
      if (gen) genSampleBackward<T>(i, offsets, tokens, targets, weights, phi, V, dKt, z, p, dphi);
      else selectionSampleBackward<T>(i, offsets, tokens, targets, weights, phi, V, dKt);
    }
    return;
  }
  const Kt = u32at(ctl, C_KT);
  const lossOf = u32at(ctl, C_LOSS);
  for (let k = 0; k < count; k++) {
    const i = <i32>load<u32>(items + (<usize>k << 2));
    const loss = gen
      ? genSampleForward<T>(i, offsets, tokens, targets, weights, Kt, V, phi, z, p)
      : selectionSampleForward<T>(i, offsets, tokens, targets, weights, Kt, V, phi);
    store<f64>(lossOf + (<usize>i << 3), loss);
  }
}

/** Thread j's share of a command: the forward or backward pass, in the command's precision. */
function runShare(ctl: usize, j: i32, command: i32): void {
  const backward = (command & BACKWARD) != 0;
  if (command & F32) share<f32>(ctl, j, backward);
  else share<f64>(ctl, j, backward);
}

/** Coordinator: every thread's share of one pass; false if a worker failed. */
function pass<T>(ctl: usize, backward: bool): bool {
  return runShares(ctl, (backward ? BACKWARD : FORWARD) | (sizeof<T>() == 4 ? F32 : 0), runShare);
}

/** Coordinator: the head's loss Σ_n π_n ℓ_n (φ into phi), summed in sample order; NaN if a worker failed. */
export function parallelHeadForward<T>(ctl: usize): f64 {
  if (!pass<T>(ctl, false)) return NaN;
  const n = load<i32>(ctl + C_N);
  const lossOf = u32at(ctl, C_LOSS);
  let loss: f64 = 0;
  for (let i = 0; i < n; i++) loss += load<f64>(lossOf + (<usize>i << 3));
  return loss;
}

/** Coordinator: dKt += the head's gradient from the φ of the last forward pass; false if a worker failed. */
export function parallelHeadBackward<T>(ctl: usize): bool {
  return pass<T>(ctl, true);
}

/** A worker's whole life: its share of each published pass until QUIT. */
export function workerLoop(ctl: usize, j: i32): void {
  serve(ctl, j, runShare);
}
