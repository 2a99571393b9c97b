// Prints bench/results/latest.json (written by `npm run bench`) as the README's Markdown table.
import { readFileSync } from 'node:fs';

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
