import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { analyze } from '../src/dataset/analyze.js';
import { cyclicData, hasCycle } from '../src/dataset/cyclic-orders.js';
import { runGlobalConvergence, globalConvergenceSpec } from '../src/tasks/cyclic/experiment.js';
import { experiment } from '../src/tasks/cyclic/index.js';
import { equiCorrelated, generateLiCyclic, generatePlanted, normalizedGaussian } from '../src/tasks/cyclic/generators.js';
import { cyclicFamily } from '../src/tasks/cyclic/sweep.js';
import { capture } from './helpers/cli.js';
import { writeFile } from 'node:fs/promises';
import { datasetToJSON } from '../src/dataset/format.js';
import { datasetFromTargets, EXAMPLE_1, EXAMPLE_4, EXAMPLE_5 } from '../src/tasks/cyclic/examples.js';
import type { Dataset } from '../src/dataset/types.js';

describe('cyclic generators', () => {
  it("Li et al.'s generator: T distinct tokens, target in context, a cycle, deterministic by seed", () => {
    const a = generateLiCyclic({ seed: 3 });
    expect(generateLiCyclic({ seed: 3 })).toEqual(a);
    expect(generateLiCyclic({ seed: 4 })).not.toEqual(a);
    const an = analyze(a);
    expect(an.trainable).toBe(true);
    const data = cyclicData(a, an);
    expect(hasCycle(data)).toBe(true);
    for (const c of data.contexts) expect(new Set(c).size).toBe(4);
    expect(data.contexts.length).toBeLessThanOrEqual(6);
    expect(() => generateLiCyclic({ length: 7, vocab: 6 })).toThrow(/option length \(7\) must not exceed vocab \(6\)/);
  });

  it('planted DAG: the condensation is the plan plus the query as sink', () => {
    const vocab = ['a', 'b', 'c', 'd', 'e', 'q'];
    const ds = generatePlanted(vocab, [{ query: 'q', sccs: [['a', 'b'], ['c', 'd', 'e']], edges: [[0, 1]] }]);
    const g = cyclicData(ds).graphs[0];
    expect(g.components).toEqual([[0, 1], [2, 3, 4], [5]]);
    expect(g.edges).toEqual([[0, 1], [0, 2], [1, 2]]);
    expect(() => generatePlanted(vocab, [{ query: 'q', sccs: [['a', 'q']], edges: [] }])).toThrow(/query "q" cannot be planted/);
  });

  it('equi-correlated rows have unit norm and pairwise inner product ρ; Gaussian rows are unit', () => {
    const E = equiCorrelated(4, 0.3);
    const ip = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i], 0);
    expect(Math.abs(ip(E[0], E[0]) - 1)).toBeLessThan(1e-15);
    expect(Math.abs(ip(E[1], E[3]) - 0.3)).toBeLessThan(1e-15);
    for (const r of normalizedGaussian(6, 8, 1)) expect(Math.abs(ip(r, r) - 1)).toBeLessThan(1e-14);
  });
});

