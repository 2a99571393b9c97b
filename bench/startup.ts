// npm run bench, start-up section: the CLI as whole processes, as a user starts it (node start,
// module loading, the work, exit): `ntp --help`, `ntp train --no-figure` and `ntp train` (with
// the figure) on the paper's default data. Commands alternate, so a drift of the machine's speed
// touches all of them alike; the median of each counts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One command's whole-process wall times. */
export interface StartupRow {
  command: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** the target for this command, in milliseconds */
  targetMs: number;
}

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

function wallMs(args: string[]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`startup bench: ntp ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(0, 300)}`);
  return ms;
}

/** Runs the section, prints it and writes bench/results/startup.json. */
export function startupBench(quick = false): StartupRow[] {
  const runs = quick ? 3 : 11;
  const dir = mkdtempSync(join(tmpdir(), 'ntp-bench-startup-'));
  const commands: Array<{ label: string; args: string[]; targetMs: number }> = [
    { label: 'ntp --help', args: ['--help'], targetMs: 150 },
    { label: 'ntp train --no-figure', args: ['train', '--no-figure', '--out', join(dir, 'a')], targetMs: 250 },
    { label: 'ntp train (figure drawn)', args: ['train', '--out', join(dir, 'b')], targetMs: 600 },
  ];
  const load = loadavg()[0];
  const times = commands.map(() => [] as number[]);
  try {
    for (const c of commands) wallMs(c.args); // warm-up: file cache
    for (let i = 0; i < runs; i++) commands.forEach((c, k) => times[k].push(wallMs(c.args)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const rows = commands.map((c, k) => {
    const xs = [...times[k]].sort((a, b) => a - b);
    return { command: c.label, medianMs: xs[xs.length >> 1], minMs: xs[0], maxMs: xs[xs.length - 1], targetMs: c.targetMs };
  });
  console.log(`\nstart-up: the CLI as whole processes (paper's default data), median of ${runs} alternating runs, load average ${load.toFixed(2)} before`);
  for (const r of rows) console.log(`  ${r.command.padEnd(26)} ${r.medianMs.toFixed(0).padStart(5)} ms   (min ${r.minMs.toFixed(0)}, max ${r.maxMs.toFixed(0)})   target ≤ ${r.targetMs} ms`);
  const results = new URL('../../bench/results/', import.meta.url);
  writeFileSync(new URL('startup.json', results), JSON.stringify({ date: new Date().toISOString(), quick, loadBefore: load, runs, rows }, null, 1) + '\n');
  console.log('wrote bench/results/startup.json');
  return rows;
}

// run alone: node dist/bench/startup.js [--quick]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) startupBench(process.argv.includes('--quick'));
