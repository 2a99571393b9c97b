// The training steps. Each exported loop runs k steps inside WebAssembly so the host
// crosses the boundary once per chunk; nothing here allocates.

import {
  V, D, N, C, ONE_HOT, PARAM, offsets, tokens, labels, weights, optimal, fixed, colX, colY,
  WovT, WkqT, gWovT, gWkqT, Mt, dMt, dKt, z, dz, phi,
  outLoss, outFirstLoss, outGradNorm, outMinOptimal, outCorrect, outSteps,
} from './state';
import { crossEntropy } from './softmax';
import { attentionForward, logitsForward, attentionBackward } from './attention';
import { refreshM, refreshK, gradWov, gradWkq } from './embed';
import { fixedValid, fixedLoss, fixedMinOpt, fixedCorrect } from './fixed-cache';
import { amax, scaledSumSquares, stepInto } from './vec';
import { paramStage1Loss, paramStage2Loss } from './param-space';

/** Status codes shared with the host (src/engine/status.ts). */
export const RUNNING = 0;
export const CONVERGED = 1; // the gradient underflowed to exactly zero
export const DIVERGED = 2; // the loss or gradient is not finite
export const OVERFLOW = 3; // the next step would take a weight out of the precision's range (not taken)

@inline function i32at(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i) * 4);
}

/** Stage-1 loss L0 = mean cross-entropy of the collocation with attention removed (z_x = M[:, x]). */
export function stage1Loss<T>(backward: bool): f64 {
  if (PARAM) return paramStage1Loss<T>(backward);
  const s = sizeof<T>();
  const rowBytes = (<usize>V) * s;
  const w = <T>1 / <T>C;
  let loss: f64 = 0;
  if (backward) memory.fill(dMt, 0, (<usize>V) * rowBytes);
  for (let c = 0; c < C; c++) {
    const x = i32at(colX, c);
    // each x occurs once in the collocation, so its dM row is written, not accumulated
    const target = backward ? dMt + (<usize>x) * rowBytes : dz;
    loss += crossEntropy<T>(Mt + (<usize>x) * rowBytes, target, V, i32at(colY, c), w);
  }
  if (backward) gradWov<T>();
  return loss / <f64>C;
}

// Metrics accumulated over samples by sampleLoss (read by the threaded passes, assembly/parallel-train.ts).
export let accMinOpt: f64 = 1;
export let accCorrect: i32 = 0;


/** Loss and metrics of the fixed samples, computed once while W_ov stays fixed. */
export function fixedPart<T>(): void {
  if (fixedValid) return;
  accMinOpt = 1;
  accCorrect = 0;
  fixedLoss = 0;
  for (let n = 0; n < N; n++) if (i32at(fixed, n)) fixedLoss += sampleLoss<T>(n, false, false, true);
  fixedMinOpt = accMinOpt;
  fixedCorrect = accCorrect;
  fixedValid = true;
}

/** π_n ℓ_n for sample n, with its backward and metrics as asked */
export function sampleLoss<T>(n: i32, backward: bool, joint: bool, metrics: bool): f64 {
  const s = sizeof<T>();
  const start = i32at(offsets, n);
  const L = i32at(offsets, n + 1) - start;
  const q = i32at(tokens, start + L - 1);
  const y = i32at(labels, n);
  const w = load<T>(weights + (<usize>n) * s);
  attentionForward<T>(start, L, q);
  logitsForward<T>(start, L);
  const loss = <f64>w * crossEntropy<T>(z, dz, V, y, w);
  if (backward) attentionBackward<T>(start, L, q, joint);
  if (metrics) {
    const o = i32at(optimal, n);
    if (o >= 0) {
      let mass: f64 = 0;
      for (let l = 0; l < L; l++) if (i32at(tokens, start + l) == o) mass += <f64>load<T>(phi + (<usize>l) * s);
      accMinOpt = min(accMinOpt, mass);
    }
    if (strictArgmax<T>(z, V, y)) accCorrect++;
  }
  return loss;
}

/**
 * Loss L = Σ_n π_n ℓ_n of the full model. With `backward`, accumulates dK (and dM when
 * `joint`) over all samples; with `metrics`, records the least attention on an optimal
 * token and the number of samples whose label is the strict argmax.
 */
export function stage2Loss<T>(backward: bool, joint: bool, metrics: bool): f64 {
  if (PARAM) return paramStage2Loss<T>(backward, joint, metrics);
  const rowBytes = (<usize>V) * sizeof<T>();
  if (backward) {
    memory.fill(dKt, 0, (<usize>V) * rowBytes);
    if (joint) memory.fill(dMt, 0, (<usize>V) * rowBytes);
  }
  let loss: f64 = 0;
  accMinOpt = 1;
  accCorrect = 0;
  // joint training moves M every step, so nothing is reused there
  const reuse = !joint;
  if (reuse) {
    fixedPart<T>();
    loss = fixedLoss;
    accMinOpt = fixedMinOpt;
    accCorrect = fixedCorrect;
  }
  for (let n = 0; n < N; n++) {
    if (reuse && i32at(fixed, n)) continue;
    loss += sampleLoss<T>(n, backward, joint, metrics);
  }
  if (backward) {
    gradWkq<T>();
    if (joint) gradWov<T>();
  }
  if (metrics) {
    outMinOptimal = accMinOpt;
    outCorrect = accCorrect;
  }
  return loss;
}

