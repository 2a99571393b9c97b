// The machine's SIMD ceiling for the families' benchmarks: assembly/peak.ts's independent
// multiply-add chains (a separate mul and add per lane, as the kernels issue them), f64x2 and
// f32x4, timed on this thread's CPU clock (process.cpuUsage) so that other jobs on a shared
// machine do not lower it.
import { instantiate, release, type WasmExports } from '../src/engine/wasm.js';

interface PeakExports extends WasmExports {
  kernelPeak(f32: number, n: number): number;
  kernelExp(out: number, x: number, n: number): void;
}

/** FLOP an exponential counts for in the benchmarks' GFLOP/s: the range reduction and fdlibm's rational form of assembly/exp.ts (about 20 operations). */
export const EXP_FLOP = 20;

/**
 * The exponential alone (assembly/exp.ts, the kernels' own): ns per value over 4096 values in
 * [−3, 0] (one thread's CPU time, best of `repeats` runs of `rounds` passes), and the fraction of
 * the SIMD peak that is at EXP_FLOP each: the ceiling of a pass whose time is its exponentials.
 */
export async function expThroughput(peak: { f64: number; f32: number }, repeats = 5, rounds = 2000): Promise<Record<'f64' | 'f32', { ns: number; peakFraction: number }>> {
  const out = { f64: { ns: 0, peakFraction: 0 }, f32: { ns: 0, peakFraction: 0 } };
  const n = 4096;
  for (const precision of ['f64', 'f32'] as const) {
    const ex = (await instantiate()) as PeakExports;
    try {
      // the module's precision is its layout's; an empty layout puts the scratch after its static data
      ex.layout(0, 0, 0, 0, 0, 0, precision === 'f32' ? 1 : 0, 1);
      const s = precision === 'f32' ? 4 : 8;
      const x = ex.scratch(n * s);
      const y = ex.scratch(n * s);
      const xs = precision === 'f32' ? new Float32Array(ex.memory.buffer, x, n) : new Float64Array(ex.memory.buffer, x, n);
      for (let i = 0; i < n; i++) xs[i] = (-3 * i) / n;
      let best = Infinity;
      for (let r = 0; r < repeats; r++) {
        const c0 = process.cpuUsage();
        for (let k = 0; k < rounds; k++) ex.kernelExp(y, x, n);
        const c = process.cpuUsage(c0);
        best = Math.min(best, ((c.user + c.system) * 1e3) / (rounds * n));
      }
      out[precision] = { ns: best, peakFraction: EXP_FLOP / best / peak[precision] };
    } finally {
      release(ex);
    }
  }
  return out;
}

/** GFLOP/s of one thread's CPU time: best of `repeats` runs of n rounds (24 vector ops each). */
export async function simdPeak(repeats = 5, n = 2e7): Promise<{ f64: number; f32: number }> {
  const ex = (await instantiate()) as PeakExports;
  try {
    const out = { f64: 0, f32: 0 };
    for (const f32 of [0, 1]) {
      ex.kernelPeak(f32, 1e5);
      let best = Infinity;
      for (let r = 0; r < repeats; r++) {
        const c0 = process.cpuUsage();
        ex.kernelPeak(f32, n);
        const c = process.cpuUsage(c0);
        best = Math.min(best, (c.user + c.system) / 1e6);
      }
      const flop = n * 12 * 2 * (f32 ? 4 : 2);
      out[f32 ? 'f32' : 'f64'] = flop / best / 1e9;
    }
    return out;
  } finally {
    release(ex);
  }
}

/** Best wall and CPU time (ms) of `iterations` calls after one warm-up call. */
export async function bestTimes(fn: () => unknown, iterations: number): Promise<{ wallMs: number; cpuMs: number }> {
  await fn();
  let wallMs = Infinity;
  let cpuMs = Infinity;
  for (let i = 0; i < iterations; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wallMs = Math.min(wallMs, performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuMs = Math.min(cpuMs, (c.user + c.system) / 1e3);
  }
  return { wallMs, cpuMs };
}

/** The columns every family's section prints for a timed kernel or step against the SIMD peak. */
export interface PeakColumns {
  threads: number;
  /** best wall and CPU time of a call (CPU: all threads of the process), ms */
  wallMs: number;
  cpuMs: number;
  gflop: number;
  /** GFLOP/s of the CPU time on one thread (the machine may be shared), of the wall time on several */
  gflops: number;
  /** gflops over `threads` × the measured SIMD peak of one thread */
  peakFraction: number;
}

/** The {@link PeakColumns} of a call that did `gflop` GFLOP in times `t` on `threads` threads. */
export function peakColumns(t: { wallMs: number; cpuMs: number }, gflop: number, threads: number, onePeak: number): PeakColumns {
  const gflops = gflop / ((threads === 1 ? t.cpuMs : t.wallMs) / 1e3);
  return { threads, wallMs: t.wallMs, cpuMs: t.cpuMs, gflop, gflops, peakFraction: gflops / (threads * onePeak) };
}
