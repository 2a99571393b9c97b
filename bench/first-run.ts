// One paper experiment (S, f64, metrics every 10 steps) in a fresh process, so that the
// WebAssembly code starts cold as it does for a user: prints JSON with the training time, the
// set-up time and the median chunk time of each stage. Run by bench/speed.ts.
import { train } from '../src/train/run.js';
import { Trainer } from '../src/train/trainer.js';
import { sizeDataset } from './sizes.js';

const ds = sizeDataset('S');
const t0 = performance.now();
const trainer = await Trainer.create(ds, { precision: 'f64' });
const setupMs = performance.now() - t0;
// CPU time of the process as well as wall time: on a shared machine the wall clock also counts
// the time other processes held the cores
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const chunks: number[] = [];
const cpuChunks: number[] = [];
while (!trainer.done) {
  const t = performance.now();
  const c = cpuMs();
  trainer.advance(10);
  cpuChunks.push(cpuMs() - c);
  chunks.push(performance.now() - t);
}
const trainingMs = trainer.trainingMs;
trainer.dispose();
const t1 = (trainer.options.t0 / 10) | 0;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
// steady state: the median chunk of each stage, times the chunks of that stage
const steady = (xs: number[]) => median(xs.slice(0, t1)) * t1 + median(xs.slice(t1, xs.length - 1)) * (xs.length - 1 - t1);
const steadyMs = steady(chunks);
const cpuTrainingMs = cpuChunks.reduce((a, b) => a + b, 0);
const cpuSteadyMs = steady(cpuChunks);
// a second run in the same process, for reference: the code is warm now
const again = (await train(ds, { precision: 'f64' })).trainingMs;
console.log(JSON.stringify({ trainingMs, setupMs, steadyMs, cpuTrainingMs, cpuSteadyMs, firstChunks: chunks.slice(0, 2).concat(chunks.slice(t1, t1 + 2)), warmProcessMs: again }));
