// The recall family's benchmark (docs/theory/recall.md#token-space): one population step at the paper's size
// (N = 60, H = 256, B = 512), WASM f64/f32 against the pure-TS backend, in steps per second;
// the streamed generator; and a 2,000-step paper run end to end. Imported by bench/run.ts;
// also runs alone: node dist/bench/recall.js [--quick] [--torch] (--torch: only the rows against
// PyTorch, written to bench/results/recall-torch.json).
import { writeFileSync, mkdirSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import type { Precision } from '../src/engine/backend.js';
import type { RecallAttention, RecallModelKind } from '../src/tasks/recall/config.js';
import { RecallGenerator, allocBatch } from '../src/tasks/recall/data.js';
import { createRecallModel } from '../src/tasks/recall/model.js';
import { modelLabel, runRecall } from '../src/tasks/recall/run.js';
import { bestTimes, peakColumns, simdPeak, type PeakColumns } from './peak.js';
import { agree, blasName, CHECK_RTOL, runTorch, torchResultFile, torchVersion } from './pytorch-run.js';

export interface RecallBenchRow {
  name: string;
  precision: Precision | '-';
  backend: 'wasm' | 'js' | '-';
  /** mean time per call */
  ms: number;
  /** fastest call: the machine is shared, and the minimum is the least disturbed by other jobs */
  minMs: number;
  perSecond: number;
}

async function timeMs(fn: () => void, budgetMs: number, quick: boolean): Promise<{ mean: number; min: number }> {
  const bench = new Bench({ time: quick ? budgetMs / 5 : budgetMs, iterations: 3, warmup: true, warmupIterations: 2, warmupTime: 50 });
  bench.add('x', fn);
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.state !== 'completed') throw new Error(`benchmark task ${r.state}`);
  return { mean: r.latency.mean, min: r.latency.min };
}

/** Runs the recall benchmarks, prints them, and returns the rows and the paper run's time. */
export async function benchRecall(quick: boolean) {
  const task = { vocab: 60, triggers: 5, outputs: 4, context: 256, alpha: 0.5 };
  const B = 512;
  const batch = allocBatch(B, task.context);
  const gen = new RecallGenerator(task, 1);
  gen.fill(batch);
  const rows: RecallBenchRow[] = [];
  const print = (r: RecallBenchRow) => console.log(`${r.name.padEnd(44)} ${r.backend.padEnd(4)} ${r.precision.padEnd(3)} mean ${r.ms.toFixed(2).padStart(8)} ms (${r.perSecond.toFixed(1).padStart(6)} /s)   min ${r.minMs.toFixed(2).padStart(8)} ms`);
  console.log(`\nrecall (docs/theory/recall.md): N = 60, H = 256, batch ${B}, one NGD step (forward + backward + update, data staged)`);
  const g = await timeMs(() => gen.fill(batch), 500, quick);
  rows.push({ name: 'generate one batch (B×H = 131,072 tokens)', precision: '-', backend: '-', ms: g.mean, minMs: g.min, perSecond: 1000 / g.mean });
  print(rows[rows.length - 1]);
  const models: Array<[RecallModelKind, RecallAttention]> = [['origin', 'linear'], ['origin', 'softmax'], ['reparam', 'linear']];
  for (const [model, attention] of models) {
    for (const precision of ['f64', 'f32'] as const) {
      for (const backend of ['wasm', 'js'] as const) {
        const m = await createRecallModel({ task, model, attention, kappa: 1, precision, backend, maxBatch: B });
        // a few steps first, so the weights are not the special zero point
        for (let i = 0; i < 3; i++) m.step(batch, 0.1);
        const t = await timeMs(() => m.step(batch, 1e-6), backend === 'js' ? 1500 : 1000, quick);
        rows.push({ name: `step ${modelLabel(model, attention, 1)}`, precision, backend, ms: t.mean, minMs: t.min, perSecond: 1000 / t.mean });
        print(rows[rows.length - 1]);
      }
    }
  }
  const threadRows = await recallThreadRows(quick);
  const torchRows = await recallTorchRows(quick);
  // a paper run end to end: generation, steps, and records every 20 steps on 1,024 held-out and
  // 512 unseen-output sentences
  const steps = quick ? 200 : 2000;
  const t0 = performance.now();
  const t = await runRecall({ model: 'origin', attention: 'linear', kappa: 1, alpha: 0, steps, seed: 0 });
  const runMs = performance.now() - t0;
  console.log(`paper run ${t.label}, α = 0, ${steps} steps, records every 20 (WASM f64): ${(runMs / 1000).toFixed(2)} s (${t.status}, final loss ${t.final.loss.toExponential(3)})`);
  return { rows, threadRows, torchRows, paperRun: { label: t.label, steps, seconds: runMs / 1000 } };
}

