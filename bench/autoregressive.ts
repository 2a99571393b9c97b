// The autoregressive family's training step (docs/theory/autoregressive.md#compute, reconstruction R-C): one Adam step of
// the n-layer causal transformer, per layer, at the CI size and at the reconstruction's default
// size (d = 5, T = 50, 2 heads, batch 1024), WASM f64/f32 against the TypeScript backend, in
// GFLOP/s against the count of docs/theory/autoregressive.md#compute: forward per layer and sequence
// 3·H·T·D² + 2·H·T(T+1)/2·D multiply-adds, forward + backward = 3 × forward.
import { writeFileSync, mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import type { BackendName, Precision } from '../src/engine/backend.js';
import type { AttentionKind } from '../src/tasks/autoregressive/kernels/kernels.js';
import { generateSequences } from '../src/tasks/autoregressive/data.js';
import { CausalTransformer } from '../src/tasks/autoregressive/transformer.js';
import { ckdPredictions } from '../src/tasks/autoregressive/references.js';
import { ckdPredictionsSet } from '../src/tasks/autoregressive/ckd-set.js';
import { bestTimes, peakColumns, simdPeak, type PeakColumns } from './peak.js';
import { stealMeter } from './steal.js';
import { agree, blasName, CHECK_RTOL, runTorch, torchResultFile, torchVersion } from './pytorch-run.js';

export interface AutoregressiveBenchRow {
  size: string;
  attention: AttentionKind;
  precision: Precision;
  backend: BackendName;
  msPerStep: number;
  gflopPerStep: number;
  gflops: number;
}

/** docs/theory/autoregressive.md#compute: FLOP of one forward + backward step (per layer × layers), 2 FLOP per multiply-add. */
export function stepFlops(d: number, T: number, H: number, B: number, layers: number): number {
  const D = 4 * d;
  const macForward = 3 * H * T * D * D + 2 * H * ((T * (T + 1)) / 2) * D;
  return 2 * 3 * macForward * B * layers;
}

/**
 * FLOP the kernels execute in one step (docs/theory/autoregressive.md#compute): the scores through
 * M = QᵀK, S = (E·M)·Eᵀ (one T×D projection per head for q and k, and in the backward dEM = dS·E,
 * dSᵀ·(E·M), dEM·Mᵀ, Eᵀ·dEM), without the exact zeros the kernels skip (layer 0's input
 * gradient; layer 0 on z_t = (x_t, x_{t−1}), 2d columns, instead of e^0's 4d, and below a top
 * layer its values through z, Out = (A·Z)·V0ᵀ; in the top layer every column past the u-slot the
 * loss reads); causal products over the lower triangle T(T+1)/2;
 * once per step, M = QᵀK per head and weight set, ∂L/∂Q = K·dMᵀ and ∂L/∂K = Q·dM, and the
 * additions that fold layer 0's weights and unfold their gradient and add dV into G. `tied`: one
 * weight set (the model's default).
 */
export function executedStepFlops(d: number, T: number, H: number, B: number, layers: number, tied = true): number {
  const D = 4 * d;
  const tri = (T * (T + 1)) / 2;
  let mac = 0;
  for (let l = 0; l < layers; l++) {
    const out = l === layers - 1 ? d : D; // columns of v, dOut and the attention output the loss depends on
    const k = l === 0 ? 2 * d : D; // columns of the layer's input (z in layer 0), of E·M and of dEM
    if (l === 0 && layers > 1) {
      // per head: z·M0, scores, A·Z, (A·Z)·V0ᵀ; dOut·V0, dA, dV0, dEM = dS·Z, dM0
      mac += H * (2 * T * k * k + 4 * tri * k + 3 * T * k * D);
      continue;
    }
    const rows = H * (k + out); // live columns of E·MVᵀ: E·M and v of every head
    mac += T * k * rows + H * tri * (k + out); // forward: projection, scores, A·V
    mac += H * tri * (2 * out + k) + rows * k * T; // dA, dV, dEM = dS·E, dMV
    if (l > 0) mac += H * tri * D + T * D * rows; // dPrev: dSᵀ·(E·M), dEMV·MV
  }
  const sets = tied ? 1 : layers;
  const perStep = 2 * sets * H * 3 * D * D * D + H * (2 * (9 * d * d + 3 * d * D) + sets * D * D);
  return 2 * mac * B + perStep;
}

const SIZES = [
  { name: 'CI (d=3, T=20, B=64)', d: 3, T: 20, B: 64, attentions: ['linear', 'exp', 'softmax'] as AttentionKind[] },
  { name: 'default (d=5, T=50, B=1024)', d: 5, T: 50, B: 1024, attentions: ['linear', 'softmax'] as AttentionKind[] },
];

async function timeStep(model: CausalTransformer, batch: Int32Array, iterations: number): Promise<number> {
  const bench = new Bench({ iterations, time: 0, warmup: true, warmupIterations: 1, warmupTime: 0 });
  bench.add('step', () => {
    model.step(batch, { lr: 1e-4 });
  });
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.state !== 'completed') throw new Error(`benchmark task ${r.state}`);
  return r.latency.mean;
}

