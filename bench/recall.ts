// The recall family's benchmark (docs/theory/recall.md#token-space): one population step at the paper's size
// (N = 60, H = 256, B = 512), WASM f64/f32 against the pure-TS backend, in steps per second;
// the streamed generator; and a 2,000-step paper run end to end. Imported by bench/run.ts;
// also runs alone: node dist/bench/recall.js [--quick].
import { writeFileSync, mkdirSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import type { Precision } from '../src/engine/backend.js';
import type { RecallAttention, RecallModelKind } from '../src/tasks/recall/config.js';
import { RecallGenerator, allocBatch } from '../src/tasks/recall/data.js';
import { createRecallModel } from '../src/tasks/recall/model.js';
import { modelLabel, runRecall } from '../src/tasks/recall/run.js';

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
  // a paper run end to end: generation, steps, and records every 20 steps on 1,024 held-out and
  // 512 unseen-output sentences
  const steps = quick ? 200 : 2000;
  const t0 = performance.now();
  const t = await runRecall({ model: 'origin', attention: 'linear', kappa: 1, alpha: 0, steps, seed: 0 });
  const runMs = performance.now() - t0;
  console.log(`paper run ${t.label}, α = 0, ${steps} steps, records every 20 (WASM f64): ${(runMs / 1000).toFixed(2)} s (${t.status}, final loss ${t.final.loss.toExponential(3)})`);
  return { rows, paperRun: { label: t.label, steps, seconds: runMs / 1000 } };
}

const invoked = process.argv[1] ? pathToFileURL(realpathSync(process.argv[1])).href : '';
if (invoked === import.meta.url) {
  const quick = process.argv.includes('--quick');
  const out = { date: new Date().toISOString(), quick, ...(await benchRecall(quick)) };
  const results = new URL('../../bench/results/', import.meta.url);
  mkdirSync(results, { recursive: true });
  writeFileSync(new URL('recall.json', results), JSON.stringify(out, null, 1) + '\n');
  console.log('wrote bench/results/recall.json');
}