/** A step at the paper's size on 1 and 2 threads, against the SIMD peak of one thread. */
export interface RecallThreadRow extends PeakColumns {
  name: string;
  precision: Precision;
}

export async function recallThreadRows(quick: boolean): Promise<RecallThreadRow[]> {
  const task = { vocab: 60, triggers: 5, outputs: 4, context: 256, alpha: 0.5 };
  const B = 512;
  const batch = allocBatch(B, task.context);
  new RecallGenerator(task, 1).fill(batch);
  const peak = await simdPeak();
  const gflop = (2 * (10 * task.vocab ** 2 + 6 * task.context) * B) / 1e9;
  console.log(`recall step on 1 and 2 threads (N = 60, H = 256, B = ${B}); SIMD peak of one thread (CPU time): f64x2 ${peak.f64.toFixed(2)}, f32x4 ${peak.f32.toFixed(2)} GFLOP/s; ~${(gflop * 1e3).toFixed(1)} MFLOP per step`);
  const rows: RecallThreadRow[] = [];
  for (const [model, attention] of [['origin', 'linear'], ['origin', 'softmax']] as Array<[RecallModelKind, RecallAttention]>) {
    for (const precision of ['f64', 'f32'] as const) {
      for (const threads of [1, 2]) {
        const m = await createRecallModel({ task, model, attention, kappa: 1, precision, maxBatch: B, threads });
        // enough steps for V8 to tier the kernels up (baseline code first, optimized later)
        for (let i = 0; i < 3; i++) m.step(batch, 0.1);
        for (let i = 0; i < (quick ? 5 : 40); i++) m.step(batch, 1e-6);
        const t = await bestTimes(() => m.step(batch, 1e-6), quick ? 5 : 60);
        m.dispose();
        const row = { name: `step ${modelLabel(model, attention, 1)}`, precision, ...peakColumns(t, gflop, threads, peak[precision]) };
        rows.push(row);
        console.log(`${row.name.padEnd(28)} ${precision} ${threads} thr  wall ${t.wallMs.toFixed(2).padStart(8)} ms  cpu ${t.cpuMs.toFixed(2).padStart(8)} ms  ${row.gflops.toFixed(2).padStart(6)} GFLOP/s  ${(100 * row.peakFraction).toFixed(0).padStart(3)} % of peak`);
      }
    }
  }
  return rows;
}

/** The package's step beside the authors' model in PyTorch on the same batch and weights, one thread each. */
export interface RecallTorchRow {
  name: string;
  precision: Precision;
  /** which PyTorch order: `dense` computes W x_h for every token (the model as coded), `query` x_Hᵀ W once per sentence */
  order: 'dense' | 'query';
  /** the package's best CPU time of a step (ms, one thread) */
  packageCpuMs: number;
  torchCpuMs: number;
  torchWallMs: number;
  /** torchCpuMs / packageCpuMs */
  speedup: number;
  /** largest deviation of PyTorch's loss and gradients from the package's, relative to their largest value */
  deviation: number;
  /** the BLAS PyTorch ran on (blasName) */
  blas?: string;
  error?: string;
}

/**
 * The recall step at the paper's size (N = 60, H = 256, d = 128, B = 512; Origin-Linear-FA and
 * Origin-Softmax-FA) against bench/pytorch/recall.py, where PyTorch is installed. Before a time is
 * reported, PyTorch's loss and gradients of W, V, F on the package's batch and weights (after three
 * steps from zero, so that every tensor has a gradient) must agree with the package's.
 */
