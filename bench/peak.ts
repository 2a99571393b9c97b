// The machine's SIMD ceiling for the families' benchmarks: assembly/peak.ts's independent
// multiply-add chains (a separate mul and add per lane, as the kernels issue them), f64x2 and
// f32x4, timed on this thread's CPU clock (process.cpuUsage) so that other jobs on a shared
// machine do not lower it.
import { instantiate, release, type WasmExports } from '../src/engine/wasm.js';

interface PeakExports extends WasmExports {
  kernelPeak(f32: number, n: number): number;
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
