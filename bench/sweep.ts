// npm run bench, sweep section: 64 runs of the paper's experiment (|V| = 20, T0 = T1 = 900, one
// seed each) as one sweep, on one worker thread and on every core; runs per second and the
// speed-up. Wall time of runSweep, pool start-up and the writing of runs.jsonl included.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSweep } from '../src/sweep/run.js';
import type { SweepFile } from '../src/sweep/spec.js';

/** The sweep section's numbers. */
export interface SweepBench {
  runs: number;
  cores: number;
  oneWorker: { wallMs: number; runsPerSecond: number };
  allCores: { workers: number; wallMs: number; runsPerSecond: number };
  speedup: number;
  /** 1-minute load average before the section: other processes sharing the cores */
  loadBefore: number;
}

async function timed(sweep: SweepFile, workers: number): Promise<number> {
  const out = mkdtempSync(join(tmpdir(), 'ntp-bench-sweep-'));
  try {
    const s = await runSweep(sweep, { out, workers });
    if (s.done !== s.total || s.failed > 0) throw new Error(`sweep bench: ${s.failed} of ${s.total} runs failed`);
    return s.wallMs;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Runs the sweep section, prints it and writes bench/results/sweep.json. */
export async function sweepBench(): Promise<SweepBench> {
  const runs = 64;
  const sweep: SweepFile = { base: { vocab: 20, t0: 900, t1: 900 }, grid: { seed: { from: 1, to: runs } } };
  const cores = availableParallelism();
  const { loadavg } = await import('node:os');
  const loadBefore = loadavg()[0];
  await timed({ ...sweep, grid: { seed: { from: 1, to: cores } } }, cores); // warm-up: file cache, JIT of the main thread
  const one = await timed(sweep, 1);
  const all = await timed(sweep, cores);
  const r: SweepBench = {
    runs,
    cores,
    oneWorker: { wallMs: one, runsPerSecond: (runs * 1000) / one },
    allCores: { workers: cores, wallMs: all, runsPerSecond: (runs * 1000) / all },
    speedup: one / all,
    loadBefore,
  };
  console.log(`\nsweep: ${runs} paper-size runs (|V| = 20, T0 = T1 = 900), load average ${loadBefore.toFixed(2)} before`);
  console.log(`  1 worker      ${(one / 1000).toFixed(2)} s   ${r.oneWorker.runsPerSecond.toFixed(1)} runs/s`);
  console.log(`  ${cores} workers     ${(all / 1000).toFixed(2)} s   ${r.allCores.runsPerSecond.toFixed(1)} runs/s   speed-up ×${r.speedup.toFixed(2)} (target ≥ 1.8 on 2 cores)`);
  // this file runs compiled as dist/bench/sweep.js; results go to the source tree's bench/results
  const results = new URL('../../bench/results/', import.meta.url);
  mkdirSync(results, { recursive: true });
  writeFileSync(new URL('sweep.json', results), JSON.stringify({ date: new Date().toISOString(), ...r }, null, 1) + '\n');
  return r;
}

// `node dist/bench/sweep.js` runs this section alone
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) await sweepBench();
