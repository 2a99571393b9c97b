// The model in parameter space: W_ov ∈ R^{|V|×d} and W_kq ∈ R^{d×d} act on the embeddings
// x_t = E[:, t] and no |V|×|V| matrix is formed. For a sample with context t_1…t_L and query
// q = t_L: u_q = W_kq x_q, scores s_l = x_{t_l}·u_q, φ = softmax(s), h = Σ_l φ_l x_{t_l},
// logits z = W_ov h. Backward: dh = W_ovᵀ dz, dφ_l = x_{t_l}·dh, ds_l as in token space,
// ∂L/∂u_q += Σ_l ds_l x_{t_l} (gU), ∇W_ov += dz hᵀ, and at the end ∇W_kq = Σ_q gU_q x_qᵀ.
// These are the token-space quantities of assembly/attention.ts with K[t, q] = x_tᵀ W_kq x_q
// and M[:, t] = W_ov x_t, computed in another order (equal to rounding).
//
// Samples go in blocks of BLOCK so that the logits and their backward are matrix products
// ((block × d)·(d × |V|), assembly/logits.ts); no samples × |V| matrix outlives its block.
// A block is worked in two phases: rows (each sample's forward and backward, independent of the
// others) and columns (the sums over the block's samples into gU and ∇W_ov, each entry in
// sample order). The threaded build splits both phases (assembly/parallel-train.ts); every entry
// is computed by the same operations whichever thread computes it, so any thread count gives
// the one-thread numbers bit for bit.

import {
  V, D, N, C, MAXL, offsets, tokens, labels, weights, optimal, fixed, colX, colY,
  WovT, WkqT, gWovT, gWkqT, ET, U, gU, BLOCK, blkN, Hb, Zb, dZb, dHb, Gb, phiB, dphiB, lossB, optB, corrB, accB,
  outMinOptimal, outCorrect,
} from './state';
import { crossEntropy } from './softmax';
import { expShiftSum } from './exp';
import { axpy, dot, scale, scaleInto } from './vec';
import { gemmNN } from './matmul';
import { blockLogits, blockLogitsBackward, blockOuterAccumulate } from './logits';
import { fixedValid, fixedLoss, fixedMinOpt, fixedCorrect } from './fixed-cache';

/** What a pass runs over: collocation pairs (stage 1), the samples that depend on W_kq, all samples, the fixed samples. */
export const P_STAGE1 = 0;
export const P_VARYING = 1;
export const P_ALL = 2;
export const P_FIXED = 3;

@inline function i32at(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i) * 4);
}

/** ET = Eᵀ (row t is token t's embedding); after the host wrote E. */
export function transposeEmbedding<T>(E: usize): void {
  const s = sizeof<T>();
  for (let a = 0; a < D; a++) {
    for (let t = 0; t < V; t++) {
      store<T>(ET + ((<usize>t) * (<usize>D) + (<usize>a)) * s, load<T>(E + ((<usize>a) * (<usize>V) + (<usize>t)) * s));
    }
  }
}

/** U = ET·W_kqᵀ, row q = (W_kq x_q)ᵀ; after every change of W_kq */
export function paramRefreshK<T>(): void {
  gemmNN<T>(U, ET, WkqT, V, D, D, D, 1);
}

/** ∇W_kqᵀ = ETᵀ·gU (∇W_kq = Σ_q gU_q x_qᵀ) */
export function paramGradWkq<T>(): void {
  gemmNN<T>(gWkqT, ET, gU, D, D, V, 1, D);
}

/**
 * The next block of the pass's items from item `from` on: their indices into blkN; returns the
 * number taken (0 at the end) and leaves the next item to look at in `nextItem`.
 */
export let nextItem: i32 = 0;
export function fillBlock(pass: i32, from: i32): i32 {
  const end = pass == P_STAGE1 ? C : N;
  let nb = 0;
  let n = from;
  for (; n < end && nb < BLOCK; n++) {
    if (pass == P_VARYING && i32at(fixed, n) != 0) continue;
    if (pass == P_FIXED && i32at(fixed, n) == 0) continue;
    store<i32>(blkN + (<usize>nb) * 4, n);
    nb++;
  }
  nextItem = n;
  return nb;
}

