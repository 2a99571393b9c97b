// Cyclic orders (docs/theory/cyclic.md): the exact references at |V| = 256, TypeScript only (they are solvers,
// not kernels): the graph-SVM (column-wise and projected Gram) and W_fin (Newton); and the stage-2
// heads' step per kernel (time, GFLOP/s, fraction of the SIMD peak; 1 and 2 threads). Imported by
// bench/run.ts; prints its rows and writes bench/results/cyclic-latest.json. Alone:
// node dist/bench/cyclic.js [--quick] [--heads] [--compare DIR] (--heads: only the heads' rows;
// --compare DIR: also another checkout's build, e.g. /work/main, for the rows before a change).
import { mkdirSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import type { Precision } from '../src/engine/backend.js';
import { createHeadModel, packHeadData, type HeadData, type HeadModel, type HeadName } from '../src/tasks/cyclic/kernels/model.js';
import type { HeadKernel } from '../src/tasks/cyclic/kernels/buffers.js';
import { bestTimes, EXP_FLOP, expThroughput, peakColumns, simdPeak, type PeakColumns } from './peak.js';
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
  const heads = await cyclicHeadBench(quick);
  // compiled as dist/bench/cyclic.js: results go to the source tree's bench/results, as run.ts does
  const dir = new URL('../../bench/results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL('cyclic-latest.json', dir), `${JSON.stringify({ date: new Date().toISOString(), quick, rows, heads }, null, 2)}\n`);
  return rows;
}

/**
 * FLOP of one head kernel's pass over the samples (assembly/cyclic/selection.ts, gen.ts), from the
 * operations the kernels execute: the context softmax costs 4 per token (max, shift, sum, scale)
 * and an exponential; selection's forward adds 1 per token (the mass split), its backward 4
 * (the split again, a product and a sum into ∇K); gen's masses cost 1 per token, then a shift, an
 * exponential and a sum per distinct context token (counted as every token) and one exponential
 * for the tokens outside the context, in each direction; its backward adds 9 per token (dφ, the
 * centred sum, the product into ∇K).
 */
export function headKernelFlops(head: HeadName, pass: 'forward' | 'backward', data: Pick<HeadData, 'V' | 'tokens' | 'targets'>): number {
  const tokens = data.tokens.length;
  const n = data.targets.length;
  const softmax = (4 + EXP_FLOP) * tokens;
  const masses = (3 + EXP_FLOP) * tokens + (2 + EXP_FLOP) * n;
  if (head === 'selection') return pass === 'forward' ? softmax + tokens : 4 * tokens;
  return pass === 'forward' ? softmax + masses : masses + 9 * tokens;
}

/** FLOP of the embedding products of a step: K = EᵀWE and ∇W = E ∇K Eᵀ (2·(d²|V| + d|V|²) each; none for one-hot, a transpose). */
export function headProductFlops(V: number, d: number, oneHot: boolean): number {
  return oneHot ? 0 : 2 * 2 * (d * d * V + d * V * V);
}

/** A row of the heads' section: one kernel of a step, or the whole step. */
export interface HeadBenchRow extends PeakColumns {
  what: string;
  head: HeadName;
  size: string;
  precision: Precision;
}

/**
 * The heads' data at the section's sizes: |V| = 256, n = 2048, T = 8, one-hot and Gaussian d = 32
 * (a step of well under 1 ms of passes: the default stays on one thread), and one-hot |V| = 1024,
 * n = 16384, T = 16 (passes of several ms: the default takes every core).
 */
function headCases(): Array<{ size: string; data: CyclicData }> {
  return [
    { size: 'one-hot |V| 256, n 2048, T 8', data: dataset(256, 2048, 8, 1) },
    { size: 'Gaussian d 32, |V| 256, n 2048, T 8', data: dataset(256, 2048, 8, 1, 32) },
    { size: 'one-hot |V| 1024, n 16384, T 16', data: dataset(1024, 16384, 16, 1) },
  ];
}

type CreateHead = typeof createHeadModel;

/** Another checkout's build (its dist/), e.g. main's, for the rows before a change. */
async function loadCompare(root: string): Promise<CreateHead> {
  const m = (await import(pathToFileURL(`${root}/dist/src/tasks/cyclic/kernels/model.js`).href)) as { createHeadModel: CreateHead };
  return m.createHeadModel;
}

/**
 * The selection and gen heads' NGD step at the section's sizes, per kernel: the forward and
 * backward passes (WebAssembly) and the whole step (with the embedding products and the update),
 * f64 and f32, on 1 and 2 threads (1 thread: CPU time; 2: wall time). With `compare`, the whole
 * step of another checkout's build on one thread.
 */
export async function cyclicHeadBench(quick: boolean, compare?: string): Promise<{ peak: { f64: number; f32: number }; exp: Awaited<ReturnType<typeof expThroughput>>; rows: HeadBenchRow[] }> {
  const peak = await simdPeak();
  console.log(`\ncyclic heads: one NGD step per kernel; SIMD peak of one thread (assembly/peak.ts, CPU time): f64x2 ${peak.f64.toFixed(2)}, f32x4 ${peak.f32.toFixed(2)} GFLOP/s; an exponential counts ${EXP_FLOP} FLOP`);
  // a pass whose time is mostly its exponentials cannot beat the exponential's own fraction of the peak
  const exp = await expThroughput(peak);
  console.log(`the exponential alone (assembly/exp.ts, 4096 values): f64 ${exp.f64.ns.toFixed(2)} ns per value (${(100 * exp.f64.peakFraction).toFixed(0)} % of peak), f32 ${exp.f32.ns.toFixed(2)} ns (${(100 * exp.f32.peakFraction).toFixed(0)} % of peak)`);
  const rows: HeadBenchRow[] = [];
  const iterations = quick ? 5 : 20;
  const other = compare ? await loadCompare(compare) : null;
  const add = (r: Omit<HeadBenchRow, 'gflops' | 'peakFraction'>) => {
    const row = { ...r, ...peakColumns(r, r.gflop, r.threads, peak[r.precision]) };
    rows.push(row);
    console.log(`${row.head.padEnd(9)} ${row.size.padEnd(36)} ${row.what.padEnd(26)} ${row.precision} ${row.threads} thr  wall ${row.wallMs.toFixed(3).padStart(8)} ms  cpu ${row.cpuMs.toFixed(3).padStart(8)} ms  ${row.gflops.toFixed(2).padStart(6)} GFLOP/s  ${(100 * row.peakFraction).toFixed(0).padStart(3)} % of peak`);
  };
  for (const { size, data } of headCases()) {
    const hd = packHeadData(data.V, data.contexts, data.targets, data.weights);
    for (const head of ['selection', 'gen'] as HeadName[]) {
      const fwd = headKernelFlops(head, 'forward', hd);
      const bwd = headKernelFlops(head, 'backward', hd);
      const products = headProductFlops(data.V, data.d, data.E === null);
      const stepFlop = (fwd + bwd + products) / 1e9;
      for (const precision of ['f64', 'f32'] as const) {
        const builds: Array<[string, CreateHead, number[]]> = [['', createHeadModel, [1, 2]]];
        if (other) builds.push([` (${compare})`, other, [1]]);
        for (const [label, create, threadCounts] of builds) {
          for (const threads of threadCounts) {
            const m: HeadModel = await create(head, hd, { E: data.E, d: data.d, precision, ...(threads > 1 ? { threads } : {}) });
            // a few steps first, away from W = 0
            m.steps(3, 0.5);
            if (label === '') {
              // the kernels alone, through the model's own buffers (its private fields, read here only)
              const k = (m as unknown as { kernel: HeadKernel; b: { dKt: { fill(x: number): void } } });
              const f = await bestTimes(() => k.kernel.forward(), iterations);
              add({ what: 'forward pass', head, size, precision, threads, ...f, gflop: fwd / 1e9 });
              const b = await bestTimes(() => {
                k.b.dKt.fill(0);
                k.kernel.backward();
              }, iterations);
              add({ what: 'backward pass (+ zero ∇K)', head, size, precision, threads, ...b, gflop: bwd / 1e9 });
              if (products > 0 && threads === 1) {
                const p = await bestTimes(() => {
                  k.kernel.scores?.();
                  k.kernel.weightGradient?.();
                }, iterations);
                add({ what: 'embedding products', head, size, precision, threads, ...p, gflop: products / 1e9 });
              }
            }
            const t = await bestTimes(() => m.steps(1, 1e-3), iterations);
            add({ what: `step${label}`, head, size, precision, threads, ...t, gflop: stepFlop });
            m.dispose();
          }
        }
      }
    }
  }
  return { peak, exp, rows };
}

// node dist/bench/cyclic.js [--quick] [--heads] [--compare DIR]
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const at = process.argv.indexOf('--compare');
  const compare = at > 0 ? process.argv[at + 1] : undefined;
  if (process.argv.includes('--heads')) {
    const heads = await cyclicHeadBench(quick, compare);
    const dir = new URL('../../bench/results/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    writeFileSync(new URL('cyclic-heads.json', dir), `${JSON.stringify({ date: new Date().toISOString(), quick, compare: compare ?? null, ...heads }, null, 2)}\n`);
  } else {
    await cyclicBench(quick);
  }
}
