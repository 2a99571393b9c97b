// The module's exports. Precision is fixed per instance at layout time; each export
// dispatches once per call to the f64 or f32 instantiation of the generic kernels.

import { F32 } from './state';
import * as S from './state';
import { stage1Steps, stage2Steps, jointSteps, stage1Loss, stage2Loss, kernelPass } from './train';
import { refreshM, refreshK } from './embed';
import { transposeEmbedding } from './param-space';
import { blockLogits } from './logits';
import { expShift } from './exp';
import { crossEntropy } from './softmax';
import { gemmNN, gemmNT } from './matmul';
import { expShiftSum } from './exp';
import { expShiftSumTaylor } from './exp-taylor';
import { stage2GradientBaseline } from './baseline-step';

export { layout, scratch } from './state';

export function ptrOffsets(): usize { return S.offsets; }
export function ptrTokens(): usize { return S.tokens; }
export function ptrLabels(): usize { return S.labels; }
export function ptrWeights(): usize { return S.weights; }
export function ptrOptimal(): usize { return S.optimal; }
export function ptrFixed(): usize { return S.fixed; }
export function ptrColX(): usize { return S.colX; }
export function ptrColY(): usize { return S.colY; }
export function ptrE(): usize { return S.E; }
export function ptrWovT(): usize { return S.WovT; }
export function ptrWkqT(): usize { return S.WkqT; }
export function ptrGradWovT(): usize { return S.gWovT; }
export function ptrGradWkqT(): usize { return S.gWkqT; }
export function ptrMt(): usize { return S.Mt; }
export function ptrKt(): usize { return S.Kt; }
export function ptrZ(): usize { return S.z; }
export function ptrDz(): usize { return S.dz; }
export function resultLoss(): f64 { return S.outLoss; }
export function resultFirstLoss(): f64 { return S.outFirstLoss; }
export function resultGradNorm(): f64 { return S.outGradNorm; }
export function resultMinOptimal(): f64 { return S.outMinOptimal; }
export function resultCorrect(): i32 { return S.outCorrect; }
export function resultSteps(): i32 { return S.outSteps; }

/** Recompute token-space M and K (parameter space: Eᵀ and the queries' W_kq x_q) after the host wrote E, W_ov or W_kq. */
export function refresh(): void {
  if (S.PARAM) {
    if (F32) transposeEmbedding<f32>(S.E); else transposeEmbedding<f64>(S.E);
  }
  if (F32) { refreshM<f32>(); refreshK<f32>(); } else { refreshM<f64>(); refreshK<f64>(); }
}

export function runStage1(k: i32, eta: f64, normalized: bool): i32 {
  return F32 ? stage1Steps<f32>(k, eta, normalized) : stage1Steps<f64>(k, eta, normalized);
}

export function runStage2(k: i32, eta: f64, normalized: bool): i32 {
  return F32 ? stage2Steps<f32>(k, eta, normalized) : stage2Steps<f64>(k, eta, normalized);
}

export function runJoint(k: i32, etaOv: f64, etaKq: f64, normalized: bool): i32 {
  return F32 ? jointSteps<f32>(k, etaOv, etaKq, normalized) : jointSteps<f64>(k, etaOv, etaKq, normalized);
}

/**
 * Loss (and, with `backward`, the gradients into gWovT / gWkqT) at the current weights.
 * which: 0 = stage-1 loss L0, 1 = L with dK, 2 = L with dK and dM (joint).
 * With `metrics`, also the least optimal attention and the count of correct samples.
 */
export function evaluate(which: i32, backward: bool, metrics: bool): f64 {
  let loss: f64;
  if (which == 0) loss = F32 ? stage1Loss<f32>(backward) : stage1Loss<f64>(backward);
  else loss = F32 ? stage2Loss<f32>(backward, which == 2, metrics) : stage2Loss<f64>(backward, which == 2, metrics);
  S.outLoss = loss;
  return loss;
}

