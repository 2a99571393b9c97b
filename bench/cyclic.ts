// Cyclic orders (docs/theory/cyclic.md): the exact references at |V| = 256, TypeScript only (they are solvers,
// not kernels): the graph-SVM (column-wise and projected Gram) and W_fin (Newton). Imported by
// bench/run.ts; prints its rows and writes bench/results/cyclic-latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { cyclicData, type CyclicData } from '../src/dataset/cyclic-orders.js';
import { finitePart } from '../src/tasks/cyclic/finite.js';
import { generateLiCyclic, normalizedGaussian } from '../src/tasks/cyclic/generators.js';
import { graphSvm } from '../src/maxmargin/graph-svm.js';
import { analyze } from '../src/dataset/analyze.js';

interface CyclicRow {
  name: string;
  ms: number;
  facts: string;
}

function dataset(V: number, n: number, T: number, seed: number, d?: number): CyclicData {
  const ds = generateLiCyclic({ vocab: V, samples: n, length: T, seed });
  if (d === undefined) return cyclicData(ds);
  const rows = normalizedGaussian(V, d, seed);
  const E = new Float64Array(d * V);
  rows.forEach((r, v) => r.forEach((x, i) => (E[i * V + v] = x)));
  return cyclicData(ds, analyze(ds), E, d);
}

async function time(fn: () => void, quick: boolean): Promise<number> {
  const bench = new Bench({ time: quick ? 200 : 1000, iterations: 3, warmup: true, warmupIterations: 1, warmupTime: 10 });
  bench.add('x', fn);
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.state !== 'completed') throw new Error(`benchmark task ${r.state}`);
  return r.latency.mean;
}

/** Times the cyclic references at |V| = 256 and prints one line per solve. */
export async function cyclicBench(quick: boolean): Promise<CyclicRow[]> {
  const rows: CyclicRow[] = [];
  const add = (name: string, ms: number, facts: string) => {
    rows.push({ name, ms, facts });
    console.log(`cyclic  ${name.padEnd(58)} ${ms.toFixed(2).padStart(9)} ms   ${facts}`);
  };
  const oneHot = dataset(256, 2048, 8, 1);
  const edges = oneHot.graphs.reduce((s, g) => s + g.edges.length, 0);
  const maxScc = Math.max(...oneHot.graphs.flatMap((g) => g.components.map((c) => c.length)));
  let svm = graphSvm(oneHot);
  add('graph-SVM, one-hot (|V| 256, n 2048, T 8)', await time(() => void (svm = graphSvm(oneHot)), quick), `${edges} cross-SCC edges, largest SCC ${maxScc}, KKT ${svm.kkt.toExponential(1)}`);
  const general = dataset(256, 256, 4, 2, 32);
  const gEdges = general.graphs.reduce((s, g) => s + g.edges.length, 0);
  let gs = graphSvm(general);
  add('graph-SVM, projected Gram (|V| 256, d 32, n 256, T 4)', await time(() => void (gs = graphSvm(general)), quick), `${gEdges} cross-SCC edges, ${gs.status}, KKT ${gs.kkt.toExponential(1)}`);
  const fin = oneHot;
  let f = finitePart(fin);
  add('W_fin, selection head, Newton (|V| 256, n 2048, T 8)', await time(() => void (f = finitePart(fin)), quick), `dim S_fin ${f.space.dim}, ${f.reduced.length} reduced samples, ${f.iterations} iterations, |∇| ${f.gradNorm.toExponential(1)}`);
  const V = 256;
  const M = new Float64Array(V * V);
  for (let x = 0; x < V; x++) for (let v = 0; v < V; v++) M[v * V + x] = 5 * ((v === (x + 1) % V ? 1 : 0) - 1 / V);
  let fm = finitePart(fin, { head: 'ce-frozen', M });
  add('W_fin, frozen-M head (R0 5), damped Newton (same data)', await time(() => void (fm = finitePart(fin, { head: 'ce-frozen', M })), quick), `${fm.status} after ${fm.iterations} iterations, |∇| ${fm.gradNorm.toExponential(1)}`);
  // compiled as dist/bench/cyclic.js: results go to the source tree's bench/results, as run.ts does
  const dir = new URL('../../bench/results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL('cyclic-latest.json', dir), `${JSON.stringify({ date: new Date().toISOString(), quick, rows }, null, 2)}\n`);
  return rows;
}
