// Loaded by test/browser/threads.test.ts as a module Web Worker from the lab's Vite server: trains
// a generated dataset on one thread and on two, in the browser, and posts what it saw.
import { generateRealizable, train } from '../../src/index.js';

const ds = generateRealizable({ vocab: 32, seed: 2 });
const run = async (threads: number) => {
  const r = await train(ds, { threads, t0: 300, t1: 300, skipMaxMargin: true });
  return { threads: r.config.threads, warnings: r.warnings, loss: r.stage2[r.stage2.length - 1].loss, Wkq: Array.from(r.parameters.Wkq), Wov: Array.from(r.parameters.Wov) };
};
try {
  const one = await run(1);
  const two = await run(2);
  self.postMessage({ isolated: self.crossOriginIsolated, one, two });
} catch (e) {
  self.postMessage({ error: e instanceof Error ? e.message : String(e) });
}