// Single kernels, exported for the tests and the benchmarks.
export function kernelExp(out: usize, x: usize, n: i32): void {
  if (F32) expShift<f32>(out, x, n, 0); else expShift<f64>(out, x, n, 0);
}
export function kernelCrossEntropy(zp: usize, dzp: usize, n: i32, y: i32): f64 {
  return F32 ? crossEntropy<f32>(zp, dzp, n, y, 1) : crossEntropy<f64>(zp, dzp, n, y, 1);
}
export function kernelGemmNN(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, aRow: i32, aCol: i32): void {
  if (F32) gemmNN<f32>(c, a, b, m, n, k, aRow, aCol); else gemmNN<f64>(c, a, b, m, n, k, aRow, aCol);
}
export function kernelGemmNT(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32): void {
  if (F32) gemmNT<f32>(c, a, b, m, n, k); else gemmNT<f64>(c, a, b, m, n, k);
}
/** Z = H·Wt over a block of rows (assembly/logits.ts), for the benchmarks' SIMD peak */
export function kernelBlockLogits(Z: usize, H: usize, Wt: usize, rows: i32, v: i32, d: i32): void {
  if (F32) blockLogits<f32>(Z, H, Wt, rows, v, d); else blockLogits<f64>(Z, H, Wt, rows, v, d);
}
export function kernelSamplePass(which: i32): void {
  if (F32) kernelPass<f32>(which); else kernelPass<f64>(which);
}

// The exp over a vector with its sum (f64), today's rational form and the Taylor baseline, for the benchmark.
export function kernelExpSum(out: usize, x: usize, n: i32): f64 {
  return expShiftSum<f64>(out, x, n, 0);
}
export function kernelExpSumTaylor(out: usize, x: usize, n: i32): f64 {
  return expShiftSumTaylor(out, x, n, 0);
}
// The stage-2 loss and gradient pass with the kernels before the cheaper step (f64 models only), for the benchmark's baseline.
export function kernelStage2GradientBaseline(): f64 {
  return F32 ? NaN : stage2GradientBaseline();
}
// Stage-2 heads of the cyclic-orders family (pointer-and-size kernels, f64).
export { selectionForward, selectionBackward } from './cyclic/selection';
export { genForward, genBackward } from './cyclic/gen';

// Factorized attention W_kq = K_f·Q_fᵀ (assembly/factorized/steps.ts); K, Q, gK, gQ are d×m buffers the
// host reserves with scratch().
import { factorizedSteps, factorizedLoss, factorProductForward } from './factorized/steps';
export function factorizedRefresh(K: usize, Q: usize, m: i32): void {
  if (F32) factorProductForward<f32>(K, Q, m); else factorProductForward<f64>(K, Q, m);
}
export function factorizedRun(k: i32, etaOv: f64, etaKq: f64, normalized: bool, joint: bool, lambda: f64, K: usize, Q: usize, gK: usize, gQ: usize, m: i32): i32 {
  return F32
    ? factorizedSteps<f32>(k, etaOv, etaKq, normalized, joint, lambda, K, Q, gK, gQ, m)
    : factorizedSteps<f64>(k, etaOv, etaKq, normalized, joint, lambda, K, Q, gK, gQ, m);
}
export function factorizedEvaluate(backward: bool, joint: bool, metrics: bool, lambda: f64, K: usize, Q: usize, gK: usize, gQ: usize, m: i32): f64 {
  const loss = F32
    ? factorizedLoss<f32>(K, Q, gK, gQ, m, lambda, backward, joint, metrics)
    : factorizedLoss<f64>(K, Q, gK, gQ, m, lambda, backward, joint, metrics);
  S.outLoss = loss;
  return loss;
}

// The recall family (docs/theory/recall.md): kernels over buffers the host passes by pointer and size; `f32`
// selects the instantiation. Host: src/tasks/recall/engine-wasm.ts.
import { forwardBackward as recallFB, evaluate as recallEval, scratchBytes as recallScratch } from './recall/model';
import { ngdStep as recallNgdStep } from './recall/ngd';