export async function recallTorchRows(quick: boolean): Promise<RecallTorchRow[]> {
  const torch = torchVersion();
  if (!torch) {
    console.log('recall against PyTorch: not measured (PyTorch is not installed: /usr/bin/python3 -c "import torch" fails)');
    return [];
  }
  const task = { vocab: 60, triggers: 5, outputs: 4, context: 256, alpha: 0.5 };
  const B = 512;
  const d = 128;
  const batch = allocBatch(B, task.context);
  new RecallGenerator(task, 1).fill(batch);
  const rows: RecallTorchRow[] = [];
  let header = false;
  for (const attention of ['linear', 'softmax'] as RecallAttention[]) {
    for (const precision of ['f64', 'f32'] as const) {
      const m = await createRecallModel({ task, model: 'origin', attention, kappa: 1, precision, maxBatch: B, d });
      for (let i = 0; i < 3; i++) m.step(batch, 0.1);
      const g = m.gradients(batch);
      const check = { tokens: Array.from(batch.tokens), targets: Array.from(batch.targets), W: Array.from(m.W), V: Array.from(m.V), F: Array.from(m.F) };
      const ours = await bestTimes(() => m.step(batch, 1e-6), quick ? 5 : 30);
      m.dispose();
      const name = `step ${modelLabel('origin', attention, 1)}`;
      for (const order of ['dense', 'query'] as const) {
        try {
          const r = runTorch('recall.py', ['--N', '60', '--H', '256', '--B', String(B), '--d', String(d), '--attention', attention, '--order', order, '--precision', precision, '--iterations', quick ? '1' : '3'], check);
          if (!header) {
            console.log(`recall against PyTorch ${r.torch} (bench/pytorch/recall.py, the authors' model at d = ${d}, ${r.threads} thread, BLAS ${r.blas.join(', ') || 'none loaded'}); ratio = PyTorch CPU time / the package's`);
            header = true;
          }
          const rtol = CHECK_RTOL[precision];
          let deviation = agree(`${name} ${precision}: loss`, [g.loss], [r.loss as number], rtol);
          for (const [key, want] of [['gW', g.W!], ['gV', g.V!], ['gF', g.F!]] as const) deviation = Math.max(deviation, agree(`${name} ${precision}: ${key}`, want, r[key] as number[], rtol));
          if ((r.outside as number) !== 0) throw new Error(`PyTorch check failed: ${name} ${precision}: a gradient entry outside token space is ${r.outside}, not 0`);
          const row = { name, precision, order, packageCpuMs: ours.cpuMs, torchCpuMs: r.cpuMs, torchWallMs: r.wallMs, speedup: r.cpuMs / ours.cpuMs, deviation, blas: blasName(r.blas) };
          rows.push(row);
          console.log(`${name.padEnd(28)} ${precision} PyTorch (${order.padEnd(5)}) cpu ${r.cpuMs.toFixed(1).padStart(8)} ms  wall ${r.wallMs.toFixed(1).padStart(8)} ms  package cpu ${ours.cpuMs.toFixed(2).padStart(6)} ms  package ${row.speedup.toFixed(0).padStart(4)}× faster (CPU), check ${deviation.toExponential(1)}`);
        } catch (e) {
          rows.push({ name, precision, order, packageCpuMs: ours.cpuMs, torchCpuMs: NaN, torchWallMs: NaN, speedup: NaN, deviation: NaN, error: (e as Error).message });
          console.log(`${name.padEnd(28)} ${precision} PyTorch (${order}) FAILED: ${(e as Error).message}`);
          process.exitCode = 1;
        }
      }
    }
  }
  return rows;
}

const invoked = process.argv[1] ? pathToFileURL(realpathSync(process.argv[1])).href : '';
if (invoked === import.meta.url) {
  const quick = process.argv.includes('--quick');
  // --torch: only the rows against PyTorch; --threads: only the step on 1 and 2 threads
  const torch = process.argv.includes('--torch');
  const threads = process.argv.includes('--threads');
  const date = new Date().toISOString();
  const out = torch ? { date, quick, torchRows: await recallTorchRows(quick) } : threads ? { date, quick, threadRows: await recallThreadRows(quick) } : { date, quick, ...(await benchRecall(quick)) };
  const results = new URL('../../bench/results/', import.meta.url);
  mkdirSync(results, { recursive: true });
  // the PyTorch rows: one file per BLAS PyTorch ran on (Debian's reference BLAS keeps the plain name)
  const blas = ('torchRows' in out ? out.torchRows?.find((r) => r.blas)?.blas : undefined) ?? 'reference';
  const file = torch ? torchResultFile('recall-torch', blas) : threads ? 'recall-threads.json' : 'recall.json';
  writeFileSync(new URL(file, results), JSON.stringify(out, null, 1) + '\n');
  console.log(`wrote bench/results/${file}`);
}