function strictArgmax<T>(x: usize, n: i32, y: i32): bool {
  const s = sizeof<T>();
  const xy = load<T>(x + (<usize>y) * s);
  for (let v = 0; v < n; v++) if (v != y && load<T>(x + (<usize>v) * s) >= xy) return false;
  return true;
}

/**
 * One gradient step on W (count entries): normalized, W ← W − η ∇/‖∇‖_F, or plain,
 * W ← W − η ∇. The norm is max|∇|·‖∇/max|∇|‖ so that it neither underflows nor overflows.
 * The new weights are formed in the gradient's buffer and copied over only if all are finite.
 */
export function step<T>(W: usize, g: usize, count: i32, eta: f64, normalized: bool): i32 {
  const m = amax<T>(g, count);
  if (!isFinite<T>(m)) return DIVERGED;
  if (m == <T>0) {
    outGradNorm = 0;
    return CONVERGED;
  }
  const inv = <T>1 / m;
  const byInv = isFinite<T>(inv);
  const r = <T>Math.sqrt(<f64>scaledSumSquares<T>(g, count, m, inv, byInv));
  outGradNorm = <f64>m * <f64>r;
  const ok = normalized
    ? stepInto<T>(g, W, g, count, <T>(eta / <f64>r), m, inv, byInv)
    : stepInto<T>(g, W, g, count, <T>eta, <T>1, <T>1, true);
  if (!ok) return OVERFLOW;
  memory.copy(W, g, (<usize>count) * sizeof<T>());
  return RUNNING;
}

/** k steps of (normalized) gradient descent on L0 over W_ov */
export function stage1Steps<T>(k: i32, eta: f64, normalized: bool): i32 {
  for (let t = 0; t < k; t++) {
    outSteps = t;
    const loss = stage1Loss<T>(true);
    outLoss = loss;
    if (t == 0) outFirstLoss = loss;
    if (!isFinite(loss)) return DIVERGED;
    const status = step<T>(WovT, gWovT, D * V, eta, normalized);
    if (status != RUNNING) return status;
    refreshM<T>();
  }
  outSteps = k;
  return RUNNING;
}

/** k steps on L over W_kq with W_ov fixed */
export function stage2Steps<T>(k: i32, eta: f64, normalized: bool): i32 {
  for (let t = 0; t < k; t++) {
    outSteps = t;
    const loss = stage2Loss<T>(true, false, t == 0);
    outLoss = loss;
    if (t == 0) outFirstLoss = loss;
    if (!isFinite(loss)) return DIVERGED;
    const status = step<T>(WkqT, gWkqT, D * D, eta, normalized);
    if (status != RUNNING) return status;
    refreshK<T>();
  }
  outSteps = k;
  return RUNNING;
}

/** A joint step's status from its two layers' step statuses (also the threaded loop's). */
export function jointStatus(sKq: i32, sOv: i32): i32 {
  if (sKq == DIVERGED || sOv == DIVERGED) return DIVERGED;
  if (sKq == OVERFLOW || sOv == OVERFLOW) return OVERFLOW;
  // both gradients zero is convergence; one alone still leaves the other layer moving
  if (sKq == CONVERGED && sOv == CONVERGED) return CONVERGED;
  return RUNNING;
}

/** k steps on L over both layers at once, each layer normalized on its own */
export function jointSteps<T>(k: i32, etaOv: f64, etaKq: f64, normalized: bool): i32 {
  for (let t = 0; t < k; t++) {
    outSteps = t;
    const loss = stage2Loss<T>(true, true, t == 0);
    outLoss = loss;
    if (t == 0) outFirstLoss = loss;
    if (!isFinite(loss)) return DIVERGED;
    const sKq = step<T>(WkqT, gWkqT, D * D, etaKq, normalized);
    const gKq = outGradNorm;
    const sOv = step<T>(WovT, gWovT, D * V, etaOv, normalized);
    const status = jointStatus(sKq, sOv);
    if (status != RUNNING) return status;
    outGradNorm = Math.hypot(gKq, outGradNorm);
    refreshM<T>();
    refreshK<T>();
  }
  outSteps = k;
  return RUNNING;
}

/**
 * One pass of a single kernel over every sample, for the benchmarks: 0 = attention scores,
 * softmax and gathered logits; 1 = cross-entropy (log-sum-exp and dz) of the logits; 2 = the
 * attention backward with dK accumulation. Inputs left from earlier passes are reused as they are.
 */
export function kernelPass<T>(which: i32): void {
  if (PARAM) return; // token-space kernels only
  const s = sizeof<T>();
  for (let n = 0; n < N; n++) {
    const start = i32at(offsets, n);
    const L = i32at(offsets, n + 1) - start;
    const q = i32at(tokens, start + L - 1);
    if (which == 0) {
      attentionForward<T>(start, L, q);
      logitsForward<T>(start, L);
    } else if (which == 1) {
      crossEntropy<T>(z, dz, V, i32at(labels, n), load<T>(weights + (<usize>n) * s));
    } else {
      attentionBackward<T>(start, L, q, false);
    }
  }
}
