// Training steps split across threads over one shared memory. The host lays out each thread's
// share once per model (src/engine/wasm-threads.ts): lists of the samples it runs and of the
// gradient rows it owns. Per step, every thread zeroes its rows and runs its samples; thread 0
// (the coordinator) then sums the losses in sample order and takes the update alone.
//
// Why the results match one thread exactly in stage 1 and stage 2: a stage-1 row dM[x, :] is
// written by one collocation pair, and a stage-2 row dK[q, :] only by samples with query q, so
// giving each thread whole queries (its samples in increasing n) adds every gradient entry in
// the sequential order; losses go through lossOf and are summed in sample order. Joint steps
// also accumulate dM[t, :] across queries: each worker into a partial of its own, added to
// thread 0's in thread order, so a thread count is deterministic and others agree to rounding.

import {
  V, D, N, C, PARAM, colX, colY, fixed, WovT, WkqT, gWovT, gWkqT, Mt, dMt, dKt,
  outLoss, outFirstLoss, outGradNorm, outMinOptimal, outCorrect, outSteps, useGradientM, F32,
} from './state';
import {
  RUNNING, CONVERGED, DIVERGED, OVERFLOW, sampleLoss, fixedPart, jointStatus,
  accMinOpt, accCorrect,
} from './train';
import { fixedLoss, fixedMinOpt, fixedCorrect } from './fixed-cache';
import { crossEntropy } from './softmax';
import { refreshM, refreshK, gradWov, gradWkq } from './embed';
import { axpy, amax, scaledSumSquares, stepInto } from './vec';
import { runShares, serve, THREADS as THREADS_FIELD } from './barrier';
import {
  P_STAGE1, P_VARYING, P_ALL, fillBlock, nextItem, blockRows, blockColumns, foldBlock, beginPass,
  paramFixedPart, paramGradWkq, sumLoss, sumMinOpt, sumCorrect,
} from './param-space';

/** What a pass computes (the command's low bits); METRICS adds the attention metrics. */
export const STAGE1 = 0;
export const STAGE2 = 1;
export const JOINT = 2;
// the update's elementwise parts, over slices of the parameters (see parallelStep)
export const UPDATE_MAX = 3;
export const UPDATE_STEP = 4;
export const UPDATE_COPY = 5;
export const REDUCE_M = 6; // dM += the workers' partials, in thread order
export const KIND = 7;
export const METRICS = 8;
// parameter space (assembly/param-space.ts): a block's rows, then its columns, split between threads
export const PARAM_ROWS = 16;
export const PARAM_COLS = 17;

/** Status of a threaded step loop whose worker failed (beyond assembly/train.ts's codes). */
export const THREAD_FAILED = 4;

/** Control block (byte offsets past barrier.ts's fields). */
export const THREADS = THREADS_FIELD; // i32, threads including the coordinator
export const LOSS_OF = 16; // u32, T[max(N, C)]: each sample's π_n ℓ_n (stage 1: each pair's ℓ)
// the update's arguments (parallelStep)
export const U_W = 24; // u32
export const U_G = 28; // u32
export const U_COUNT = 32; // i32
export const U_BY_INV = 36; // i32
export const U_A = 40; // f64
export const U_M = 48; // f64
export const U_INV = 56; // f64
export const LAYOUT = 64; // the coordinator's describeLayout record (LAYOUT_FIELDS u32, to 224)
// a parameter-space pass's arguments
export const P_PASS = 228; // i32, which items (param-space.ts P_*)
export const P_NB = 232; // i32, the block's size
export const P_FLAGS = 236; // i32, 1 backward, 2 ∇W_ov, 4 metrics
export const DESCRIPTORS = 256; // one per thread
export const DESCRIPTOR_BYTES = 128;

