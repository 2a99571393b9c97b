// Why a warm-up: V8 compiles WebAssembly lazily with its baseline compiler (Liftoff) and moves a
// function to the optimizing compiler (TurboFan) only after it has run for a while, in the
// background, and without on-stack replacement: a call already running stays in baseline code.
// A training chunk is one call that runs many steps, so the first chunks of a stage ran 7–10×
// slower than the rest. Engines offer no portable way to ask for optimized code up front, so the
// hot kernels are run briefly on a tiny problem in a throwaway instance: instances of one module
// share their code, the tier-up is requested then, and its compilation proceeds in the background
// while the caller analyses and packs the dataset.
import type { Precision } from './backend.js';
import { makeEmbedding } from './embedding.js';
import type { PackedData } from './packed.js';
import { instantiate, WasmModel } from './wasm.js';

/**
 * Four tokens with the collocation x → x+1 (mod 4) and a few longer contexts, so that every
 * branch of the per-sample kernels runs (fixed and attended samples, optimal tokens).
 */
export function tinyProblem(): PackedData {
  const contexts = [[0], [1], [2], [3], [1, 0], [2, 0, 1], [3, 1, 1, 2], [0, 3, 2]];
  const labels = [1, 2, 3, 0, 1, 2, 3, 0];
  const tokens = contexts.flat();
  const offsets = new Int32Array(contexts.length + 1);
  contexts.forEach((c, n) => { offsets[n + 1] = offsets[n] + c.length; });
  const optimal = Int32Array.from(contexts, (c, n) => c.find((t) => (t + 1) % 4 === labels[n]) ?? -1);
  const fixed = Int32Array.from(contexts, (c) => (c.every((t) => t === c[0]) ? 1 : 0));
  return {
    V: 4,
    N: contexts.length,
    offsets,
    tokens: Int32Array.from(tokens),
    labels: Int32Array.from(labels),
    weights: new Float64Array(contexts.length).fill(1 / contexts.length),
    optimal,
    fixed,
    colX: Int32Array.from([0, 1, 2, 3]),
    colY: Int32Array.from([1, 2, 3, 0]),
    maxLength: 4,
  };
}

/**
 * Steps of each kind run by the warm-up: enough for V8 to ask for optimized code of every hot
 * kernel (its budget counts bytes of code executed), at a few hundred microseconds of baseline code.
 */
export const WARM_STEPS = 400;

/**
 * Runs every training kernel of one precision on the tiny problem, in one-hot and embedded form,
 * and returns the stage-2 losses of the one-hot run before and after (for the tests: the warm-up
 * really trains). Throws what the engine throws.
 */
export async function warmKernels(precision: Precision): Promise<{ steps: number; firstLoss: number; lastLoss: number }> {
  const data = tinyProblem();
  const every = 10;
  let steps = 0;
  let firstLoss = NaN;
  let lastLoss = NaN;
  // one-hot and a 3-dimensional embedding: the two paths of refresh and of the gradients
  for (const emb of [makeEmbedding(4), makeEmbedding(4, 'gaussian', { d: 3 })]) {
    const m = new WasmModel(await instantiate(), data, emb, precision);
    try {
      for (let t = 0; t < WARM_STEPS; t += every) steps += m.stage1(every, 0.1, true).steps;
      const before = m.evaluate().loss;
      for (let t = 0; t < WARM_STEPS; t += every) steps += m.stage2(every, 0.1, true).steps;
      const after = m.evaluate().loss;
      for (let t = 0; t < WARM_STEPS / 4; t += every) steps += m.joint(every, 0.1, 0.1, true).steps;
      m.stage1Loss();
      if (emb.E === null) {
        firstLoss = before;
        lastLoss = after;
      }
    } finally {
      m.dispose();
    }
  }
  return { steps, firstLoss, lastLoss };
}

const warmed = new Map<Precision, Promise<void>>();

/**
 * {@link warmKernels} once per process and precision, so that the optimizing compiler works on the
 * kernels before the first real chunk (see the comment at the top of this file). Never rejects:
 * a warm-up that fails only leaves the first chunks slower, and the real model reports the error.
 */
export function warmUp(precision: Precision): Promise<void> {
  let done = warmed.get(precision);
  if (!done) {
    done = warmKernels(precision).then(
      () => undefined,
      () => undefined,
    );
    warmed.set(precision, done);
  }
  return done;
}
