// Every exported function of the package (the main entry, its family namespaces and the Node
// entry) answers junk arguments with an NtpError (or a normal return where the junk happens to be
// valid, e.g. a function of no arguments), never a raw TypeError/RangeError, a hang or a rejection
// of another kind. Classes are skipped: their constructors are checked elsewhere.
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import * as nodeApi from '../src/node.js';
import { NtpError } from '../src/errors.js';

const ARGS: unknown[][] = [[null], ['x'], [NaN], [null, null], [-1], [[1, 'a']]];
const ASYNC_LIMIT_MS = 5000;
// A synchronous call cannot be interrupted from this thread; one that takes this long on junk
// arguments is looping on them, not failing fast.
const SYNC_LIMIT_MS = 3000;

type Fn = (...a: unknown[]) => unknown;

/** Every exported function, named as a caller writes it, walking one namespace level deep. */
function exportedFunctions(): Array<[string, Fn]> {
  const seen = new Set<unknown>();
  const out: Array<[string, Fn]> = [];
  const walk = (prefix: string, obj: Record<string, unknown>, depth: number): void => {
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === 'function') {
        if (seen.has(v)) continue;
        seen.add(v);
        if (/^class\b/.test(Function.prototype.toString.call(v))) continue;
        out.push([prefix + k, v as Fn]);
      } else if (v && typeof v === 'object' && depth < 1 && !ArrayBuffer.isView(v) && !Array.isArray(v)) {
        walk(`${prefix}${k}.`, v as Record<string, unknown>, depth + 1);
      }
    }
  };
  walk('', api as Record<string, unknown>, 0);
  walk('node.', nodeApi as Record<string, unknown>, 0);
  return out;
}

function show(args: unknown[]): string {
  return args.map((a) => (typeof a === 'number' && Number.isNaN(a) ? 'NaN' : JSON.stringify(a))).join(', ');
}

