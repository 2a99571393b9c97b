// npm run bench: WASM against the pure-TypeScript backend, per step and per kernel, at three
// sizes and two precisions; the matrix products at d = 256; the paper's experiment end to end;
// peak memory of a run at L. Prints a table and writes bench/results/latest.json.
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { Bench } from 'tinybench';
import { analyze } from '../src/dataset/analyze.js';
import type { Model, Precision } from '../src/engine/backend.js';
import { createEngineModel } from '../src/engine/create.js';
import { makeEmbedding } from '../src/engine/embedding.js';
import { kernelsOf } from '../src/engine/internal.js';
import { gemm, gemmNT } from '../src/engine/js.js';
import { packDataset, type PackedData } from '../src/engine/packed.js';
import type { WasmModel } from '../src/engine/wasm.js';
import { train } from '../src/train/run.js';
import { Trainer } from '../src/train/trainer.js';
import { SIZES, sizeDataset } from './sizes.js';
import { sweepBench } from './sweep.js';
import { speedSection } from './speed.js';
import { cyclicBench } from './cyclic.js';
import { factorizedBench } from './factorized.js';
import { benchRecall } from './recall.js';
import { autoregressiveBench } from './autoregressive.js';
import { threadsBench } from './threads.js';
import { startupBench } from './startup.js';

interface Row {
  group: string;
  name: string;
  size: string;
  precision: Precision;
  wasmMs: number;
  jsMs: number;
  /** JS time / WASM time */
  speedup: number;
  extra?: string;
}

const rows: Row[] = [];
const quick = process.argv.includes('--quick');

/** Mean latency in ms of fn, measured by tinybench. */
async function time(fn: () => void, budgetMs: number, minIterations: number): Promise<number> {
  const bench = new Bench({ time: quick ? budgetMs / 5 : budgetMs, iterations: minIterations, warmup: true, warmupIterations: 2, warmupTime: 50 });
  bench.add('x', fn);
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.state !== 'completed') throw new Error(`benchmark task ${r.state}`);
  return r.latency.mean;
}

async function pair(group: string, name: string, size: string, precision: Precision, make: (backend: 'wasm' | 'js') => () => void, budget: number, minIter: number, extra?: (wasmMs: number, jsMs: number) => string) {
  const wasmMs = await time(make('wasm'), budget, minIter);
  const jsMs = await time(make('js'), budget, minIter);
  const row: Row = { group, name, size, precision, wasmMs, jsMs, speedup: jsMs / wasmMs, extra: extra?.(wasmMs, jsMs) };
  rows.push(row);
  printRow(row);
}

function printRow(r: Row) {
  const ms = (x: number) => (x < 0.1 ? `${(x * 1000).toFixed(2)} µs` : `${x.toFixed(3)} ms`);
  console.log(`${r.size.padEnd(3)} ${r.precision}  ${r.name.padEnd(34)} wasm ${ms(r.wasmMs).padStart(12)}   js ${ms(r.jsMs).padStart(12)}   ×${r.speedup.toFixed(1).padStart(5)}${r.extra ? '   ' + r.extra : ''}`);
}

async function models(packed: PackedData, precision: Precision): Promise<Record<'wasm' | 'js', Model>> {
  return {
    wasm: await createEngineModel(packed, { backend: 'wasm', precision }),
    js: await createEngineModel(packed, { backend: 'js', precision }),
  };
}

