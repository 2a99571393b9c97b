// npm run bench, sweep section: 64 runs of the paper's experiment (|V| = 20, T0 = T1 = 900, one
// seed each) as one sweep, on one worker thread and on every core; runs per second and the
// speed-up. Wall time of runSweep, pool hand-over and the writing of runs.jsonl included.
//
// Two situations, both reported:
// - warm: sweeps in a process that has run sweeps before (the API, an experiment that runs several
//   sweeps): runSweep reuses the workers the last sweep left warm, their code already optimized;
// - cold: the first sweep of a fresh process (what `ntp sweep run` does, process start aside): every
//   worker thread starts, and V8 optimizes the JavaScript of a run in each thread anew, on its
//   background threads.
// "One worker" leaves the other cores idle, and V8's compiler and garbage collector threads use
// them; so each one-worker figure also appears pinned to one core (`taskset -c 0`, in a child
// process), which is what one core means.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSweep } from '../src/sweep/run.js';
import type { SweepFile } from '../src/sweep/spec.js';

const RUNS = 64;
const SWEEP: SweepFile = { base: { vocab: 20, t0: 900, t1: 900 }, grid: { seed: { from: 1, to: RUNS } } };
/**
 * The warm-up sweep of each pool size, on other seeds: V8 keeps optimizing a thread's code over
 * its first ~50 runs, so each worker gets about that many.
 */
const warmUp = (workers: number): SweepFile => ({ base: { vocab: 20, t0: 900, t1: 900 }, grid: { seed: { from: 1001, to: 1000 + 48 * workers } } });

/** Wall time, and the CPU time of the process (all threads) over it. */
export interface Timing {
  wallMs: number;
  runsPerSecond: number;
  /** CPU time of all threads of the process over the sweep */
  cpuMs: number;
  /** cpuMs / wallMs: the cores the sweep actually got */
  coresUsed: number;
}

/** The sweep section's numbers. */
export interface SweepBench {
  runs: number;
  cores: number;
  warm: { oneWorker: Timing; oneWorkerPinned: Timing | null; allCores: Timing; speedup: number; speedupPinned: number | null };
  cold: { oneWorker: Timing; oneWorkerPinned: Timing | null; allCores: Timing; speedup: number; speedupPinned: number | null };
  /** 1-minute load average before the section: other processes sharing the cores */
  loadBefore: number;
  /** measurements per row; the fastest counts */
  repeats: number;
}

const timing = (wallMs: number, cpuMs: number): Timing => ({ wallMs, runsPerSecond: (RUNS * 1000) / wallMs, cpuMs, coresUsed: cpuMs / wallMs });
const fastest = (ts: Timing[]): Timing => ts.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));