/** Rows [r0, r1) of the block: forward (and with `backward`, the attention backward into Gb). */
export function blockRows<T>(pass: i32, r0: i32, r1: i32, backward: bool, metrics: bool): void {
  if (r1 <= r0) return;
  const s = sizeof<T>();
  const d = <usize>D;
  const stage1 = pass == P_STAGE1;
  for (let i = r0; i < r1; i++) {
    const n = i32at(blkN, i);
    const h = Hb + (<usize>i) * d * s;
    if (stage1) {
      memory.copy(h, ET + (<usize>i32at(colX, n)) * d * s, d * s);
      continue;
    }
    const start = i32at(offsets, n);
    const L = i32at(offsets, n + 1) - start;
    const u = U + (<usize>i32at(tokens, start + L - 1)) * d * s;
    const phi = phiB + (<usize>i) * (<usize>MAXL) * s;
    let m: T = <T>-Infinity;
    for (let l = 0; l < L; l++) {
      const score = dot<T>(ET + (<usize>i32at(tokens, start + l)) * d * s, u, D);
      store<T>(phi + (<usize>l) * s, score);
      m = max(m, score);
    }
    scale<T>(phi, <T>1 / expShiftSum<T>(phi, phi, L, m), L);
    scaleInto<T>(h, load<T>(phi), ET + (<usize>i32at(tokens, start)) * d * s, D);
    for (let l = 1; l < L; l++) axpy<T>(h, load<T>(phi + (<usize>l) * s), ET + (<usize>i32at(tokens, start + l)) * d * s, D);
    if (metrics) {
      const o = i32at(optimal, n);
      let mass: f64 = 2;
      if (o >= 0) {
        mass = 0;
        for (let l = 0; l < L; l++) if (i32at(tokens, start + l) == o) mass += <f64>load<T>(phi + (<usize>l) * s);
      }
      store<f64>(optB + (<usize>i) * 8, mass);
    }
  }
  const rows = r1 - r0;
  const zr = Zb + (<usize>r0) * (<usize>V) * s;
  const dzr = dZb + (<usize>r0) * (<usize>V) * s;
  blockLogits<T>(zr, Hb + (<usize>r0) * d * s, WovT, rows, V, D);
  const w1 = <T>1 / <T>C;
  for (let i = r0; i < r1; i++) {
    const n = i32at(blkN, i);
    const z = Zb + (<usize>i) * (<usize>V) * s;
    const dz = dZb + (<usize>i) * (<usize>V) * s;
    if (stage1) {
      store<f64>(lossB + (<usize>i) * 8, crossEntropy<T>(z, dz, V, i32at(colY, n), w1));
    } else {
      const y = i32at(labels, n);
      const w = load<T>(weights + (<usize>n) * s);
      store<f64>(lossB + (<usize>i) * 8, <f64>w * crossEntropy<T>(z, dz, V, y, w));
      if (metrics) store<i32>(corrB + (<usize>i) * 4, strictArgmax<T>(z, V, y) ? 1 : 0);
    }
  }
  if (!backward || stage1) return;
  blockLogitsBackward<T>(dHb + (<usize>r0) * d * s, dzr, WovT, rows, V, D, accB + (<usize>r0) * d * 16);
  for (let i = r0; i < r1; i++) {
    const n = i32at(blkN, i);
    const start = i32at(offsets, n);
    const L = i32at(offsets, n + 1) - start;
    const phi = phiB + (<usize>i) * (<usize>MAXL) * s;
    const dphi = dphiB + (<usize>i) * (<usize>MAXL) * s;
    const dh = dHb + (<usize>i) * d * s;
    let ref = 0;
    for (let l = 0; l < L; l++) {
      store<T>(dphi + (<usize>l) * s, dot<T>(ET + (<usize>i32at(tokens, start + l)) * d * s, dh, D));
      if (load<T>(phi + (<usize>l) * s) > load<T>(phi + (<usize>ref) * s)) ref = l;
    }
    // centred on the most attended token, as in assembly/attention.ts
    const dref = load<T>(dphi + (<usize>ref) * s);
    let c: T = <T>0;
    for (let l = 0; l < L; l++) c += load<T>(phi + (<usize>l) * s) * (load<T>(dphi + (<usize>l) * s) - dref);
    const g = Gb + (<usize>i) * d * s;
    for (let l = 0; l < L; l++) {
      const ds = load<T>(phi + (<usize>l) * s) * ((load<T>(dphi + (<usize>l) * s) - dref) - c);
      const x = ET + (<usize>i32at(tokens, start + l)) * d * s;
      if (l == 0) scaleInto<T>(g, ds, x, D);
      else axpy<T>(g, ds, x, D);
    }
  }
}