async function stepsAndKernels(size: 'S' | 'M' | 'L') {
  const ds = sizeDataset(size);
  const packed = packDataset(ds, analyze(ds).collocation);
  const V = ds.vocab.length;
  const eta0 = 0.2 / Math.sqrt(V);
  const eta1 = 0.05 / Math.sqrt(V);
  const big = size === 'L';
  const budget = big ? 3000 : 1000;
  const minIter = big ? 2 : size === 'M' ? 5 : 50;
  console.log(`\n${size}: |V| = ${V}, ${ds.samples.length} samples, ${packed.tokens.length} context tokens, longest ${packed.maxLength}`);
  for (const precision of ['f64', 'f32'] as const) {
    const m = await models(packed, precision);
    // Steps are timed as the average step of a 900-step stage (the weights go back to zero every
    // 900 calls), so a long benchmark does not drift into a regime the paper's runs never reach;
    // stage 2 runs from the stage-1 solution, as in Algorithm 1.
    const zeroOv = new Float64Array(V * V);
    const zeroKq = new Float64Array(V * V);
    const cycled = (b: 'wasm' | 'js', reset: () => void, stepOnce: () => void) => {
      let calls = 0;
      return () => {
        if (++calls % 900 === 0) reset();
        stepOnce();
      };
    };
    await pair('step', 'stage-1 step (NGD)', size, precision, (b) => cycled(b, () => m[b].setWov(zeroOv), () => m[b].stage1(1, eta0)), budget, minIter);
    for (const k of ['wasm', 'js'] as const) {
      m[k].setWov(zeroOv);
      m[k].stage1(big ? 100 : 900, eta0);
    }
    await pair('step', 'stage-2 step (fwd + bwd + update)', size, precision, (b) => cycled(b, () => m[b].setWkq(zeroKq), () => m[b].stage2(1, eta1)), budget, minIter);
    const kernel = (which: number) => (b: 'wasm' | 'js') => () => kernelsOf(m[b]).kernelPass(which);
    await pair('kernel', 'gathered logits (all samples)', size, precision, kernel(0), budget, minIter);
    await pair('kernel', 'softmax / log-sum-exp (all samples)', size, precision, kernel(1), budget, minIter);
    await pair('kernel', 'dK accumulation (all samples)', size, precision, kernel(2), budget, minIter);
    m.wasm.dispose();
    m.js.dispose();
  }
}

/** The embedding products at d = 256 with a random Gaussian embedding: C = A·B and C = A·Bᵀ. */
async function matmuls() {
  const d = 256;
  console.log(`\nmatrix products, d = |V| = ${d}, Gaussian embedding (GFLOP/s = 2·d³ / time)`);
  const ds = sizeDataset('M');
  const packed = packDataset(ds, analyze(ds).collocation);
  const emb = makeEmbedding(256, 'gaussian', { d, seed: 1 });
  for (const precision of ['f64', 'f32'] as const) {
    const wasm = (await createEngineModel(packed, { backend: 'wasm', precision, embedding: emb })) as WasmModel;
    const ex = wasm.exports;
    const s = precision === 'f32' ? 4 : 8;
    const a = ex.scratch(d * d * s), b = ex.scratch(d * d * s), c = ex.scratch(d * d * s);
    const R = precision === 'f32' ? Float32Array : Float64Array;
    const A = new R(ex.memory.buffer, a, d * d), B = new R(ex.memory.buffer, b, d * d);
    for (let i = 0; i < d * d; i++) { A[i] = Math.sin(i); B[i] = Math.cos(i); }
    const Aj = R.from(A), Bj = R.from(B), Cj = new R(d * d);
    const gflops = (ms: number) => (2 * d ** 3) / (ms * 1e6);
    const extra = (w: number, j: number) => `wasm ${gflops(w).toFixed(2)} GFLOP/s, js ${gflops(j).toFixed(2)} GFLOP/s`;
    await pair('matmul', 'C = A·B (256³)', 'd256', precision, (k) => (k === 'wasm' ? () => ex.kernelGemmNN(c, a, b, d, d, d, d, 1) : () => gemm(Cj, Aj, Bj, d, d, d, d, 1)), 1000, 10, extra);
    await pair('matmul', 'C = A·Bᵀ (256³)', 'd256', precision, (k) => (k === 'wasm' ? () => ex.kernelGemmNT(c, a, b, d, d, d) : () => gemmNT(Cj, Aj, Bj, d, d, d)), 1000, 10, extra);
    wasm.dispose();
  }
}