/** One sweep in this process. */
async function timed(sweep: SweepFile, workers: number): Promise<Timing> {
  const out = mkdtempSync(join(tmpdir(), 'ntp-bench-sweep-'));
  try {
    const cpu0 = process.cpuUsage();
    const s = await runSweep(sweep, { out, workers });
    const cpu = process.cpuUsage(cpu0);
    if (s.done !== s.total || s.failed > 0) throw new Error(`sweep bench: ${s.failed} of ${s.total} runs failed`);
    return timing(s.wallMs, (cpu.user + cpu.system) / 1000);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Runs a command and resolves to its wall time in ms (from spawn to exit); rejects when it fails. */
function wallOf(cmd: string, args: string[]): Promise<{ ms: number; out: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve({ ms: performance.now() - start, out }) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`))));
  });
}

const canPin = (): boolean => process.platform === 'linux' && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const pinned = (args: string[]): [string, string[]] => ['taskset', ['-c', '0', ...args]];

/**
 * A child process running this file with `args` (optionally pinned to core 0), which prints one
 * Timing as its last line: `--warm-child N` (warm-up, then the fastest of N one-worker sweeps) or
 * `--cold-child W` (one sweep on W workers in the fresh process).
 */
async function child(args: string[], pin: boolean): Promise<Timing> {
  const all = [process.execPath, fileURLToPath(import.meta.url), ...args];
  const [cmd, rest] = pin ? pinned(all) : [all[0], all.slice(1)];
  const { out } = await wallOf(cmd, rest);
  return JSON.parse(out.trim().split('\n').pop() as string) as Timing;
}

/**
 * Runs the sweep section, prints it and writes bench/results/sweep.json. The configurations
 * alternate `repeats` times and the fastest of each counts: on a machine others share, the least
 * disturbed measurement is the closest to what the pool does.
 */
export async function sweepBench(quick = false): Promise<SweepBench> {
  const repeats = quick ? 1 : 3;
  const cores = availableParallelism();
  const pin = canPin();
  const loadBefore = loadavg()[0];

  // warm: a warm-up sweep per pool size, then the measured ones
  await timed(warmUp(1), 1);
  await timed(warmUp(cores), cores);
  const w1: Timing[] = [];
  const wAll: Timing[] = [];
  for (let i = 0; i < repeats; i++) {
    w1.push(await timed(SWEEP, 1));
    wAll.push(await timed(SWEEP, cores));
  }
  const wPinned = pin ? await child(['--warm-child', String(repeats)], true) : null;

  // cold: one fresh process per sweep
  const c1: Timing[] = [];
  const cPinned: Timing[] = [];
  const cAll: Timing[] = [];
  for (let i = 0; i < repeats; i++) {
    c1.push(await child(['--cold-child', '1'], false));
    if (pin) cPinned.push(await child(['--cold-child', '1'], true));
    cAll.push(await child(['--cold-child', String(cores)], false));
  }

  const section = (one: Timing, onePinned: Timing | null, all: Timing) => ({ oneWorker: one, oneWorkerPinned: onePinned, allCores: all, speedup: one.wallMs / all.wallMs, speedupPinned: onePinned ? onePinned.wallMs / all.wallMs : null });
  const r: SweepBench = {
    runs: RUNS,
    cores,
    warm: section(fastest(w1), wPinned, fastest(wAll)),
    cold: section(fastest(c1), pin ? fastest(cPinned) : null, fastest(cAll)),
    loadBefore,
    repeats,
  };
  const line = (name: string, t: Timing, extra = '') =>
    `  ${name.padEnd(30)} ${(t.wallMs / 1000).toFixed(2).padStart(6)} s   ${t.runsPerSecond.toFixed(1).padStart(5)} runs/s` +
    `   ${t.coresUsed.toFixed(2)} cores busy (CPU time / wall time), ${(t.cpuMs / RUNS).toFixed(1)} ms CPU per run` + extra;
  const print = (title: string, s: SweepBench['warm']) => {
    console.log(title);
    console.log(line('1 worker', s.oneWorker));
    if (s.oneWorkerPinned) console.log(line('1 worker, pinned to one core', s.oneWorkerPinned));
    const vsPinned = s.speedupPinned === null ? '' : `, ×${s.speedupPinned.toFixed(2)} vs pinned`;
    console.log(line(`${cores} workers`, s.allCores, `   speed-up ×${s.speedup.toFixed(2)}${vsPinned} (target ≥ 1.8 on 2 cores)`));
  };
  console.log(`\nsweep: ${RUNS} paper-size runs (|V| = 20, T0 = T1 = 900), ${cores} cores, fastest of ${repeats}, load average ${loadBefore.toFixed(2)} before (other processes share the cores)${pin ? '' : '; taskset unavailable: no pinned rows'}`);
  print(' warm (runSweep in a process whose last sweep left its workers warm)', r.warm);
  print(' cold (the first sweep of a fresh process, as `ntp sweep run`: new workers, nothing optimized yet)', r.cold);
  // this file runs compiled as dist/bench/sweep.js; results go to the source tree's bench/results
  const results = new URL('../../bench/results/', import.meta.url);
  mkdirSync(results, { recursive: true });
  writeFileSync(new URL('sweep.json', results), JSON.stringify({ date: new Date().toISOString(), ...r }, null, 1) + '\n');
  return r;
}

// `node dist/bench/sweep.js` runs this section alone; --warm-child and --cold-child are its children
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  const warmAt = process.argv.indexOf('--warm-child');
  const coldAt = process.argv.indexOf('--cold-child');
  if (warmAt >= 0) {
    await timed(warmUp(1), 1);
    const ts: Timing[] = [];
    for (let i = 0; i < Number(process.argv[warmAt + 1]); i++) ts.push(await timed(SWEEP, 1));
    console.log(JSON.stringify(fastest(ts)));
  } else if (coldAt >= 0) {
    console.log(JSON.stringify(await timed(SWEEP, Number(process.argv[coldAt + 1]))));
  } else {
    await sweepBench(process.argv.includes('--quick'));
  }
}