/** Thread descriptor: per mode m, items, count, rows, rowCount at 16·m; then these. */
export const PARTIAL_M = 48; // u32, the thread's partial dM of a joint step (0 for thread 0: dM itself)
export const SCRATCH = 52; // u32 × 4: z, dz, phi, dphi of a worker
export const OUT_MIN_OPTIMAL = 72; // f64
export const OUT_CORRECT = 80; // i32
export const OUT_MAX = 88; // f64, max |g| over the thread's slice
export const OUT_OK = 96; // i32, the thread's slice of the new weights is finite

@inline function u32at(p: usize, i: i32): usize {
  return <usize>load<u32>(p + (<usize>i) * 4);
}

/** One thread's share of a step's loss and gradient (see the top of this file). */
export function threadPass<T>(mode: i32, metrics: bool, desc: usize, lossOf: usize): void {
  const s = sizeof<T>();
  const rowBytes = (<usize>V) * s;
  const at = desc + (<usize>mode) * 16;
  const items = <usize>load<u32>(at);
  const count = load<i32>(at, 4);
  const rows = <usize>load<u32>(at, 8);
  const rowCount = load<i32>(at, 12);
  const owned = mode == STAGE1 ? dMt : dKt;
  for (let i = 0; i < rowCount; i++) memory.fill(owned + u32at(rows, i) * rowBytes, 0, rowBytes);
  if (mode == STAGE1) {
    const w = <T>1 / <T>C;
    for (let i = 0; i < count; i++) {
      const c = <i32>u32at(items, i);
      const x = <usize>load<i32>(colX + (<usize>c) * 4);
      store<f64>(lossOf + (<usize>c) * 8, crossEntropy<T>(Mt + x * rowBytes, dMt + x * rowBytes, V, load<i32>(colY + (<usize>c) * 4), w));
    }
    return;
  }
  const joint = mode == JOINT;
  const partial = <usize>load<u32>(desc, PARTIAL_M);
  const own = joint && partial != 0 ? useGradientM(partial) : 0;
  if (joint) memory.fill(dMt, 0, (<usize>V) * rowBytes);
  accMinOpt = 1;
  accCorrect = 0;
  for (let i = 0; i < count; i++) {
    const n = <i32>u32at(items, i);
    store<f64>(lossOf + (<usize>n) * 8, sampleLoss<T>(n, true, joint, metrics));
  }
  if (own != 0) useGradientM(own);
  store<f64>(desc, accMinOpt, OUT_MIN_OPTIMAL);
  store<i32>(desc, accCorrect, OUT_CORRECT);
}

/**
 * Thread j's slice of the update's elementwise parts: max |g|, the new weights into g, their
 * copy into W; or of a joint step's dM (g) plus the partials. Slices start at multiples of 4
 * entries, so each is whole vectors.
 */
export function threadUpdate<T>(kind: i32, ctl: usize, j: i32, desc: usize): void {
  const s = sizeof<T>();
  const threads = load<i32>(ctl, THREADS);
  const count = load<i32>(ctl, U_COUNT);
  const n0 = (<i32>((<i64>count * j) / threads)) & ~3;
  const n1 = j == threads - 1 ? count : (<i32>((<i64>count * (j + 1)) / threads)) & ~3;
  const off = (<usize>n0) * s;
  const W = <usize>load<u32>(ctl, U_W) + off;
  const g = <usize>load<u32>(ctl, U_G) + off;
  const len = n1 - n0;
  if (kind == REDUCE_M) {
    for (let k = 1; k < threads; k++) {
      const partial = <usize>load<u32>(ctl + DESCRIPTORS + (<usize>k) * DESCRIPTOR_BYTES, PARTIAL_M) + off;
      axpy<T>(g, <T>1, partial, len);
    }
  } else if (kind == UPDATE_MAX) {
    store<f64>(desc, len > 0 ? <f64>amax<T>(g, len) : 0, OUT_MAX);
  } else if (kind == UPDATE_STEP) {
    const ok = stepInto<T>(g, W, g, len, <T>load<f64>(ctl, U_A), <T>load<f64>(ctl, U_M), <T>load<f64>(ctl, U_INV), load<i32>(ctl, U_BY_INV) != 0);
    store<i32>(desc, ok ? 1 : 0, OUT_OK);
  } else {
    memory.copy(W, g, (<usize>len) * s);
  }
}

