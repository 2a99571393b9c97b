// Training on several threads (src/engine/wasm-threads.ts, assembly/parallel-train.ts) against one
// thread and the js backend: stage 1 and stage 2 split the work so that every gradient entry is
// summed in the one-thread order (identical results); joint steps add per-thread partials of dM
// (deterministic per thread count, equal to rounding across counts).
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/dataset/analyze.js';
import { generateRealizable } from '../src/dataset/random.js';
import { svopExample } from '../src/dataset/svop.js';
import type { Dataset } from '../src/dataset/types.js';
import type { Model, Precision } from '../src/engine/backend.js';
import { createEngineModel } from '../src/engine/create.js';
import { type EmbeddingSpec } from '../src/engine/embedding.js';
import { packDataset } from '../src/engine/packed.js';
import { planThreads } from '../src/engine/thread-plan.js';
import { checkThreads, defaultThreads, MIN_WORK_PER_THREAD, stepWork, threadsUnavailable } from '../src/engine/threads.js';
import { NtpError } from '../src/errors.js';
import { train, type TrainResult } from '../src/train/run.js';

const svop = svopExample();
const v64 = generateRealizable({ vocab: 64, seed: 5 });

/** Largest difference relative to max(1, |b|). */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return d;
}

/** Every number of a run's trajectory and its trained weights, in one array. */
function numbers(r: TrainResult): number[] {
  const recs: number[] = [...r.stage1, ...r.stage2].flatMap((x) => [x.loss, x.norm, x.cosine ?? 0, 'accuracy' in x ? (x.accuracy as number) : 0, 'optimalAttention' in x ? (x.optimalAttention as number) : 0]);
  return [...recs, ...Array.from(r.parameters.Wov), ...Array.from(r.parameters.Wkq)];
}

async function run(ds: Dataset, threads: number, more: Parameters<typeof train>[1] = {}) {
  const r = await train(ds, { threads, skipMaxMargin: true, ...more });
  expect(r.config.threads).toBe(more.backend === 'js' ? 1 : threads);
  return r;
}

describe('threads: Algorithm 1 (stage 1, stage 2) on 2 and 3 threads is the one-thread run', () => {
  for (const [name, ds] of [['SVOP example', svop], ['generated |V| = 64', v64]] as const) {
    it(`${name}: the paper run (T0 = T1 = 900), every record and weight identical; the js backend within 1e-12`, async () => {
      const one = numbers(await run(ds, 1));
      const js = numbers(await run(ds, 1, { backend: 'js' }));
      for (const threads of [2, 3]) expect(numbers(await run(ds, threads))).toEqual(one);
      expect(maxDiff(js, one)).toBeLessThan(1e-12);
      expect(one.some((x) => x !== 0)).toBe(true);
    });
  }

  it('plain GD, f32 and a gaussian embedding (the token-space products run on the coordinator) match one thread exactly', async () => {
    const cases: Array<{ algorithm?: 'gd'; precision?: Precision; embedding?: EmbeddingSpec; d?: number }> = [
      { algorithm: 'gd' },
      { precision: 'f32' },
      { embedding: 'gaussian', d: 24 },
    ];
    for (const c of cases) {
      const opts = { t0: 200, t1: 200, every: 20, ...c };
      expect(numbers(await run(v64, 2, opts))).toEqual(numbers(await run(v64, 1, opts)));
    }
  });
});

describe('threads: joint training', () => {
  for (const [name, ds] of [['SVOP example', svop], ['generated |V| = 64', v64]] as const) {
    it(`${name}: 1800 joint steps on 2 and 3 threads agree with one thread to 1e-12, and a thread count repeats itself bit for bit`, async () => {
      const opts = { algorithm: 'joint' as const };
      const one = numbers(await run(ds, 1, opts));
      const js = numbers(await run(ds, 1, { ...opts, backend: 'js' }));
      expect(maxDiff(js, one)).toBeLessThan(1e-12);
      for (const threads of [2, 3]) {
        const a = numbers(await run(ds, threads, opts));
        expect(numbers(await run(ds, threads, opts))).toEqual(a);
        expect(maxDiff(a, one)).toBeLessThan(1e-12);
      }
    });
  }
});