/** Runs the section, prints its table and writes bench/results/autoregressive.json. */
export async function autoregressiveBench(quick: boolean): Promise<AutoregressiveBenchRow[]> {
  console.log('\nautoregressive family (reconstruction R-C): one Adam training step per layer (1 layer, 2 heads); GFLOP/s against docs/theory/autoregressive.md#compute FLOP counts');
  const rows: AutoregressiveBenchRow[] = [];
  for (const s of SIZES) {
    const train = generateSequences({ family: 'haar', d: s.d, length: s.T, sequences: s.B, seed: 1 });
    const batch = Int32Array.from({ length: s.B }, (_, i) => i);
    const gflop = stepFlops(s.d, s.T, 2, s.B, 1) / 1e9;
    for (const attention of s.attentions) {
      for (const precision of ['f64', 'f32'] as const) {
        for (const backend of ['wasm', 'js'] as const) {
          const model = await CausalTransformer.create({ d: s.d, T: s.T, layers: 1, heads: 2, attention, backend, precision, train, seed: 1 });
          const big = s.B >= 1024;
          const iterations = quick ? (big ? 1 : 5) : big ? (backend === 'js' ? 2 : 5) : 30;
          const ms = await timeStep(model, batch, iterations);
          const row = { size: s.name, attention, precision, backend, msPerStep: ms, gflopPerStep: gflop, gflops: gflop / (ms / 1e3) };
          rows.push(row);
          console.log(`${s.name.padEnd(28)} ${attention.padEnd(8)} ${precision} ${backend.padEnd(5)} ${ms.toFixed(2).padStart(10)} ms/step  ${gflop.toFixed(4)} GFLOP  ${row.gflops.toFixed(2).padStart(6)} GFLOP/s`);
        }
      }
    }
  }
  const results = new URL('../../bench/results/', import.meta.url);
  mkdirSync(results, { recursive: true });
  writeFileSync(new URL('autoregressive.json', results), JSON.stringify({ date: new Date().toISOString(), quick, rows }, null, 1) + '\n');
  return rows;
}

/** One row of the section at the size of the PyTorch comparison. */
export interface AutoregressiveTargetRow extends PeakColumns {
  what: string;
  attention: string;
  precision: Precision;
  /** PyTorch rows: its CPU time over the package's on one thread (how many times faster the package is) */
  speedup?: number;
  /** the step rows: the fraction of the time this machine's CPUs had work that the host gave to other guests while the rows of this attention and precision were timed (bench/steal.ts; absent without /proc/stat) */
  hostSteal?: number;
  /** --compare rows: their CPU time over this build's same row (above 1: this build is faster); their GFLOP/s and fraction of peak are on the model's count, not on what their kernels executed, so they are kept here but not printed */
  timeOverThis?: number;
  /** PyTorch step rows: the fraction of this machine's SIMD peak at which the package's executed FLOP would take a quarter of PyTorch's CPU time (above 1: a 4× margin is out of reach) */
  peakFor4x?: number;
  /** PyTorch rows: largest deviation from the package's loss and gradient (or predictions), relative to their largest value */
  deviation?: number;
  /** PyTorch rows: why the row has no time (the check failed or the script did) */
  error?: string;
}

/** A build to compare against (another checkout's dist/, e.g. main's): its transformer, its CKD reference and its CKD set. */
async function loadCompare(root: string) {
  const t = (await import(pathToFileURL(`${root}/dist/src/tasks/autoregressive/transformer.js`).href)) as { CausalTransformer: typeof CausalTransformer };
  const r = (await import(pathToFileURL(`${root}/dist/src/tasks/autoregressive/references.js`).href)) as { ckdPredictions: typeof ckdPredictions };
  const c = (await import(pathToFileURL(`${root}/dist/src/tasks/autoregressive/ckd-set.js`).href)) as { ckdPredictionsSet: typeof ckdPredictionsSet };
  return { CausalTransformer: t.CausalTransformer, ckdPredictions: r.ckdPredictions, ckdPredictionsSet: c.ckdPredictionsSet };
}