/** Thread j's share of a parameter-space block: rows [nb·j/T, nb·(j+1)/T), or slices of d and |V|. */
export function threadParam<T>(command: i32, ctl: usize, j: i32): void {
  const threads = load<i32>(ctl, THREADS);
  const pass = load<i32>(ctl, P_PASS);
  const nb = load<i32>(ctl, P_NB);
  const flags = load<i32>(ctl, P_FLAGS);
  if (command == PARAM_ROWS) {
    blockRows<T>(pass, (nb * j) / threads, (nb * (j + 1)) / threads, (flags & 1) != 0, (flags & 4) != 0);
  } else {
    const a0 = <i32>((<i64>D * j) / threads);
    const a1 = <i32>((<i64>D * (j + 1)) / threads);
    const v0 = <i32>((<i64>V * j) / threads);
    const v1 = <i32>((<i64>V * (j + 1)) / threads);
    blockColumns<T>(pass, nb, a0, a1, v0, v1, (flags & 2) != 0);
  }
}

function threadPassOf(f32: bool, command: i32, ctl: usize, j: i32, desc: usize, lossOf: usize): void {
  if (command >= PARAM_ROWS) {
    if (f32) threadParam<f32>(command, ctl, j); else threadParam<f64>(command, ctl, j);
    return;
  }
  const kind = command & KIND;
  const metrics = (command & METRICS) != 0;
  if (kind >= UPDATE_MAX) {
    if (f32) threadUpdate<f32>(kind, ctl, j, desc); else threadUpdate<f64>(kind, ctl, j, desc);
  } else if (f32) threadPass<f32>(kind, metrics, desc, lossOf);
  else threadPass<f64>(kind, metrics, desc, lossOf);
}

/** Thread j's share of a command (a pass, a slice of the update or of a parameter-space block), in the module's precision. */
function runShare(ctl: usize, j: i32, command: i32): void {
  threadPassOf(F32, command, ctl, j, ctl + DESCRIPTORS + (<usize>j) * DESCRIPTOR_BYTES, <usize>load<u32>(ctl, LOSS_OF));
}

/** A worker's life: run each published command's share until QUIT. */
export function workerLoop(ctl: usize, j: i32): void {
  serve(ctl, j, runShare);
}

/** Coordinator: every thread's share of `command` (a pass, a part of the update or of a parameter-space block), the coordinator's included; false if a worker failed. */
function onEveryThread(ctl: usize, command: i32): bool {
  return runShares(ctl, command, runShare);
}

/**
 * step (assembly/train.ts) with its elementwise parts split across threads: the same numbers,
 * since max is exact and each new weight depends on its own gradient entry only. The sum of
 * squares runs on the coordinator alone, in the one-thread order. THREAD_FAILED if a worker failed.
 */
function parallelStep<T>(ctl: usize, W: usize, g: usize, count: i32, eta: f64, normalized: bool): i32 {
  store<u32>(ctl, <u32>W, U_W);
  store<u32>(ctl, <u32>g, U_G);
  store<i32>(ctl, count, U_COUNT);
  if (!onEveryThread(ctl, UPDATE_MAX)) return THREAD_FAILED;
  const threads = load<i32>(ctl, THREADS);
  let mm: f64 = 0;
  for (let j = 0; j < threads; j++) mm = max(mm, load<f64>(ctl + DESCRIPTORS + (<usize>j) * DESCRIPTOR_BYTES, OUT_MAX));
  const m = <T>mm;
  if (!isFinite<T>(m)) return DIVERGED;
  if (m == <T>0) {
    outGradNorm = 0;
    return CONVERGED;
  }
  const inv = <T>1 / m;
  const byInv = isFinite<T>(inv);
  const r = <T>Math.sqrt(<f64>scaledSumSquares<T>(g, count, m, inv, byInv));
  outGradNorm = <f64>m * <f64>r;
  store<f64>(ctl, normalized ? <f64>(<T>(eta / <f64>r)) : <f64>(<T>eta), U_A);
  store<f64>(ctl, normalized ? <f64>m : 1, U_M);
  store<f64>(ctl, normalized ? <f64>inv : 1, U_INV);
  store<i32>(ctl, normalized ? (byInv ? 1 : 0) : 1, U_BY_INV);
  if (!onEveryThread(ctl, UPDATE_STEP)) return THREAD_FAILED;
  for (let j = 0; j < threads; j++) if (load<i32>(ctl + DESCRIPTORS + (<usize>j) * DESCRIPTOR_BYTES, OUT_OK) == 0) return OVERFLOW;
  if (!onEveryThread(ctl, UPDATE_COPY)) return THREAD_FAILED;
  return RUNNING;
}