/** The paper's experiment through the API: 1,800 steps at S, metrics every 10 steps; training time only. */
async function paperExperiment() {
  console.log('\nthe paper experiment (S, T0 = T1 = 900, metrics every 10 steps), training time without set-up, median of 7');
  const ds = sizeDataset('S');
  for (const precision of ['f64', 'f32'] as const) {
    const ms: Record<string, number> = {};
    for (const backend of ['wasm', 'js'] as const) {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) times.push((await train(ds, { backend, precision })).trainingMs);
      times.sort((x, y) => x - y);
      ms[backend] = times[3];
    }
    const row: Row = { group: 'experiment', name: 'paper experiment (1,800 steps)', size: 'S', precision, wasmMs: ms.wasm, jsMs: ms.js, speedup: ms.js / ms.wasm };
    rows.push(row);
    printRow(row);
  }
}

/** Peak memory of a run at L against the bytes of parameters, gradients and packed dataset. */
async function memoryAtL() {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const ds = sizeDataset('L');
  const packed = packDataset(ds, analyze(ds).collocation);
  const V = ds.vocab.length;
  const s = 8;
  const paramsGrads = 2 * (V * V + V * V) * s;
  const data = packed.offsets.byteLength + packed.tokens.byteLength + packed.labels.byteLength + packed.N * s + packed.optimal.byteLength + packed.colX.byteLength * 2;
  const need = paramsGrads + data;
  gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const sample = () => { peak = Math.max(peak, process.memoryUsage().rss); };
  // a training run: analysis, packing, the engine and 2 × 20 steps with records every 5, without
  // the max-margin solve (its W* are results, not the run) and without copying the weights out
  const trainer = await Trainer.create(ds, { t0: 20, t1: 20, every: 5, skipMaxMargin: true });
  sample();
  let records = 0;
  while (!trainer.done) {
    records += trainer.advance(5).length;
    sample();
  }
  const wasmBytes = (trainer.model as WasmModel).exports.memory.buffer.byteLength;
  trainer.dispose();
  const out = {
    bytesParamsGradsData: need,
    wasmMemoryBytes: wasmBytes,
    wasmRatio: wasmBytes / need,
    peakRssDeltaBytes: peak - base,
    rssRatio: (peak - base) / need,
    records,
  };
  console.log(`\nmemory of a training run at L (f64, one-hot, Trainer without the max-margin solve): parameters + gradients + packed data = ${(need / 2 ** 20).toFixed(1)} MiB; WASM memory ${(wasmBytes / 2 ** 20).toFixed(1)} MiB (×${out.wasmRatio.toFixed(3)}); peak RSS growth during the run ${((peak - base) / 2 ** 20).toFixed(1)} MiB (×${out.rssRatio.toFixed(3)})`);
  return out;
}

const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}`, memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1) };
console.log(`ntp-dynamics benchmark on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}${quick ? ' (quick)' : ''}`);
console.log('columns: mean time per call, wasm and js backends, and ×: js time / wasm time');
for (const size of ['S', 'M', 'L'] as const) await stepsAndKernels(size);
await matmuls();
await paperExperiment();
await cyclicBench(quick);
const memory = await memoryAtL();
await sweepBench(quick);
await factorizedBench(quick);
await autoregressiveBench(quick);
// this file runs compiled as dist/bench/run.js; results go to the source tree's bench/results
const results = new URL('../../bench/results/', import.meta.url);
mkdirSync(results, { recursive: true });
const out = { date: new Date().toISOString(), machine, quick, sizes: SIZES, rows, memory };
writeFileSync(new URL('latest.json', results), JSON.stringify(out, null, 1) + '\n');
console.log('\nwrote bench/results/latest.json');
await speedSection(quick);

// the recall family (docs/theory/recall.md), in its own results file
const recall = await benchRecall(quick);
writeFileSync(new URL('recall.json', results), JSON.stringify({ date: new Date().toISOString(), machine, quick, ...recall }, null, 1) + '\n');
console.log('wrote bench/results/recall.json');

// training on two threads against one (bench/threads.ts), in its own results file
await threadsBench(quick);

// the CLI's start-up as whole processes (bench/startup.ts), in its own results file
startupBench(quick);
