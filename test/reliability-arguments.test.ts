// Public functions given bad arguments throw NtpError naming the argument, never a TypeError or
// RangeError from deep inside, and never return NaN silently.
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import * as nodeApi from '../src/node.js';
import { NtpError } from '../src/errors.js';

const svop = api.svopExample();
const BAD: unknown[][] = [[], [null], [undefined], [42], [''], [[1, 2, 3]], [null, null]];

async function outcome(f: () => unknown): Promise<'ok' | 'ntp' | string> {
  try {
    const r = f();
    if (r && typeof (r as Promise<unknown>).then === 'function') await r;
    return 'ok';
  } catch (e) {
    return e instanceof NtpError ? 'ntp' : `${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`;
  }
}

describe('bad arguments at the public boundary', () => {
  // each call fails fast (no default experiment runs with these arguments)
  const calls: Array<[string, (...a: unknown[]) => unknown, unknown[][]]> = [
    ['recall.runRecall', api.recall.runRecall as never, [[null], [42], [''], [[1]]]],
    ['packDataset', api.packDataset as never, [[svop], [svop, null], [svop, 42], [svop, [0]], ...BAD]],
    ['svd', api.svd as never, [[new Float64Array(3), 2, 2], [new Float64Array(5), 2, 2], [null, 2, 2], [[1], 0, 1], [[1], 1.5, 1], ...BAD]],
    ['runSweep', nodeApi.runSweep as never, [[{ base: {} }, { out: '' }], [{ base: {} }, null], [{ base: {} }], [null, { out: 'x' }]]],
    ['autoregressive.experimentC1', api.autoregressive.experimentC1 as never, [[null], [''], [1.5], [1]]],
    ['autoregressive.experimentC2', api.autoregressive.experimentC2 as never, [[null], [42], [''], [[1]]]],
    ['autoregressive.experimentC3', api.autoregressive.experimentC3 as never, [[null], [42], ['']]],
    ['autoregressive.experimentC4', api.autoregressive.experimentC4 as never, [[null], [42], ['']]],
    ['autoregressive.createCkdTransformer', api.autoregressive.createCkdTransformer as never, [[2, 3, 1], [2, 3, 1, null], [null, 3, 1, { depth: 1 }], [2, 3, 'x', { depth: 1 }], ...BAD]],
    ['autoregressive.ckdTransformerPredictions', api.autoregressive.ckdTransformerPredictions as never, [[new Float64Array(6), 2, 3], [null, 2, 3, { depth: 1 }], ...BAD]],
    ['autoregressive.constructionAlignment', api.autoregressive.constructionAlignment as never, [...BAD, [{}]]],
    ['autoregressive.curvesSpec', api.autoregressive.curvesSpec as never, [['t', 'y'], ['t', 'y', null], ['t', 'y', [null]], ['t', 'y', [{ name: 'a' }]], ...BAD]],
    ['autoregressive.errorCurve', api.autoregressive.errorCurve as never, [[() => new Float64Array(0)], [() => new Float64Array(0), null], [() => new Float64Array(0), { d: 1, L: 2, S: 1, x: [1] }], [null, { d: 1, L: 2, S: 1, x: [1, 2] }], ...BAD]],
    ['autoregressive.curveFromPredictions', api.autoregressive.curveFromPredictions as never, [[[], { d: 1, L: 2, S: 1, x: [1, 2] }], [[null], { d: 1, L: 2, S: 1, x: [1, 2] }], [[new Float64Array(1)], { d: 1, L: 2, S: 1.5, x: [1, 2] }], ...BAD]],
  ];
  for (const [name, f, argSets] of calls) {
    it(`${name} throws NtpError for each bad argument list`, async () => {
      for (const args of argSets) expect({ args, result: await outcome(() => f(...args)) }).toEqual({ args, result: 'ntp' });
    });
  }

  it('the checks name the argument', async () => {
    await expect(api.recall.runRecall(null as never)).rejects.toThrow('the options of runRecall() must be an object (got null)');
    expect(() => api.packDataset(svop, undefined as never)).toThrow('packDataset(dataset, collocation): the collocation (analyze(dataset).collocation) must be an array (got undefined)');
    expect(() => api.svd(new Float64Array(3), 2, 2)).toThrow('svd(X, rows, cols): X has 3 entries; a 2×2 matrix has 4');
    await expect(nodeApi.runSweep({ base: {} } as never, { out: '' } as never)).rejects.toThrow('runSweep(sweep, options): options.out must name the output directory (got "")');
  });

  it('the same functions still work on good arguments', async () => {
    const a = api.analyze(svop);
    expect(api.packDataset(svop, a.collocation).N).toBe(svop.samples.length);
    // diag(3, 2): singular values 3 and 2, exactly
    expect(Array.from(api.svd([3, 0, 0, 2], 2, 2).sigma)).toEqual([3, 2]);
    const data = { d: 1, L: 3, S: 1, x: new Float64Array([1, 2, 3]) };
    // predicting x_{t+1} exactly: e(t) = 0 at t = 1, 2
    const c = api.autoregressive.curveFromPredictions([new Float64Array([2, 3])], data);
    expect(c.squared).toEqual([0, 0]);
    expect(api.autoregressive.errorCurve(() => new Float64Array([1, 1]), data).squared).toEqual([1, 4]);
  });
});
