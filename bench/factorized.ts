// Factorized attention (docs/theory/factorized.md): the peer's 100-run local-convergence experiment end to end on one
// core, one certified nuclear-norm SVM solve at their size, and a factorized stage-2 step in both
// backends. Run alone with `node dist/bench/factorized.js [--quick]`, or as a section of npm run bench.
// Writes bench/results/factorized.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { analyze } from '../src/dataset/analyze.js';
import { createFactorizedModel } from '../src/engine/factorized.js';
import { packDataset } from '../src/engine/packed.js';
import { solveNuclearSvm } from '../src/maxmargin/nuclear.js';
import { generateAttentionData } from '../src/tasks/factorized/data.js';
import { localConvergenceExperiment } from '../src/tasks/factorized/experiments.js';
import { globalSelection, selectionConstraints } from '../src/tasks/factorized/local-svm.js';
import { sizeDataset } from './sizes.js';

/** What the section measured (milliseconds). */
export interface FactorizedBench {
  quick: boolean;
  /** runs of the local-convergence experiment (n = 6, T = 8, d = 10, 2000 steps, W and KQ, local SVMs) */
  localRuns: number;
  localMs: number;
  /** mean time of a certified nuclear SVM on a global-SVM instance at their size, and its iterations */
  nuclearMs: number;
  nuclearIterations: number;
  /** mean time of one factorized stage-2 step (per-factor NGD, m = d) at size M, f64 */
  stepMs: { wasm: number; js: number };
}

export async function factorizedBench(quick: boolean): Promise<FactorizedBench> {
  console.log('\nfactorized attention (docs/theory/factorized.md), one core:');
  const localRuns = quick ? 10 : 100;
  const t0 = performance.now();
  await localConvergenceExperiment({ runs: localRuns, every: 10 });
  const localMs = performance.now() - t0;
  console.log(`  local-convergence experiment, ${localRuns} runs (n = 6, T = 8, d = 10, 2000 steps, W and K·Qᵀ, local Frobenius + nuclear SVMs): ${(localMs / 1000).toFixed(2)} s`);

  const instances = quick ? 5 : 20;
  let nuclearMs = 0;
  let nuclearIterations = 0;
  for (let s = 0; s < instances; s++) {
    const data = generateAttentionData({ n: 6, T: 8, d: 10, seed: s });
    const C = selectionConstraints(data, globalSelection(data));
    const t = performance.now();
    try {
      nuclearIterations += solveNuclearSvm(C).iterations;
    } catch {
      // an infeasible instance is detected by the first projection; it counts with its time
    }
    nuclearMs += performance.now() - t;
  }
  nuclearMs /= instances;
  nuclearIterations /= instances;
  console.log(`  certified nuclear SVM (42 constraints, d = 10, gap ≤ 1e-9): ${nuclearMs.toFixed(2)} ms, ${nuclearIterations.toFixed(0)} ADMM iterations (mean of ${instances})`);

  const ds = sizeDataset('M');
  const packed = packDataset(ds, analyze(ds).collocation);
  const steps = quick ? 5 : 20;
  const stepMs = { wasm: 0, js: 0 };
  for (const backend of ['wasm', 'js'] as const) {
    const fm = await createFactorizedModel(packed, { backend, initSeed: 1 });
    fm.model.stage1(20, 0.2 / Math.sqrt(packed.V));
    fm.stage2(1, 0.01);
    const t = performance.now();
    fm.stage2(steps, 0.01);
    stepMs[backend] = (performance.now() - t) / steps;
    fm.dispose();
  }
  console.log(`  factorized stage-2 step at M (|V| = d = m = ${packed.V}, f64): wasm ${stepMs.wasm.toFixed(2)} ms, js ${stepMs.js.toFixed(2)} ms (×${(stepMs.js / stepMs.wasm).toFixed(1)})`);
  const out: FactorizedBench = { quick, localRuns, localMs, nuclearMs, nuclearIterations, stepMs };
  const results = new URL('../../bench/results/', import.meta.url);
  mkdirSync(results, { recursive: true });
  writeFileSync(new URL('factorized.json', results), JSON.stringify({ date: new Date().toISOString(), ...out }, null, 1) + '\n');
  return out;
}

// run alone: node dist/bench/factorized.js [--quick]
if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  await factorizedBench(process.argv.includes('--quick'));
}