export function recallScratchBytes(N: i32, H: i32, f32: bool): usize {
  return recallScratch(N, H, f32 ? 4 : 8);
}
export function recallForwardBackward(f32: bool, sigma: i32, kappa: i32, useF: bool, N: i32, H: i32, B: i32, tokens: usize, targets: usize, W: usize, V: usize, F: usize, gW: usize, gV: usize, gF: usize, scratch: usize): f64 {
  return f32
    ? recallFB<f32>(sigma, kappa, useF, N, H, B, tokens, targets, W, V, F, gW, gV, gF, scratch)
    : recallFB<f64>(sigma, kappa, useF, N, H, B, tokens, targets, W, V, F, gW, gV, gF, scratch);
}
export function recallEvaluate(f32: bool, sigma: i32, kappa: i32, useF: bool, N: i32, H: i32, B: i32, tokens: usize, targets: usize, outputs: usize, tau: i32, W: usize, V: usize, F: usize, scratch: usize, out: usize): void {
  if (f32) recallEval<f32>(sigma, kappa, useF, N, H, B, tokens, targets, outputs, tau, W, V, F, scratch, out);
  else recallEval<f64>(sigma, kappa, useF, N, H, B, tokens, targets, outputs, tau, W, V, F, scratch, out);
}
export function recallNgd(f32: bool, w: usize, g: usize, n: i32, eta: f64): f64 {
  return f32 ? recallNgdStep<f32>(w, g, n, eta) : recallNgdStep<f64>(w, g, n, eta);
}

// The autoregressive family's causal transformer (assembly/autoregressive/): a whole sequence's
// forward and backward per call over the layout at `lay` (step.ts); `f32` picks the
// instantiation, independent of the layout's precision.
import { prepareWeights, forwardSequence, gradientSequence, finishGradient } from './autoregressive/step';
import { adamStep } from './autoregressive/adam';
import { axpy } from './vec';

export function causalPrepare(f32: bool, lay: usize): void {
  if (f32) prepareWeights<f32>(lay); else prepareWeights<f64>(lay);
}
export function causalForward(f32: bool, lay: usize, x: usize): void {
  if (f32) forwardSequence<f32>(lay, x); else forwardSequence<f64>(lay, x);
}
export function causalGradient(f32: bool, lay: usize, x: usize, scale: f64): f64 {
  return f32 ? gradientSequence<f32>(lay, x, scale) : gradientSequence<f64>(lay, x, scale);
}
export function causalFinish(f32: bool, lay: usize): void {
  if (f32) finishGradient<f32>(lay); else finishGradient<f64>(lay);
}
export function causalAdam(f32: bool, w: usize, g: usize, m: usize, v: usize, n: i32, lr: f64, b1: f64, b2: f64, eps: f64, bc1: f64, bc2: f64): void {
  if (f32) adamStep<f32>(w, g, m, v, n, lr, b1, b2, eps, bc1, bc2); else adamStep<f64>(w, g, m, v, n, lr, b1, b2, eps, bc1, bc2);
}
export function causalAxpy(f32: bool, y: usize, a: f64, x: usize, n: i32): void {
  if (f32) axpy<f32>(y, <f32>a, x, n); else axpy<f64>(y, a, x, n);
}
// f32 instantiations of the cyclic family's heads (the f64 ones are exported above).
export { selectionForward32, selectionBackward32 } from './cyclic/selection';
export { genForward32, genBackward32 } from './cyclic/gen';
// The heads' embedding products (assembly/cyclic/products.ts), f64 or f32 by `f32`.
import { headScores, headWeightGradient } from './cyclic/products';
export function cyclicScores(f32: bool, W: usize, E: usize, Y: usize, Kt: usize, d: i32, V: i32): void {
  if (f32) headScores<f32>(W, E, Y, Kt, d, V); else headScores<f64>(W, E, Y, Kt, d, V);
}
import { headNgdStep } from './cyclic/ngd';
export function cyclicNgdStep(f32: bool, W: usize, G: usize, prev: usize, n: i32, eta: f64, normalized: bool, hasPrev: bool, out: usize): i32 {
  return f32 ? headNgdStep<f32>(W, G, prev, n, eta, normalized, hasPrev, out) : headNgdStep<f64>(W, G, prev, n, eta, normalized, hasPrev, out);
}
export function cyclicWeightGradient(f32: bool, dKt: usize, E: usize, Y: usize, G: usize, d: i32, V: i32): void {
  if (f32) headWeightGradient<f32>(dKt, E, Y, G, d, V); else headWeightGradient<f64>(dKt, E, Y, G, d, V);
}

// The SIMD ceiling the benchmarks compare against (assembly/peak.ts).
import { peakMulAdd } from './peak';
export function kernelPeak(f32: bool, n: i32): f64 {
  return f32 ? peakMulAdd<f32>(n) : peakMulAdd<f64>(n);
}

// Causal kernel descent over a set of sequences (assembly/autoregressive/ckd.ts, f64).
export { ckdSet, ckdScratchBytes } from './autoregressive/ckd';