describe('the cyclic sweep family and the §7.9 experiment', () => {
  it('validates options by name and is deterministic from the seed', async () => {
    expect(() => cyclicFamily.validate({ bogus: 1 })).toThrow(/unknown option "bogus" of the cyclic family/);
    expect(() => cyclicFamily.validate({ head: 'x' })).toThrow(/option head must be one of/);
    expect(() => cyclicFamily.validate({ embedding: 'onehot', d: 8 })).toThrow(/option d applies only with embedding gaussian \(embedding is onehot\)/);
    expect(cyclicFamily.options).toEqual(['seed', 'samples', 'length', 'vocab', 'embedding', 'd', 'rho', 'head', 'optimizer', 'eta', 'steps', 'init', 't0', 'eta0', 'precision', 'backend', 'threads']);
    const a = await cyclicFamily.run({ seed: 2, steps: 200 }, 100);
    const b = await cyclicFamily.run({ seed: 2, steps: 200 }, 100);
    expect(a).toEqual(b);
    expect(a.status).toBe('completed');
    expect(a.records.map((r) => r.step)).toEqual([0, 100, 200]);
    expect(typeof a.records[0].cosSvm).toBe('number');
  });

  it('aggregates mean ± std (sample std) over datasets and builds the three-panel figure', async () => {
    const r = await experiment('global', { datasets: 3, every: 100, steps: 300, workers: 1 });
    expect(r.family).toBe('cyclic');
    expect(r.name).toBe('global');
    expect(r.status).toBe('completed');
    expect(r.data.runs.map((x) => x.seed)).toEqual([1, 2, 3]);
    expect(r.summary.map((x) => x.seed)).toEqual([1, 2, 3]);
    const at = r.data.bands.filter((b) => b.step === 300 && b.metric === 'cosSvm')[0];
    const xs = r.data.runs.map((x) => x.final.cosSvm as number);
    const mean = xs.reduce((s, x) => s + x, 0) / 3;
    expect(Math.abs(at.mean - mean)).toBeLessThan(1e-15);
    expect(Math.abs(at.std - Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / 2))).toBeLessThan(1e-15);
    expect(at.n).toBe(3);
    expect(r.data.final.cosSvm).toEqual({ ...at, step: 300 });
    expect(r.figures.map((f) => f.name)).toEqual(['global']);
    const spec = globalConvergenceSpec(r) as unknown as { data: { values: Array<{ metric: string }> } };
    expect(new Set(spec.data.values.map((v) => v.metric)).size).toBe(3);
  });

  it('through the sweep pool (workers 2) gives the aggregate of the same runs made in this thread by the deprecated runGlobalConvergence', async () => {
    const inThread = await runGlobalConvergence({ datasets: 3, firstSeed: 4, every: 50, run: { steps: 200 } });
    const swept = await experiment('global', { datasets: 3, seed: 4, every: 50, steps: 200, workers: 2 });
    expect(swept.data.runs.map((r) => r.seed)).toEqual([4, 5, 6]);
    expect(swept.data.bands.length).toBeGreaterThan(3 * 4);
    // runs.jsonl and the records are JSON: a non-finite number comes back as null, as it is printed
    const { workers: _a, ...c1 } = swept.config;
    const { workers: _b, ...c2 } = inThread.config;
    expect(c1).toEqual(c2);
    expect(JSON.parse(JSON.stringify(swept.data))).toEqual(JSON.parse(JSON.stringify(inThread.data)));
  });

  it('ntp cyclic experiment global prints the table and writes JSON and SVG atomically; a bad flag exits 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ntp-cyclic-'));
    try {
      const io = capture();
      expect(await main(['cyclic', 'experiment', 'global', '--datasets', '2', '--steps', '100', '--every', '50', '--workers', '1', '--out', join(dir, 'o')], io)).toBe(0);
      expect(io.out).toContain('Cyclic orders, global convergence: 2 datasets, head selection, ngd eta 0.01, 100 steps');
      expect(io.out).toMatch(/mean ± std: A1 cosSvm 0\.\d+ ± /);
      expect(io.out).toMatch(/^seed\tstatus\torbit\tcosSvm/m);
      expect((await readdir(join(dir, 'o'))).sort()).toEqual(['global.json', 'global.svg']);
      expect(await readFile(join(dir, 'o', 'global.svg'), 'utf8')).toContain('<svg');
      const j = JSON.parse(await readFile(join(dir, 'o', 'global.json'), 'utf8'));
      expect(j).toMatchObject({ family: 'cyclic', command: 'experiment global', status: 'completed', name: 'global' });
      expect(j.runs.map((r: { seed: number }) => r.seed)).toEqual([1, 2]);
      const bad = capture();
      expect(await main(['cyclic', 'experiment', 'global', '--head', 'nope'], bad)).toBe(2);
      expect(bad.err).toContain('option --head must be one of selection, gen, ce-frozen');
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('the old form "ntp cyclic [flags] --out-dir DIR" still runs the experiment, with a note', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ntp-cyclic-'));
    try {
      const io = capture();
      expect(await main(['cyclic', '--datasets', '2', '--steps', '50', '--every', '50', '--workers', '1', '--out-dir', join(dir, 'o')], io)).toBe(0);
      expect(io.err).toContain('note: "ntp cyclic [options]" is now "ntp cyclic experiment global [options]"; --out-dir is now --out; the old form is read for one release');
      expect((await readdir(join(dir, 'o'))).sort()).toEqual(['global.json', 'global.svg']);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe('ntp cyclic train --data FILE', () => {
  async function runOn(ds: Dataset, extra: string[] = [], command: string[] = ['train']) {
    const dir = await mkdtemp(join(tmpdir(), 'ntp-cyclic-data-'));
    const file = join(dir, 'd.json');
    await writeFile(file, JSON.stringify(datasetToJSON(ds)));
    const io = capture();
    const out = join(dir, 'o');
    const code = await main(['cyclic', ...command, '--data', file, '--steps', '200', '--out', out, ...extra], io);
    const files = await readdir(out).catch(() => null);
    await rm(dir, { recursive: true });
    return { code, io, file, files };
  }

  it('reports the graph-SVM, W_fin and the final metrics of §7.10.1, and writes run.json and the figure', async () => {
    const { code, io, files } = await runOn(datasetFromTargets(EXAMPLE_1.vocab, EXAMPLE_1.samples), ['--optimizer', 'gd', '--eta', '5', '--init', 'zero']);
    expect(code).toBe(0);
    expect(io.out).toContain('graph-SVM W_svm: optimal (columnwise), ‖W_svm‖ = 1.65831, KKT residual');
    expect(io.out).toContain('2 active of 4 cross-SCC edges');
    expect(io.out).toContain('finite part W_fin (selection head): optimal, ‖W_fin‖ = 0.490129, dim S_fin 1, 2 reduced samples, loss floor 0.381909');
    expect(files!.sort()).toEqual(['run.json', 'run.svg']);
  });

  it('the old form "ntp cyclic --data FILE" still runs once, with a note', async () => {
    const { code, io, files } = await runOn(datasetFromTargets(EXAMPLE_1.vocab, EXAMPLE_1.samples), [], []);
    expect(code).toBe(0);
    expect(io.err).toContain('note: "ntp cyclic --data FILE [options]" is now "ntp cyclic train --data FILE [options]"; the old form is read for one release');
    expect(io.out).toContain('finite part W_fin (selection head): optimal');
    expect(files!.sort()).toEqual(['run.json', 'run.svg']);
  });

  it('reports an infeasible graph-SVM (§7.10.4) and a missing direction (§7.10.5) by name', async () => {
    const inf = await runOn(datasetFromTargets(EXAMPLE_4.vocab, EXAMPLE_4.samples, EXAMPLE_4.embedding));
    expect(inf.code).toBe(0);
    expect(inf.io.out).toContain('graph-SVM W_svm: infeasible: the graph-SVM is infeasible: under query "q", the edge "a" → "c" lies in the span');
    expect(inf.io.out).toContain('A1 cos(W, W_svm) n/a');
    const one = await runOn(datasetFromTargets(EXAMPLE_5.vocab, EXAMPLE_5.samples));
    expect(one.io.out).toContain('graph-SVM W_svm: no-direction: every query graph is one SCC (query "q": {a q})');
  });

  it('exits 1 naming the sample whose target is absent from its context, writing nothing', async () => {
    const ds = datasetFromTargets(['a', 'b', 'q'], [[['a', 'q'], 'a', 1]]);
    ds.samples.push({ context: [1, 2], next: 1 });
    ds.counts.push(1);
    const { code, io, files } = await runOn(ds);
    expect(code).toBe(1);
    expect(io.err).toContain('sample 4 ("b q" → "b"): its target (the token x with n(x) = "b") is absent from its context');
    expect(io.out).toBe('');
    expect(files).toBeNull();
  });
});