export { stopWorkers } from './barrier';

/** The attention metrics of every thread's last pass, with those of the fixed samples when `withFixed`. */
function gatherMetrics(ctl: usize, withFixed: bool): void {
  const threads = load<i32>(ctl, THREADS);
  let minOpt: f64 = withFixed ? fixedMinOpt : 1;
  let correct: i32 = withFixed ? fixedCorrect : 0;
  for (let j = 0; j < threads; j++) {
    const desc = ctl + DESCRIPTORS + (<usize>j) * DESCRIPTOR_BYTES;
    minOpt = min(minOpt, load<f64>(desc, OUT_MIN_OPTIMAL));
    correct += load<i32>(desc, OUT_CORRECT);
  }
  outMinOptimal = minOpt;
  outCorrect = correct;
}

/** What a loss function returns when a worker failed (no loss is ever −∞). */
export const FAILED_LOSS: f64 = -Infinity;

/** A parameter-space pass (param-space.ts pass1) with each block's rows and columns split; false if a worker failed. */
function paramPassThreaded<T>(ctl: usize, pass: i32, backward: bool, gradOv: bool, metrics: bool): bool {
  beginPass<T>(pass, backward, gradOv);
  store<i32>(ctl, pass, P_PASS);
  store<i32>(ctl, (backward ? 1 : 0) | (gradOv ? 2 : 0) | (metrics ? 4 : 0), P_FLAGS);
  let from = 0;
  for (;;) {
    const nb = fillBlock(pass, from);
    if (nb == 0) break;
    from = nextItem;
    store<i32>(ctl, nb, P_NB);
    if (!onEveryThread(ctl, PARAM_ROWS)) return false;
    if (backward && !onEveryThread(ctl, PARAM_COLS)) return false;
    foldBlock(nb, metrics);
  }
  return true;
}

/** paramStage2Loss (param-space.ts) with the passes split across threads; the fixed samples' part on the coordinator. */
function paramStage2LossThreaded<T>(ctl: usize, joint: bool, metrics: bool): f64 {
  let loss: f64;
  if (joint) {
    if (!paramPassThreaded<T>(ctl, P_ALL, true, true, metrics)) return FAILED_LOSS;
    loss = sumLoss;
  } else {
    paramFixedPart<T>();
    if (!paramPassThreaded<T>(ctl, P_VARYING, true, false, metrics)) return FAILED_LOSS;
    loss = fixedLoss + sumLoss;
    sumMinOpt = min(fixedMinOpt, sumMinOpt);
    sumCorrect += fixedCorrect;
  }
  paramGradWkq<T>();
  if (metrics) {
    outMinOptimal = sumMinOpt;
    outCorrect = sumCorrect;
  }
  return loss;
}

/** L0 with dM (into gWovT through gradWov), as stage1Loss computes it. */
function stage1LossThreaded<T>(ctl: usize): f64 {
  if (PARAM) return paramPassThreaded<T>(ctl, P_STAGE1, true, true, false) ? sumLoss / <f64>C : FAILED_LOSS;
  if (!onEveryThread(ctl, STAGE1)) return FAILED_LOSS;
  const lossOf = <usize>load<u32>(ctl, LOSS_OF);
  let loss: f64 = 0;
  for (let c = 0; c < C; c++) loss += load<f64>(lossOf + (<usize>c) * 8);
  gradWov<T>();
  return loss / <f64>C;
}