/**
 * The training step at d = 5, T = 50, B = 256, 2 layers, 2 heads (the size measured against
 * batched PyTorch), linear, exp and softmax attention, f64 and f32, on 1 and 2 threads; and
 * causal kernel descent at finite depth over 256 sequences, the TS reference against the
 * WebAssembly set. With `compare`, the same rows from another checkout's build (its dist/).
 * Where `/usr/bin/python3 -c 'import torch'` works, each one-thread row has a PyTorch row beside
 * it (bench/pytorch/autoregressive.py, one thread), checked to compute the same loss and
 * gradient (predictions for CKD) on the same weights and batch before its time is reported;
 * the package and PyTorch are then timed `rounds` times in alternation, each side's best kept.
 */
export async function autoregressiveTargetBench(quick: boolean, compare?: string, rounds = quick ? 1 : 3): Promise<{ peak: { f64: number; f32: number }; blas: string[] | null; rows: AutoregressiveTargetRow[] }> {
  const d = 5, T = 50, B = 256, layers = 2, heads = 2;
  const peak = await simdPeak();
  console.log(`\nautoregressive step at d = ${d}, T = ${T}, B = ${B}, ${layers} layers, ${heads} heads; SIMD peak of one thread (assembly/peak.ts, CPU time): f64x2 ${peak.f64.toFixed(2)} GFLOP/s, f32x4 ${peak.f32.toFixed(2)} GFLOP/s`);
  const torch = torchVersion();
  const torchInfo = torch ? runTorch('autoregressive.py', ['--mode', 'ckd', '--d', String(d), '--T', String(T), '--B', '1', '--iterations', '1']) : null;
  console.log(torchInfo ? `PyTorch ${torch} rows: bench/pytorch/autoregressive.py, ${torchInfo.threads} thread, BLAS ${torchInfo.blas.join(', ') || 'none loaded'}; ratio = PyTorch CPU time / the package's` : 'PyTorch rows: not measured (PyTorch is not installed: /usr/bin/python3 -c "import torch" fails)');
  const train = generateSequences({ family: 'haar', d, length: T, sequences: B, seed: 1 });
  const batch = Int32Array.from({ length: B }, (_, i) => i);
  // GFLOP/s of this build's rows on the FLOP its kernels execute; of PyTorch's (whose dense
  // products execute more) and, in the results file, of the compare build's on the model's count
  const gflop = executedStepFlops(d, T, heads, B, layers) / 1e9;
  const nominal = stepFlops(d, T, heads, B, layers) / 1e9;
  console.log(`FLOP per step: ${(gflop * 1e3).toFixed(1)} MFLOP executed by these kernels, ${(nominal * 1e3).toFixed(1)} MFLOP in the model's count (docs/theory/autoregressive.md#compute); lower bound at the SIMD peak: f64 ${((gflop / peak.f64) * 1e3).toFixed(1)} ms, f32 ${((gflop / peak.f32) * 1e3).toFixed(1)} ms`);
  const rows: AutoregressiveTargetRow[] = [];
  const iterations = quick ? 3 : 10;
  const print = (r: AutoregressiveTargetRow) =>
    console.log(
      r.error
        ? `${r.what.padEnd(34)} ${r.attention.padEnd(8)} ${r.precision}  FAILED: ${r.error}`
        : `${r.what.padEnd(34)} ${r.attention.padEnd(8)} ${r.precision} ${String(r.threads).padStart(2)} thr  wall ${r.wallMs.toFixed(1).padStart(8)} ms  cpu ${r.cpuMs.toFixed(1).padStart(8)} ms  ` +
            (r.timeOverThis === undefined ? `${r.gflops.toFixed(2).padStart(6)} GFLOP/s  ${(100 * r.peakFraction).toFixed(0).padStart(3)} % of peak` : `${r.timeOverThis.toFixed(2)}× this build's CPU time`) +
            (r.speedup === undefined ? '' : `  package ${r.speedup.toFixed(2)}× faster (CPU), check ${r.deviation!.toExponential(1)}`) +
            (r.peakFor4x === undefined ? '' : `; 4× needs ${(100 * r.peakFor4x).toFixed(0)} % of peak`),
    );
  // A timed row keeps its best over the rounds: keepBest re-times it.
  type Timed = { row: AutoregressiveTargetRow; time: () => Promise<{ wallMs: number; cpuMs: number }> };
  const keepBest = async ({ row, time }: Timed): Promise<void> => {
    const t = await time();
    Object.assign(row, peakColumns({ wallMs: Math.min(row.wallMs, t.wallMs), cpuMs: Math.min(row.cpuMs, t.cpuMs) }, row.gflop, row.threads, peak[row.precision]));
  };
  // The sides alternate `rounds` times (each timed row, then `between`, e.g. PyTorch's run, and
  // again), each keeping its best: this VM's speed drifts by up to a third within a minute, and
  // alternating exposes every side to the same drift. The first round is the rows' own timing.
  const alternate = async (sides: Timed[], between: () => void = () => {}): Promise<void> => {
    for (let round = 1; round < rounds; round++) {
      for (const side of sides) await keepBest(side);
      between();
    }
  };
  // A PyTorch row beside the package's one-thread row sides[0] (the other sides are timed in
  // alternation with both): the check first, then the time.
  const torchRow = async (what: string, sides: Timed[], args: string[], check: object, expected: Record<string, ArrayLike<number>>): Promise<void> => {
    const ours = sides[0].row;
    const base = { what, attention: ours.attention, precision: ours.precision, threads: 1, gflop: what.startsWith('CKD') ? ours.gflop : nominal };
    const torchArgs = [...args, '--d', String(d), '--T', String(T), '--B', String(B), '--precision', ours.precision, '--iterations', String(iterations)];
    try {
      const r = runTorch('autoregressive.py', torchArgs, check);
      let deviation = 0;
      for (const [key, want] of Object.entries(expected)) deviation = Math.max(deviation, agree(`${what} ${ours.attention} ${ours.precision}: ${key}`, want, [r[key]].flat() as number[], CHECK_RTOL[ours.precision]));
      await alternate(sides, () => {
        const t = runTorch('autoregressive.py', torchArgs);
        r.cpuMs = Math.min(r.cpuMs, t.cpuMs);
        r.wallMs = Math.min(r.wallMs, t.wallMs);
      });
      print(ours);
      const gflops = base.gflop / (r.cpuMs / 1e3);
      // a step row: what a 4× margin would ask of the package's kernels (their executed FLOP in a quarter of PyTorch's time)
      const peakFor4x = what.startsWith('CKD') ? undefined : ours.gflop / (r.cpuMs / 4 / 1e3) / peak[ours.precision];
      const row = { ...base, wallMs: r.wallMs, cpuMs: r.cpuMs, gflops, peakFraction: gflops / peak[ours.precision], speedup: r.cpuMs / ours.cpuMs, deviation, ...(peakFor4x === undefined ? {} : { peakFor4x }) };
      rows.push(row);
      print(row);
    } catch (e) {
      print(ours);
      const row = { ...base, wallMs: NaN, cpuMs: NaN, gflops: NaN, peakFraction: NaN, error: (e as Error).message };
      rows.push(row);
      print(row);
      process.exitCode = 1;
    }
  };
  const other = compare ? await loadCompare(compare) : null;
  const timed = async (what: string, model: { step(b: Int32Array, o: { lr: number }): unknown }, attention: AttentionKind, precision: Precision, threads: number, g: number): Promise<Timed> => {
    const time = () => bestTimes(() => model.step(batch, { lr: 1e-4 }), iterations);
    const row = { what, attention, precision, ...peakColumns(await time(), g, threads, peak[precision]) };
    rows.push(row);
    return { row, time };
  };
  for (const attention of ['linear', 'exp', 'softmax'] as const) {
    for (const precision of ['f64', 'f32'] as const) {
      // one thread: this build, beside PyTorch and the compare build, timed in alternation
      const stolen = stealMeter();
      const first = rows.length;
      const model = await CausalTransformer.create({ d, T, layers, heads, attention, precision, train, seed: 1 });
      const theirs = other ? await other.CausalTransformer.create({ d, T, layers, heads, attention, precision, train, seed: 1 }) : null;
      // the package's loss and gradient at the initial weights, for PyTorch's check
      const params = torch !== null ? model.getParams() : null;
      const expected = torch !== null ? model.gradient('train', batch) : null;
      const ours = await timed('step', model, attention, precision, 1, gflop);
      const before = theirs ? await timed(`step (${compare})`, theirs, attention, precision, 1, nominal) : null;
      // two threads, in the same alternation: V8 compiles the threaded build's kernels for this
      // attention and precision in the background during their first steps, on one of the cores
      // the two threads need, so a row timed only then reads low
      const two = await CausalTransformer.create({ d, T, layers, heads, attention, precision, train, seed: 1, threads: 2 });
      const both = await timed('step', two, attention, precision, 2, gflop);
      const sides = before ? [ours, before, both] : [ours, both];
      if (params && expected) {
        await torchRow('PyTorch step', sides, ['--mode', 'step', '--layers', String(layers), '--heads', String(heads), '--attention', attention, '--lr', '1e-4'], { x: Array.from(train.x), params: Array.from(params) }, { loss: [expected.loss], grad: expected.grad });
      } else {
        await alternate(sides);
        print(ours.row);
      }
      if (before) print(Object.assign(before.row, { timeOverThis: before.row.cpuMs / ours.row.cpuMs }));
      print(both.row);
      (model as { dispose?: () => void }).dispose?.();
      (theirs as { dispose?: () => void } | null)?.dispose?.();
      two.dispose();
      // how busy the host was while these rows were timed: a ratio taken under heavy steal is a noisy one
      const steal = stolen();
      if (steal !== null) {
        for (const r of rows.slice(first)) r.hostSteal = steal;
        console.log(`  host steal while the ${attention} ${precision} rows above ran: ${(100 * steal).toFixed(1)} % of the time this machine's CPUs had work (/proc/stat)`);
      }
    }
  }
  // causal kernel descent over the same 256 sequences (f64)
  const ckdFlop = (depth: number) => (2 * 2 * ((T * (T - 1)) / 2) * d * depth * B) / 1e9;
  for (const kernel of ['linear', 'exp'] as const) {
    for (const depth of [2, 8]) {
      const one = (ckd: typeof ckdPredictions) => () => {
        for (let s = 0; s < B; s++) ckd(train.x.subarray(s * train.L * d, (s + 1) * train.L * d), d, T, { kernel, depth });
      };
      const runs: Array<[string, () => unknown]> = [
        [`CKD n = ${depth}, TS reference`, one(ckdPredictions)],
        [`CKD n = ${depth}, WASM set`, () => ckdPredictionsSet(train, T, { kernel, depth })],
      ];
      if (other) runs.push([`CKD n = ${depth}, TS ref. (${compare})`, one(other.ckdPredictions)], [`CKD n = ${depth}, WASM set (${compare})`, () => other.ckdPredictionsSet(train, T, { kernel, depth })]);
      for (const [what, fn] of runs) {
        const time = () => bestTimes(fn, iterations);
        const g = ckdFlop(depth);
        const row = { what, attention: kernel, precision: 'f64' as Precision, ...peakColumns(await time(), g, 1, peak.f64) };
        rows.push(row);
        if (torch && what.endsWith('WASM set')) {
          const u = await ckdPredictionsSet(train, T, { kernel, depth });
          const flat = new Float64Array(B * T * d);
          u.forEach((ui, s) => flat.set(ui, s * T * d));
          await torchRow(`CKD n = ${depth}, PyTorch`, [{ row, time }], ['--mode', 'ckd', '--kernel', kernel, '--depth', String(depth)], { x: Array.from(train.x) }, { u: flat });
        } else print(row);
      }
    }
  }
  return { peak, blas: torchInfo ? torchInfo.blas : null, rows };
}

