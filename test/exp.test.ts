import { describe, expect, it } from 'vitest';
import { createEngineModel } from '../src/engine/create.js';
import type { WasmModel } from '../src/engine/wasm.js';
import { randomPacked } from './helpers/random-data.js';

/** Runs the WebAssembly vectorized exp over xs (odd lengths exercise the scalar tail too). */
async function wasmExp(xs: number[], precision: 'f64' | 'f32'): Promise<number[]> {
  const model = (await createEngineModel(randomPacked(3, 1, 2, 1), { precision })) as WasmModel;
  const ex = model.exports;
  const s = precision === 'f64' ? 8 : 4;
  const R = precision === 'f64' ? Float64Array : Float32Array;
  const inp = ex.scratch(xs.length * s);
  const out = ex.scratch(xs.length * s);
  new R(ex.memory.buffer, inp, xs.length).set(xs);
  ex.kernelExp(out, inp, xs.length);
  return Array.from(new R(ex.memory.buffer, out, xs.length));
}

/** units in the last place between a and b, for a double b */
function ulps64(a: number, b: number): number {
  const ulp = b === 0 ? 2 ** -1074 : Math.max(2 ** (Math.floor(Math.log2(Math.abs(b))) - 52), 2 ** -1074);
  return Math.abs(a - b) / ulp;
}

function ulps32(a: number, b: number): number {
  const ulp = Math.max(2 ** (Math.floor(Math.log2(Math.abs(b))) - 23), 2 ** -149);
  return Math.abs(a - b) / ulp;
}

describe('vectorized exp against Math.exp', () => {
  it('float64: within 2 ulp from −745 to 709 (subnormal results within max(2 ulp, 1 subnormal step)), then 0 and ∞', async () => {
    const xs: number[] = [];
    for (let i = 0; i <= 40001; i++) xs.push(-745 + (1454 * i) / 40001);
    // the subnormal edge and around it, and ranges near 0 where relative accuracy is easiest to lose
    for (let x = -708.5; x >= -745.1; x -= 0.0137) xs.push(x);
    for (let x = -1e-3; x <= 1e-3; x += 1.7e-6) xs.push(x);
    xs.push(0, -0, 709.78, 1e-300, -1e-300, -745.2, -746, -1000, 709.8, 710, 1000);
    const got = await wasmExp(xs, 'f64');
    let worst = 0;
    xs.forEach((x, i) => {
      const ref = Math.exp(x);
      if (ref === Infinity) return expect(got[i]).toBe(Infinity);
      if (ref === 0) return expect(got[i]).toBe(0);
      const u = ulps64(got[i], ref);
      if (ref >= 2 ** -1022) worst = Math.max(worst, u);
      // subnormal results: the 2-ulp relative bound, but never tighter than one subnormal step
      else expect(Math.abs(got[i] - ref)).toBeLessThanOrEqual(Math.max(2 ** -1074, 2 * 2 ** -52 * ref));
    });
    expect(worst).toBeLessThanOrEqual(2);
    expect(got[xs.indexOf(0)]).toBe(1);
  });

  it('float32: within 2 ulp of the rounded Math.exp from −60 to 88, flushed to 0 below e^−60, ∞ above', async () => {
    const xs: number[] = [];
    for (let i = 0; i <= 20001; i++) xs.push(Math.fround(-60 + (148.7 * i) / 20001));
    xs.push(Math.fround(-60.001), -87, -104, -200, 89, 100, 0);
    const got = await wasmExp(xs, 'f32');
    let worst = 0;
    xs.forEach((x, i) => {
      const ref = Math.fround(Math.exp(x));
      if (x < -60) return expect(got[i]).toBe(0);
      if (ref === Infinity) return expect(got[i]).toBe(Infinity);
      worst = Math.max(worst, ulps32(got[i], ref));
    });
    expect(worst).toBeLessThanOrEqual(2);
  });
});