/** Calls f(...args): undefined when the outcome is acceptable, else what went wrong. */
async function offence(name: string, f: Fn, args: unknown[]): Promise<string | undefined> {
  const call = `${name}(${show(args)})`;
  const t0 = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const r = f(...args);
    if (Date.now() - t0 > SYNC_LIMIT_MS) return `${call}: ran ${Date.now() - t0} ms synchronously`;
    if (r && typeof (r as Promise<unknown>).then === 'function') {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still pending after ${ASYNC_LIMIT_MS} ms`)), ASYNC_LIMIT_MS);
      });
      await Promise.race([r, timeout]);
    }
    return undefined;
  } catch (e) {
    if (e instanceof NtpError) return undefined;
    return `${call}: ${(e as Error)?.constructor?.name}: ${String((e as Error)?.message).slice(0, 120)}`;
  } finally {
    clearTimeout(timer);
  }
}

describe('every public export answers junk arguments with an NtpError', () => {
  const fns = exportedFunctions();

  it('finds the exports (the walk itself is not empty)', () => {
    const names = fns.map(([n]) => n);
    expect(fns.length).toBeGreaterThan(150);
    for (const n of ['analyze', 'parseDataset', 'finitePart', 'recall.bayesRisk', 'factorized.rankTable', 'autoregressive.sphere', 'node.expandSweep']) expect(names).toContain(n);
    expect(names).not.toContain('NtpError');
  });

  it('no raw TypeError, RangeError, other rejection or hang', async () => {
    const offenders: string[] = [];
    for (const [name, f] of fns) {
      for (const args of ARGS) {
        const o = await offence(name, f, args);
        if (o !== undefined) offenders.push(o);
      }
    }
    expect(offenders, `${offenders.length} offending calls:\n${offenders.join('\n')}`).toEqual([]);
  }, 600_000);

  it('the error names the function and the argument', async () => {
    const messageOf = async (f: () => unknown): Promise<string> => {
      try {
        await f();
      } catch (e) {
        expect(e).toBeInstanceOf(NtpError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(await messageOf(() => api.analyze(null as never))).toMatch(/analyze\(.*dataset.*null/);
    expect(await messageOf(() => api.bandOf(0, 'loss', null as never))).toMatch(/bandOf\(.*values/);
    expect(await messageOf(() => api.finitePart(null as never))).toMatch(/finitePart\(/);
    // a Dataset is checked by shape down to the sample, which is named
    const svop = api.svopExample();
    const broken = { ...svop, samples: [svop.samples[0], { next: 0 }] };
    expect(await messageOf(() => api.analyze(broken as never))).toBe('analyze(dataset): dataset: sample 1 must be an object {context: array, next} (got undefined)');
    // rows: the first bad row is named
    expect(await messageOf(() => api.condense([[0, 1], 7] as never))).toBe('condense(edges): edges[1] must be an array (got 7)');
    // a string is not an iterable of numbers here, though it iterates
    expect(await messageOf(() => api.worstStatus('converged' as never))).toMatch(/^worstStatus\(statuses\): statuses must be an array or another iterable/);
    expect(await messageOf(() => nodeApi.summarizeSweep(42 as never))).toBe('summarizeSweep(dir): dir must be a string (got 42)');
  });

  it('a wrong object where structured data belongs (CyclicData, a max-margin problem) is named by its field', async () => {
    // objects of the right kind with a field missing or of the wrong type: checked by shape down to
    // the query graph or the constraint, never met as a TypeError inside a solver
    const data = api.cyclicData(api.svopExample());
    const junk: Array<[string, (d: never) => unknown]> = [
      ['graphSvm', (d) => api.graphSvm(d)],
      ['finitePart', (d) => api.finitePart(d)],
      ['reducedSamples', (d) => api.reducedSamples(d)],
      ['hasCycle', (d) => api.hasCycle(d)],
      ['frozenComponent', (d) => api.frozenComponent(d, new Float64Array(data.d * data.d))],
    ];
    const wrong: Array<[unknown, RegExp]> = [
      [{}, /data\.V must be a positive integer \(got undefined\)/],
      [{ ...data, graphs: 'x' }, /data\.graphs must be an array \(got "x"\)/],
      [{ ...data, graphs: [{}] }, /data\.graphs\[0\] must be a query graph/],
      [{ ...data, contexts: [[0], 3] }, /data\.contexts\[1\] must be an array \(got 3\)/],
      [{ ...data, E: [1, 2] }, /data\.E must be a Float64Array or null \(got an array\)/],
    ];
    for (const [name, f] of junk) {
      for (const [d, message] of wrong) {
        let caught: unknown = null;
        try {
          f(d as never);
        } catch (e) {
          caught = e;
        }
        expect(caught, `${name}(${JSON.stringify(d).slice(0, 40)})`).toBeInstanceOf(NtpError);
        expect((caught as Error).message).toMatch(new RegExp(`^${name}\\(`));
        expect((caught as Error).message).toMatch(message);
      }
      // and the whole object still passes
      expect(() => f(data as never)).not.toThrow();
    }
    const svop = api.svopExample();
    const problem = api.maxMarginProblem(api.analyze(svop), svop.vocab.length, api.makeEmbedding(svop.vocab.length));
    expect(() => api.solveMaxMargin({ ...problem, attention: [{ query: 0 }] } as never)).toThrow(/solveMaxMargin\(problem, options\): problem\.attention\[0\] must be a constraint/);
    expect(() => api.solveMaxMargin({ ...problem, collocation: 'x' } as never)).toThrow(/problem\.collocation must be an array of arrays/);
    expect(() => api.solveMaxMargin({ ...problem, embedding: { d: 2 } } as never)).toThrow(/problem\.embedding must be null or \{d, E: Float64Array\}/);
    expect(api.solveMaxMargin(problem).Wkq.length).toBe(svop.vocab.length ** 2);
  });

  it('valid arguments still work through the new checks', () => {
    // bandOf takes any iterable (a Set here); mean and std of {1, 3} are 2 and 1
    const b = api.bandOf(5, 'loss', new Set([1, 3, null]));
    expect(b?.mean).toBe(2);
    expect(b?.n).toBe(2);
    expect(api.worstStatus(['completed', 'diverged', 'converged'])).toBe('diverged');
    const svop = api.svopExample();
    expect(api.analyze(svop).collocation.length).toBe(svop.vocab.length);
    expect(api.parseDataset(api.stringifyDataset(svop))).toEqual(api.parseDataset(JSON.stringify(api.datasetToJSON(svop))));
  });
});
