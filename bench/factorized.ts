// Factorized attention (docs/theory/factorized.md): the peer's 100-run local-convergence experiment end to end on one
// core, one certified nuclear-norm SVM solve at their size, a factorized stage-2 step in both
// backends, and the step per kernel (time, GFLOP/s, fraction of the SIMD peak; 1 and 2 threads).
// Run alone with `node dist/bench/factorized.js [--quick] [--kernels] [--compare DIR]` (--kernels:
// only the per-kernel rows; --compare DIR: also another checkout's build, e.g. /work/main), or as
// a section of npm run bench. Writes bench/results/factorized.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Precision } from '../src/engine/backend.js';
import type { PackedData } from '../src/engine/packed.js';
import type { WasmExports } from '../src/engine/wasm.js';
import { bestTimes, EXP_FLOP, peakColumns, simdPeak, type PeakColumns } from './peak.js';
import { analyze } from '../src/dataset/analyze.js';
import { createFactorizedModel } from '../src/tasks/factorized/model.js';
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
  kernels: { peak: { f64: number; f32: number }; rows: FactorizedKernelRow[] };
}

/**
 * FLOP of the stage-2 pass over the samples that depend on W_kq (token space, one-hot: the core
 * model's kernels, assembly/attention.ts, logits.ts, softmax.ts): per sample of L tokens, the
 * attention softmax (4 per token and an exponential), the logits Σ_l φ_l M[t_l] and the
 * attention's gradient M[t_l]·dz (2|V| each per token), the cross-entropy over |V| (4 per entry
 * and an exponential) and the scatter into ∇K (4 per token).
 */
export function stage2PassFlops(data: Pick<PackedData, 'V' | 'N' | 'offsets' | 'fixed'>): number {
  let flop = 0;
  for (let n = 0; n < data.N; n++) {
    if (data.fixed[n]) continue;
    const L = data.offsets[n + 1] - data.offsets[n];
    flop += (8 + EXP_FLOP) * L + 4 * data.V * L + (4 + EXP_FLOP) * data.V;
  }
  return flop;
}

/**
 * FLOP of the factor part of a step (assembly/factorized/steps.ts): W_kqᵀ = Q_f·K_fᵀ and
 * ∇K_f = G·Q_f, ∇Q_f = Gᵀ·K_f (2·d²·m each), and the two per-factor normalized steps (about 6
 * per entry: max, scaled square, sum, the step).
 */
export function factorStepFlops(d: number, m: number): number {
  return 3 * 2 * d * d * m + 2 * 6 * d * m;
}

/** One row of the per-kernel section. */
export interface FactorizedKernelRow extends PeakColumns {
  what: string;
  precision: Precision;
}

type CreateFactorized = typeof createFactorizedModel;

/**
 * The factorized stage-2 step at size M (|V| = d = m = 256, one-hot) per kernel: the stage-2 pass
 * alone (one thread: it is the core model's, threaded only inside the step loop), the whole step
 * on 1 and 2 threads, and the factor part (step minus pass, one thread). With `compare`, the step
 * of another checkout's build on one thread.
 */
export async function factorizedKernelBench(quick: boolean, compare?: string): Promise<{ peak: { f64: number; f32: number }; rows: FactorizedKernelRow[] }> {
  const peak = await simdPeak();
  const ds = sizeDataset('M');
  const packed = packDataset(ds, analyze(ds).collocation);
  const d = packed.V;
  const pass = stage2PassFlops(packed) / 1e9;
  const factor = factorStepFlops(d, d) / 1e9;
  console.log(`\nfactorized stage-2 step per kernel at M (|V| = d = m = ${d}, one-hot); SIMD peak of one thread (assembly/peak.ts, CPU time): f64x2 ${peak.f64.toFixed(2)}, f32x4 ${peak.f32.toFixed(2)} GFLOP/s; an exponential counts ${EXP_FLOP} FLOP`);
  const rows: FactorizedKernelRow[] = [];
  const add = (r: Omit<FactorizedKernelRow, 'gflops' | 'peakFraction'>) => {
    const row = { ...r, ...peakColumns(r, r.gflop, r.threads, peak[r.precision]) };
    rows.push(row);
    console.log(`  ${row.what.padEnd(40)} ${row.precision} ${row.threads} thr  wall ${row.wallMs.toFixed(3).padStart(8)} ms  cpu ${row.cpuMs.toFixed(3).padStart(8)} ms  ${row.gflops.toFixed(2).padStart(6)} GFLOP/s  ${(100 * row.peakFraction).toFixed(0).padStart(3)} % of peak`);
  };
  const iterations = quick ? 5 : 20;
  const other = compare ? ((await import(pathToFileURL(`${compare}/dist/src/tasks/factorized/model.js`).href)) as { createFactorizedModel: CreateFactorized }).createFactorizedModel : null;
  for (const precision of ['f64', 'f32'] as const) {
    let passCpu = 0;
    for (const threads of [1, 2]) {
      const fm = await createFactorizedModel(packed, { precision, initSeed: 1, ...(threads > 1 ? { threads } : {}) });
      fm.model.stage1(20, 0.2 / Math.sqrt(d));
      fm.stage2(2, 0.01);
      if (threads === 1) {
        const ex = (fm.model as unknown as { exports: WasmExports & { evaluate(which: number, backward: number, metrics: number): number } }).exports;
        const t = await bestTimes(() => ex.evaluate(1, 1, 0), iterations);
        passCpu = t.cpuMs;
        add({ what: 'stage-2 pass (loss and ∇W_kq)', precision, threads, ...t, gflop: pass });
      }
      const t = await bestTimes(() => fm.stage2(1, 0.01), iterations);
      add({ what: 'step', precision, threads, ...t, gflop: pass + factor });
      if (threads === 1) {
        const ms = Math.max(t.cpuMs - passCpu, 1e-6);
        add({ what: 'factor products and steps (step − pass)', precision, threads, wallMs: ms, cpuMs: ms, gflop: factor });
      }
      fm.dispose();
    }
    if (other) {
      const fm = await other(packed, { precision, initSeed: 1 });
      fm.model.stage1(20, 0.2 / Math.sqrt(d));
      fm.stage2(2, 0.01);
      add({ what: `step (${compare})`, precision, threads: 1, ...(await bestTimes(() => fm.stage2(1, 0.01), iterations)), gflop: pass + factor });
      fm.dispose();
    }
  }
  return { peak, rows };
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
  const kernels = await factorizedKernelBench(quick);
  const out: FactorizedBench = { quick, localRuns, localMs, nuclearMs, nuclearIterations, stepMs, kernels };
  const results = new URL('../../bench/results/', import.meta.url);
  mkdirSync(results, { recursive: true });
  writeFileSync(new URL('factorized.json', results), JSON.stringify({ date: new Date().toISOString(), ...out }, null, 1) + '\n');
  return out;
}

// run alone: node dist/bench/factorized.js [--quick] [--kernels] [--compare DIR]
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  if (process.argv.includes('--kernels')) {
    const at = process.argv.indexOf('--compare');
    const compare = at > 0 ? process.argv[at + 1] : undefined;
    const kernels = await factorizedKernelBench(quick, compare);
    const results = new URL('../../bench/results/', import.meta.url);
    mkdirSync(results, { recursive: true });
    writeFileSync(new URL('factorized-kernels.json', results), JSON.stringify({ date: new Date().toISOString(), quick, compare: compare ?? null, ...kernels }, null, 1) + '\n');
  } else {
    await factorizedBench(quick);
  }
}
