import { describe, expect, it } from 'vitest';
import { createEngineModel } from '../src/engine/create.js';
import type { WasmModel } from '../src/engine/wasm.js';
import { randomPacked } from './helpers/random-data.js';

describe('the f64 exp is fdlibm\'s', () => {
  it('equals Math.exp bit for bit from −745.2 to 709.78 (V8\'s Math.exp is fdlibm\'s e_exp.c), subnormal results included', async () => {
    const xs: number[] = [];
    for (let i = 0; i <= 60001; i++) xs.push(-745.2 + (1455 * i) / 60001);
    for (let x = -746; x <= -700; x += 0.00731) xs.push(x);
    for (let x = -1e-3; x <= 1e-3; x += 3.1e-6) xs.push(x);
    xs.push(0, -0, 709.78, 1e-300, -1e-300, 0.5 * Math.LN2, -0.5 * Math.LN2);
    const model = (await createEngineModel(randomPacked(3, 1, 2, 1), { precision: 'f64' })) as WasmModel;
    const ex = model.exports;
    const n = xs.length;
    const x = ex.scratch(n * 8);
    const out = ex.scratch(n * 8);
    new Float64Array(ex.memory.buffer, x, n).set(xs);
    const sum = ex.kernelExpSum(out, x, n);
    const got = new Float64Array(ex.memory.buffer, out, n);
    let differ = 0;
    xs.forEach((v, i) => {
      if (!Object.is(got[i], Math.exp(v))) differ++;
    });
    expect(differ).toBe(0);
    expect(sum).toBeGreaterThan(1e307);
    // the Taylor form it replaced was within 2 ulp, not exact: the comparison can tell them apart
    ex.kernelExpSumTaylor(out, x, n);
    const taylor = new Float64Array(ex.memory.buffer, out, n);
    expect(xs.filter((v, i) => !Object.is(taylor[i], Math.exp(v))).length).toBeGreaterThan(100);
    model.dispose();
  });
});