describe('threads: the model', () => {
  const packed = packDataset(v64, analyze(v64).collocation);

  it('reports the same chunk results, metrics and gradients as one thread, and ends its workers on dispose', async () => {
    const models: Model[] = [await createEngineModel(packed, { threads: 1 }), await createEngineModel(packed, { threads: 2 })];
    expect(models.map((m) => m.threads)).toEqual([1, 2]);
    const out = models.map((m) => {
      const r1 = m.stage1(30, 0.05);
      const r2 = m.stage2(30, 0.01);
      const ev = m.evaluate();
      const g = m.gradients('joint');
      const rj = m.joint(10, 0.05, 0.01);
      return { r1, r2, ev, g: [...g.Wov, ...g.Wkq, g.loss], rj, w: [...m.getWov(), ...m.getWkq()] };
    });
    expect(out[1].r1).toEqual(out[0].r1);
    expect(out[1].r2).toEqual(out[0].r2);
    expect(out[1].ev).toEqual(out[0].ev);
    expect(out[1].g).toEqual(out[0].g);
    expect(out[1].rj.steps).toBe(10);
    expect(Math.abs(out[1].rj.loss - out[0].rj.loss)).toBeLessThan(1e-13);
    expect(maxDiff(out[1].w, out[0].w)).toBeLessThan(1e-13);
    for (const m of models) m.dispose();
    expect(() => models[1].stage2(1, 0.01)).toThrow(/disposed/);
  });

  it('fresh models, chunks of every size: each chunk on 2 and 3 threads equals one thread (a worker that missed a pass would show)', async () => {
    const small = packDataset(svop, analyze(svop).collocation);
    let compared = 0;
    for (let rep = 0; rep < 3; rep++) {
      const models = [await createEngineModel(small, { threads: 1 }), await createEngineModel(small, { threads: 2 }), await createEngineModel(small, { threads: 3 })];
      for (const k of [1, 10, 3, 7, 20]) {
        const r = models.map((m) => JSON.stringify([m.stage1(k, 0.1), m.getWov()]));
        expect(r[1]).toBe(r[0]);
        expect(r[2]).toBe(r[0]);
        compared++;
      }
      for (const k of [1, 10, 3, 7, 20]) {
        const r = models.map((m) => JSON.stringify([m.stage2(k, 0.05), m.getWkq()]));
        expect(r[1]).toBe(r[0]);
        expect(r[2]).toBe(r[0]);
        compared++;
      }
      for (const m of models) m.dispose();
    }
    expect(compared).toBe(30);
  });

  it('stops a run early with the same status and step as one thread', async () => {
    const results = [];
    for (const threads of [1, 2]) {
      const m = await createEngineModel(packed, { threads, precision: 'f32' });
      // plain GD with a step beyond float32's range: overflow at once, the weights untouched
      const over = m.stage1(5, 1e40, false);
      const wov = m.getWov();
      m.stage1(50, 0.1);
      // a huge stage-2 step saturates the attention: the gradient underflows to exactly zero
      const conv = m.stage2(50, 1e30, false);
      results.push({ over, conv, zero: wov.every((x) => x === 0) });
      m.dispose();
    }
    expect(results[0].over.status).toBe('overflow');
    expect(results[0].conv).toMatchObject({ status: 'converged', steps: 1 });
    expect(results[0].zero).toBe(true);
    expect(results[1]).toEqual(results[0]);
  });

  it('splits stage 2 by whole queries: every sample and every row of dK belongs to exactly one thread', () => {
    for (const threads of [2, 3, 7]) {
      const plan = planThreads(packed, threads);
      for (const mode of ['stage1', 'stage2', 'joint'] as const) {
        const items = plan[mode].flatMap((s) => [...s.items]).sort((a, b) => a - b);
        const rows = plan[mode].flatMap((s) => [...s.rows]).sort((a, b) => a - b);
        const expected = mode === 'stage1' ? packed.colX.length : mode === 'joint' ? packed.N : packed.fixed.filter((f) => f === 0).length;
        expect(items).toEqual(Array.from(new Set(items)));
        expect(items.length).toBe(expected);
        if (mode !== 'stage1') {
          expect(rows).toEqual(Array.from({ length: packed.V }, (_, q) => q));
          for (const share of plan[mode]) {
            const own = new Set(share.rows);
            for (const n of share.items) expect(own.has(packed.tokens[packed.offsets[n + 1] - 1])).toBe(true);
          }
        }
      }
    }
  });
});

describe('threads: the option', () => {
  it('rejects a bad thread count with an NtpError naming the option', async () => {
    for (const bad of [0, -1, 1.5, NaN, 1e6, '2']) {
      expect(() => checkThreads(bad)).toThrow(NtpError);
      await expect(train(svop, { threads: bad as number, t0: 1, t1: 1 })).rejects.toThrow(/option threads must be an integer/);
    }
  });

  it('defaults to one thread for the paper-sized problem and to every core for a large one', () => {
    const small = packDataset(svop, analyze(svop).collocation);
    const paper = generateRealizable({ vocab: 20, seed: 1 });
    expect(defaultThreads(small, 8)).toBe(1);
    expect(defaultThreads(packDataset(paper, analyze(paper).collocation), 8)).toBe(1);
    // the benchmark's M size: |V| = 256, 4,096 samples
    const M = generateRealizable({ vocab: 256, seed: 1, samplesPerQuery: 15, maxContextLength: 24, optimalPerQuery: 3, nonOptimalPerQuery: 12 });
    const packedM = packDataset(M, analyze(M).collocation);
    expect(stepWork(packedM)).toBeGreaterThan(2 * MIN_WORK_PER_THREAD);
    expect(defaultThreads(packedM, 2)).toBe(2);
    expect(defaultThreads(packedM, 1)).toBe(1);
  });

  it('runs in Node; the js backend asked for threads runs on one and says so in the warnings', async () => {
    expect(threadsUnavailable()).toBeNull();
    const r = await train(svop, { backend: 'js', threads: 2, t0: 10, t1: 10 });
    expect(r.config.threads).toBe(1);
    expect(r.warnings).toContain('training on one thread instead of 2: the js backend has no threads');
    const d = await train(svop, { t0: 10, t1: 10 });
    expect(d.config.threads).toBe(1);
    expect(d.warnings.some((w) => /thread/.test(w))).toBe(false);
  });
});
