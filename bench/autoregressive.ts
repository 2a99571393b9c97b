// The autoregressive family's training step (docs/theory/autoregressive.md#compute, reconstruction R-C): one Adam step of
// the n-layer causal transformer, per layer, at the CI size and at the reconstruction's default
// size (d = 5, T = 50, 2 heads, batch 1024), WASM f64/f32 against the TypeScript backend, in
// GFLOP/s against the count of docs/theory/autoregressive.md#compute: forward per layer and sequence
// 3·H·T·D² + 2·H·T(T+1)/2·D multiply-adds, forward + backward = 3 × forward.
import { writeFileSync, mkdirSync } from 'node:fs';
import { Bench } from 'tinybench';
import type { BackendName, Precision } from '../src/engine/backend.js';
import type { AttentionKind } from '../src/engine/causal/kernels.js';
import { generateSequences } from '../src/tasks/autoregressive/data.js';
import { CausalTransformer } from '../src/tasks/autoregressive/transformer.js';

export interface AutoregressiveBenchRow {
  size: string;
  attention: AttentionKind;
  precision: Precision;
  backend: BackendName;
  msPerStep: number;
  gflopPerStep: number;
  gflops: number;
}

/** docs/theory/autoregressive.md#compute: FLOP of one forward + backward step (per layer × layers), 2 FLOP per multiply-add. */
export function stepFlops(d: number, T: number, H: number, B: number, layers: number): number {
  const D = 4 * d;
  const macForward = 3 * H * T * D * D + 2 * H * ((T * (T + 1)) / 2) * D;
  return 2 * 3 * macForward * B * layers;
}

const SIZES = [
  { name: 'CI (d=3, T=20, B=64)', d: 3, T: 20, B: 64, attentions: ['linear', 'exp', 'softmax'] as AttentionKind[] },
  { name: 'default (d=5, T=50, B=1024)', d: 5, T: 50, B: 1024, attentions: ['linear', 'softmax'] as AttentionKind[] },
];

async function timeStep(model: CausalTransformer, batch: Int32Array, iterations: number): Promise<number> {
  const bench = new Bench({ iterations, time: 0, warmup: true, warmupIterations: 1, warmupTime: 0 });
  bench.add('step', () => {
    model.step(batch, { lr: 1e-4 });
  });
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.state !== 'completed') throw new Error(`benchmark task ${r.state}`);
  return r.latency.mean;
}

/** Runs the section, prints its table and writes bench/results/autoregressive.json. */
export async function autoregressiveBench(quick: boolean): Promise<AutoregressiveBenchRow[]> {
  console.log('\nautoregressive family (reconstruction R-C): one Adam training step per layer (1 layer, 2 heads); GFLOP/s against docs/theory/autoregressive.md#compute FLOP counts');
  const rows: AutoregressiveBenchRow[] = [];
  for (const s of SIZES) {
    const train = generateSequences({ family: 'haar', d: s.d, length: s.T, sequences: s.B, seed: 1 });
    const batch = Int32Array.from({ length: s.B }, (_, i) => i);
    const gflop = stepFlops(s.d, s.T, 2, s.B, 1) / 1e9;
    for (const attention of s.attentions) {
      for (const precision of ['f64', 'f32'] as const) {
        for (const backend of ['wasm', 'js'] as const) {
          const model = await CausalTransformer.create({ d: s.d, T: s.T, layers: 1, heads: 2, attention, backend, precision, train, seed: 1 });
          const big = s.B >= 1024;
          const iterations = quick ? (big ? 1 : 5) : big ? (backend === 'js' ? 2 : 5) : 30;
          const ms = await timeStep(model, batch, iterations);
          const row = { size: s.name, attention, precision, backend, msPerStep: ms, gflopPerStep: gflop, gflops: gflop / (ms / 1e3) };
          rows.push(row);
          console.log(`${s.name.padEnd(28)} ${attention.padEnd(8)} ${precision} ${backend.padEnd(5)} ${ms.toFixed(2).padStart(10)} ms/step  ${gflop.toFixed(4)} GFLOP  ${row.gflops.toFixed(2).padStart(6)} GFLOP/s`);
        }
      }
    }
  }
  const results = new URL('../../bench/results/', import.meta.url);
  mkdirSync(results, { recursive: true });
  writeFileSync(new URL('autoregressive.json', results), JSON.stringify({ date: new Date().toISOString(), quick, rows }, null, 1) + '\n');
  return rows;
}

// `node dist/bench/autoregressive.js [--quick]` runs this section alone
if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  await autoregressiveBench(process.argv.includes('--quick'));
}