/**
 * Columns of the block's sums: gU[q_i, a0:a1] += Gb[i, a0:a1] (unless stage 1) and, when
 * `gradOv`, ∇W_ovᵀ[:, v0:v1] += Σ_i h_i dz_i[v0:v1]ᵀ, each entry over the block's samples in order.
 */
export function blockColumns<T>(pass: i32, nb: i32, a0: i32, a1: i32, v0: i32, v1: i32, gradOv: bool): void {
  const s = sizeof<T>();
  const d = <usize>D;
  if (pass != P_STAGE1 && a1 > a0) {
    for (let i = 0; i < nb; i++) {
      const n = i32at(blkN, i);
      const q = i32at(tokens, i32at(offsets, n + 1) - 1);
      axpy<T>(gU + ((<usize>q) * d + (<usize>a0)) * s, <T>1, Gb + ((<usize>i) * d + (<usize>a0)) * s, a1 - a0);
    }
  }
  if (gradOv && v1 > v0) blockOuterAccumulate<T>(gWovT, Hb, dZb, nb, v0, v1, V, D);
}

function strictArgmax<T>(x: usize, n: i32, y: i32): bool {
  const s = sizeof<T>();
  const xy = load<T>(x + (<usize>y) * s);
  for (let v = 0; v < n; v++) if (v != y && load<T>(x + (<usize>v) * s) >= xy) return false;
  return true;
}

// Sums over a pass, in item order (the threaded passes fold blocks the same way).
export let sumLoss: f64 = 0;
export let sumMinOpt: f64 = 1;
export let sumCorrect: i32 = 0;

/** Adds a block's losses and metrics to the pass's sums, in row order. */
export function foldBlock(nb: i32, metrics: bool): void {
  for (let i = 0; i < nb; i++) {
    sumLoss += load<f64>(lossB + (<usize>i) * 8);
    if (metrics) {
      const mass = load<f64>(optB + (<usize>i) * 8);
      if (mass <= 1) sumMinOpt = min(sumMinOpt, mass);
      sumCorrect += load<i32>(corrB + (<usize>i) * 4);
    }
  }
}

/** Starts a pass: zeroes its sums and the gradients it accumulates. */
export function beginPass<T>(pass: i32, backward: bool, gradOv: bool): void {
  sumLoss = 0;
  sumMinOpt = 1;
  sumCorrect = 0;
  const vd = (<usize>V) * (<usize>D) * sizeof<T>();
  if (backward && pass != P_STAGE1) memory.fill(gU, 0, vd);
  if (backward && gradOv) memory.fill(gWovT, 0, vd);
}

/** One pass on one thread: every block's rows, then its columns. */
function pass1<T>(pass: i32, backward: bool, gradOv: bool, metrics: bool): void {
  beginPass<T>(pass, backward, gradOv);
  let from = 0;
  for (;;) {
    const nb = fillBlock(pass, from);
    if (nb == 0) break;
    from = nextItem;
    blockRows<T>(pass, 0, nb, backward, metrics);
    if (backward) blockColumns<T>(pass, nb, 0, D, 0, V, gradOv);
    foldBlock(nb, metrics);
  }
}

/** L0 (mean cross-entropy of the collocation, z = W_ov x_x), with ∇W_ov when `backward`. */
export function paramStage1Loss<T>(backward: bool): f64 {
  pass1<T>(P_STAGE1, backward, backward, false);
  return sumLoss / <f64>C;
}

/** Loss and metrics of the fixed samples, once while W_ov stays fixed (as fixedPart in train.ts). */
export function paramFixedPart<T>(): void {
  if (fixedValid) return;
  pass1<T>(P_FIXED, false, false, true);
  fixedLoss = sumLoss;
  fixedMinOpt = sumMinOpt;
  fixedCorrect = sumCorrect;
  fixedValid = true;
}

/** L = Σ_n π_n ℓ_n with ∇W_kq (and ∇W_ov when `joint`), as stage2Loss in train.ts. */
export function paramStage2Loss<T>(backward: bool, joint: bool, metrics: bool): f64 {
  if (joint) {
    pass1<T>(P_ALL, backward, backward, metrics);
  } else {
    paramFixedPart<T>();
    pass1<T>(P_VARYING, backward, false, metrics);
    sumLoss = fixedLoss + sumLoss;
    sumMinOpt = min(fixedMinOpt, sumMinOpt);
    sumCorrect += fixedCorrect;
  }
  if (backward) paramGradWkq<T>();
  if (metrics) {
    outMinOptimal = sumMinOpt;
    outCorrect = sumCorrect;
  }
  return sumLoss;
}