/** L with dK (and dM when joint), as stage2Loss computes it. */
export function stage2LossThreaded<T>(ctl: usize, joint: bool, metrics: bool): f64 {
  if (PARAM) return paramStage2LossThreaded<T>(ctl, joint, metrics);
  if (!joint) fixedPart<T>();
  if (!onEveryThread(ctl, (joint ? JOINT : STAGE2) | (metrics ? METRICS : 0))) return FAILED_LOSS;
  const lossOf = <usize>load<u32>(ctl, LOSS_OF);
  let loss: f64 = joint ? 0 : fixedLoss;
  for (let n = 0; n < N; n++) {
    if (!joint && load<i32>(fixed + (<usize>n) * 4)) continue;
    loss += load<f64>(lossOf + (<usize>n) * 8);
  }
  if (joint) {
    // the workers' partials of dM, added in thread order (each entry as the coordinator alone would)
    store<u32>(ctl, <u32>dMt, U_G);
    store<i32>(ctl, V * V, U_COUNT);
    if (!onEveryThread(ctl, REDUCE_M)) return FAILED_LOSS;
  }
  gradWkq<T>();
  if (joint) gradWov<T>();
  if (metrics) gatherMetrics(ctl, !joint);
  return loss;
}

/** stage1Steps (assembly/train.ts) with the loss and gradient pass split across threads */
export function parallelStage1Steps<T>(ctl: usize, k: i32, eta: f64, normalized: bool): i32 {
  for (let t = 0; t < k; t++) {
    outSteps = t;
    const loss = stage1LossThreaded<T>(ctl);
    if (loss == FAILED_LOSS) return THREAD_FAILED;
    outLoss = loss;
    if (t == 0) outFirstLoss = loss;
    if (!isFinite(loss)) return DIVERGED;
    const status = parallelStep<T>(ctl, WovT, gWovT, D * V, eta, normalized);
    if (status != RUNNING) return status;
    refreshM<T>();
  }
  outSteps = k;
  return RUNNING;
}

/** stage2Steps with the pass split across threads */
export function parallelStage2Steps<T>(ctl: usize, k: i32, eta: f64, normalized: bool): i32 {
  for (let t = 0; t < k; t++) {
    outSteps = t;
    const loss = stage2LossThreaded<T>(ctl, false, t == 0);
    if (loss == FAILED_LOSS) return THREAD_FAILED;
    outLoss = loss;
    if (t == 0) outFirstLoss = loss;
    if (!isFinite(loss)) return DIVERGED;
    const status = parallelStep<T>(ctl, WkqT, gWkqT, D * D, eta, normalized);
    if (status != RUNNING) return status;
    refreshK<T>();
  }
  outSteps = k;
  return RUNNING;
}

/** jointSteps with the pass split across threads */
export function parallelJointSteps<T>(ctl: usize, k: i32, etaOv: f64, etaKq: f64, normalized: bool): i32 {
  for (let t = 0; t < k; t++) {
    outSteps = t;
    const loss = stage2LossThreaded<T>(ctl, true, t == 0);
    if (loss == FAILED_LOSS) return THREAD_FAILED;
    outLoss = loss;
    if (t == 0) outFirstLoss = loss;
    if (!isFinite(loss)) return DIVERGED;
    const sKq = parallelStep<T>(ctl, WkqT, gWkqT, D * D, etaKq, normalized);
    const gKq = outGradNorm;
    const sOv = parallelStep<T>(ctl, WovT, gWovT, D * V, etaOv, normalized);
    if (sKq == THREAD_FAILED || sOv == THREAD_FAILED) return THREAD_FAILED;
    const status = jointStatus(sKq, sOv);
    if (status != RUNNING) return status;
    outGradNorm = Math.hypot(gKq, outGradNorm);
    refreshM<T>();
    refreshK<T>();
  }
  outSteps = k;
  return RUNNING;
}
