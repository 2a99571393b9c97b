// The threaded build's exports (asconfig.json target `threads`: shared, imported memory). The
// model's exports of assembly/index.ts that WasmModel uses, and the threaded steps. Used only
// for models trained on more than one thread; the one-thread build is assembly/index.ts.

import { F32 } from './state';
import { parallelStage1Steps, parallelStage2Steps, parallelJointSteps, workerLoop as loop, stopWorkers } from './parallel-train';

export {
  layout, scratch, ptrOffsets, ptrTokens, ptrLabels, ptrWeights, ptrOptimal, ptrFixed, ptrColX, ptrColY, ptrE,
  ptrWovT, ptrWkqT, ptrGradWovT, ptrGradWkqT, ptrMt, ptrKt, ptrZ, ptrDz,
  resultLoss, resultFirstLoss, resultGradNorm, resultMinOptimal, resultCorrect, resultSteps,
  refresh, runStage1, runStage2, runJoint, evaluate, kernelSamplePass,
} from './index';
export { describeLayout, adoptLayout } from './state';
export { stopWorkers };

export function runStage1Threaded(ctl: usize, k: i32, eta: f64, normalized: bool): i32 {
  return F32 ? parallelStage1Steps<f32>(ctl, k, eta, normalized) : parallelStage1Steps<f64>(ctl, k, eta, normalized);
}

export function runStage2Threaded(ctl: usize, k: i32, eta: f64, normalized: bool): i32 {
  return F32 ? parallelStage2Steps<f32>(ctl, k, eta, normalized) : parallelStage2Steps<f64>(ctl, k, eta, normalized);
}

export function runJointThreaded(ctl: usize, k: i32, etaOv: f64, etaKq: f64, normalized: bool): i32 {
  return F32 ? parallelJointSteps<f32>(ctl, k, etaOv, etaKq, normalized) : parallelJointSteps<f64>(ctl, k, etaOv, etaKq, normalized);
}

/** A worker's whole life: runs its share of each published command until stopWorkers. */
export function workerLoop(ctl: usize, j: i32): void {
  loop(ctl, j);
}

// The autoregressive family's threaded step (assembly/autoregressive/parallel.ts) and the
// single-sequence kernels its host also calls on this instance.
import { parallelGradient, workerLoop as causalLoop } from './autoregressive/parallel';
export { causalPrepare, causalForward, causalGradient, causalFinish, causalAdam, causalAxpy } from './index';
export function causalGradientThreaded(f32: bool, ctl: usize): f64 {
  return f32 ? parallelGradient<f32>(ctl) : parallelGradient<f64>(ctl);
}
export function causalWorkerLoop(ctl: usize, j: i32): void {
  causalLoop(ctl, j);
}
export { stopWorkers as causalStopWorkers } from './barrier';

// The recall family's threaded forward and backward (assembly/recall/parallel.ts) and the
// kernels its host also calls on this instance.
import { parallelForwardBackward, workerLoop as recallLoop } from './recall/parallel';
export { recallScratchBytes, recallForwardBackward, recallEvaluate, recallNgd } from './index';
export function recallForwardBackwardThreaded(f32: bool, ctl: usize): f64 {
  return f32 ? parallelForwardBackward<f32>(ctl) : parallelForwardBackward<f64>(ctl);
}
export function recallWorkerLoop(ctl: usize, j: i32): void {
  recallLoop(ctl, j);
}
export { stopWorkers as recallStopWorkers } from './barrier';

// The factorized family's steps with the core model's pass on threads (assembly/factorized/parallel.ts),
// and the exports its host also calls on this instance.
import { parallelFactorizedSteps } from './factorized/parallel';
export { factorizedRefresh, factorizedEvaluate } from './index';
export function factorizedRunThreaded(ctl: usize, k: i32, etaOv: f64, etaKq: f64, normalized: bool, joint: bool, lambda: f64, K: usize, Q: usize, gK: usize, gQ: usize, m: i32): i32 {
  return F32
    ? parallelFactorizedSteps<f32>(ctl, k, etaOv, etaKq, normalized, joint, lambda, K, Q, gK, gQ, m)
    : parallelFactorizedSteps<f64>(ctl, k, etaOv, etaKq, normalized, joint, lambda, K, Q, gK, gQ, m);
}

// The cyclic family's selection and gen heads on threads (assembly/cyclic/parallel.ts), and the
// one-thread head kernels its host also calls on this instance.
import { parallelHeadForward, parallelHeadBackward, workerLoop as headLoop } from './cyclic/parallel';
export { selectionForward, selectionBackward, genForward, genBackward, selectionForward32, selectionBackward32, genForward32, genBackward32, cyclicScores, cyclicWeightGradient, cyclicNgdStep } from './index';
export function cyclicHeadForwardThreaded(f32: bool, ctl: usize): f64 {
  return f32 ? parallelHeadForward<f32>(ctl) : parallelHeadForward<f64>(ctl);
}
export function cyclicHeadBackwardThreaded(f32: bool, ctl: usize): bool {
  return f32 ? parallelHeadBackward<f32>(ctl) : parallelHeadBackward<f64>(ctl);
}
export function cyclicWorkerLoop(ctl: usize, j: i32): void {
  headLoop(ctl, j);
}
export { stopWorkers as cyclicStopWorkers } from './barrier';
