// Prints bench/results/latest.json (written by `npm run bench`) as the README's Markdown table.
import { existsSync, readFileSync } from 'node:fs';

const r = JSON.parse(readFileSync(new URL('../bench/results/latest.json', import.meta.url), 'utf8'));
const ms = (x) => (x < 0.1 ? `${(x * 1000).toFixed(1)} µs` : `${x.toFixed(2)} ms`);
console.log(`Measured ${r.date.slice(0, 10)} on ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.machine.node}${r.quick ? ', quick mode' : ''}.\n`);
console.log('| size | precision | what | wasm | js | js / wasm |');
console.log('|---|---|---|---:|---:|---:|');
for (const row of r.rows) {
  const extra = row.extra ? ` (${row.extra})` : '';
  console.log(`| ${row.size} | ${row.precision} | ${row.name}${extra} | ${ms(row.wasmMs)} | ${ms(row.jsMs)} | ×${row.speedup.toFixed(1)} |`);
}
const m = r.memory;
console.log(`\nMemory at L (f64, one-hot): parameters + gradients + packed data ${(m.bytesParamsGradsData / 2 ** 20).toFixed(1)} MiB; WebAssembly memory ${(m.wasmMemoryBytes / 2 ** 20).toFixed(1)} MiB (×${m.wasmRatio.toFixed(3)}); peak RSS growth of the run ${(m.peakRssDeltaBytes / 2 ** 20).toFixed(1)} MiB (×${m.rssRatio.toFixed(2)}).`);

// the speed section (bench/speed.ts), when it has run
const speedFile = new URL('../bench/results/speed.json', import.meta.url);
if (existsSync(speedFile)) {
  const s = JSON.parse(readFileSync(speedFile, 'utf8'));
  console.log(`\nSpeed section, measured ${s.date.slice(0, 16).replace('T', ' ')} UTC${s.quick ? ', quick mode' : ''} (CPU time of the fastest call; f64):\n`);
  console.log('| size | what | now | before | gain |');
  console.log('|---|---|---:|---:|---:|');
  for (const row of s.rows) {
    const extra = row.extra ? ` (${row.extra})` : '';
    console.log(`| ${row.size} | ${row.what}${extra} | ${ms(row.ms)} | ${row.baselineMs === null ? '' : ms(row.baselineMs)} | ${row.gain === null ? '' : `×${row.gain.toFixed(2)}`} |`);
  }
  const w = s.warmUp;
  console.log(`\nPaper experiment (S, f64) as the first run of a process: ${w.trainingMs.toFixed(1)} ms of training (wall) against ${w.steadyMs.toFixed(1)} ms of steady-state chunks (×${w.ratio.toFixed(2)}); in CPU time ${w.cpuTrainingMs.toFixed(1)} ms against ${w.cpuSteadyMs.toFixed(1)} ms (×${w.cpuRatio.toFixed(2)}); a second run in the same process ${w.warmProcessMs.toFixed(1)} ms; set-up ${w.setupMs.toFixed(1)} ms; fastest of ${w.runs} processes.`);
}
