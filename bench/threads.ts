// The threads section of `npm run bench`: the stage-2 step (f64, one-hot) at M and L on one
// thread and on two, and their ratio; the stage-1 and joint steps at M. Wall time (CPU time sums over threads), best of many
// steps with the two thread counts alternating, so that load from other processes hits both
// alike. Writes bench/results/threads.json. Alone: node --expose-gc dist/bench/threads.js [--quick]
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { analyze } from '../src/dataset/analyze.js';
import type { Model } from '../src/engine/backend.js';
import { createEngineModel } from '../src/engine/create.js';
import { packDataset } from '../src/engine/packed.js';
import { defaultThreads } from '../src/engine/threads.js';
import { sizeDataset } from './sizes.js';

export interface ThreadsRow {
  what: 'stage-2 step' | 'stage-1 step' | 'joint step';
  size: 'M' | 'L';
  /** best wall time of one stage-2 step, ms */
  oneThreadMs: number;
  twoThreadsMs: number;
  /** oneThreadMs / twoThreadsMs */
  ratio: number;
  /** median wall times, ms */
  oneThreadMedianMs: number;
  twoThreadsMedianMs: number;
  steps: number;
  /** what train() would choose on a 2-core machine */
  defaultOnTwoCores: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Runs the section and returns its rows. */
export async function threadsBench(quick: boolean): Promise<ThreadsRow[]> {
  console.log('\nthreads: steps (f64, one-hot), wall time, 1 thread against 2 (alternating; best and median)');
  const rows: ThreadsRow[] = [];
  const cases = [['stage-2 step', 'M'], ['stage-2 step', 'L'], ['stage-1 step', 'M'], ['joint step', 'M']] as const;
  for (const [what, size] of cases) {
    const ds = sizeDataset(size);
    const packed = packDataset(ds, analyze(ds).collocation);
    const V = ds.vocab.length;
    const eta0 = 0.2 / Math.sqrt(V);
    const eta1 = 0.05 / Math.sqrt(V);
    const models: Model[] = [];
    for (const threads of [1, 2]) {
      const m = await createEngineModel(packed, { precision: 'f64', threads });
      if (what !== 'stage-1 step') m.stage1(size === 'L' ? 100 : 900, eta0);
      models.push(m);
    }
    const stepOnce = (m: Model) => (what === 'stage-2 step' ? m.stage2(1, eta1) : what === 'stage-1 step' ? m.stage1(1, eta0) : m.joint(1, eta0, eta1));
    for (const m of models) for (let i = 0; i < 5; i++) stepOnce(m);
    const times: number[][] = [[], []];
    const rounds = (size === 'L' ? 15 : 60) / (quick ? 3 : 1);
    for (let r = 0; r < rounds; r++) {
      models.forEach((m, i) => {
        const t = performance.now();
        stepOnce(m);
        times[i].push(performance.now() - t);
      });
    }
    for (const m of models) m.dispose();
    const [one, two] = times;
    const row: ThreadsRow = {
      what,
      size,
      oneThreadMs: Math.min(...one),
      twoThreadsMs: Math.min(...two),
      ratio: Math.min(...one) / Math.min(...two),
      oneThreadMedianMs: median(one),
      twoThreadsMedianMs: median(two),
      steps: rounds,
      defaultOnTwoCores: defaultThreads(packed, 2),
    };
    rows.push(row);
    console.log(
      `${size}   ${what.padEnd(13)} 1 thread ${row.oneThreadMs.toFixed(2)} ms   2 threads ${row.twoThreadsMs.toFixed(2)} ms   ×${row.ratio.toFixed(2)} (best of ${rounds}; medians ${row.oneThreadMedianMs.toFixed(2)} / ${row.twoThreadsMedianMs.toFixed(2)} ms, ×${(row.oneThreadMedianMs / row.twoThreadsMedianMs).toFixed(2)})`,
    );
  }
  const results = new URL('../../bench/results/', import.meta.url);
  mkdirSync(results, { recursive: true });
  const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, loadavg: os.loadavg() };
  writeFileSync(new URL('threads.json', results), JSON.stringify({ date: new Date().toISOString(), quick, machine, rows }, null, 1) + '\n');
  console.log('wrote bench/results/threads.json');
  return rows;
}

// run alone: node --expose-gc dist/bench/threads.js [--quick]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await threadsBench(process.argv.includes('--quick'));