// `node dist/bench/autoregressive.js [--quick] [--target] [--compare DIR] [--rounds N]` runs this section alone
// (--target: only the rows at the PyTorch comparison's size; --rounds N: package and PyTorch
// timed N times in alternation, 3 by default, 1 with --quick; --compare DIR: also another
// checkout's build, e.g. --compare /work/main for the rows before a change). PyTorch runs on the
// BLAS its process loads: Debian's reference libblas.so.3, or OpenBLAS with LD_LIBRARY_PATH at
// Debian's unpacked libopenblas0-pthread (docs/theory/autoregressive.md#compute).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const at = process.argv.indexOf('--compare');
  const compare = at > 0 ? process.argv[at + 1] : undefined;
  const r = process.argv.indexOf('--rounds');
  const rounds = r > 0 ? Number(process.argv[r + 1]) : undefined;
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1)) throw new Error(`--rounds wants a whole number ≥ 1, got ${process.argv[r + 1]}`);
  const target = await autoregressiveTargetBench(quick, compare, rounds);
  const results = new URL('../../bench/results/', import.meta.url);
  mkdirSync(results, { recursive: true });
  // one file per BLAS PyTorch ran on (Debian's reference BLAS keeps the plain name)
  const file = torchResultFile('autoregressive-target', target.blas ? blasName(target.blas) : 'reference');
  writeFileSync(new URL(file, results), JSON.stringify({ date: new Date().toISOString(), quick, compare: compare ?? null, ...target }, null, 1) + '\n');
  console.log(`wrote bench/results/${file}`);
  if (!process.argv.includes('--target')) await autoregressiveBench(quick);
}
