import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { runMaxMargin } from '../src/cli/maxmargin.js';
import { runPredict } from '../src/cli/predict.js';
import { runTrain } from '../src/cli/train.js';
import { stringifyDataset, fromArrays } from '../src/dataset/format.js';
import { svopExample } from '../src/dataset/svop.js';
import { parseModel } from '../src/model/serialize.js';
import { capture } from './helpers/cli.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ntp-train-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function json(path: string) {
  return JSON.parse(await readFile(path, 'utf8'));
}

describe('ntp train', () => {
  it('writes trajectory, CSV, model, max-margin solution and Figure 2 for the default data', async () => {
    const out = join(dir, 'run');
    const io = capture();
    expect(await runTrain(['--t0', '200', '--t1', '200', '--every', '20', '--out', out], io)).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['figure.svg', 'maxmargin.json', 'model.json', 'trajectory.csv', 'trajectory.json']);
    const t = await json(join(out, 'trajectory.json'));
    expect(t.config).toMatchObject({ t0: 200, t1: 200, every: 20, V: 20, d: 20, samples: 140, backend: 'wasm', precision: 'f64', algorithm: 'two-stage' });
    expect(t.stage1.map((r: { step: number }) => r.step)).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200]);
    expect(Object.keys(t.stage2[0]).sort()).toEqual(['accuracy', 'cosine', 'loss', 'norm', 'optimalAttention', 'step']);
    expect(t.rates.stage1.norm.slope).toBeCloseTo(0.2 / Math.sqrt(20), 10);
    expect(t.generalization.accuracy).toBe(1);
    const csv = (await readFile(join(out, 'trajectory.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('stage,step,loss,norm,cosine,optimalAttention,accuracy');
    expect(csv).toHaveLength(1 + 11 + 11);
    const mm = await json(join(out, 'maxmargin.json'));
    expect(mm.Wov).toHaveLength(20);
    expect(mm.Wkq[0]).toHaveLength(20);
    expect(mm.prop2Gap).toBeLessThan(1e-10);
    expect(mm.kktResidual).toBeLessThan(1e-10);
    const model = parseModel(await readFile(join(out, 'model.json'), 'utf8'));
    expect(model.vocab).toHaveLength(20);
    expect(await readFile(join(out, 'figure.svg'), 'utf8')).toMatch(/^<svg/);
    expect(io.out).toContain('figure.svg');
  });

  it('trains SVOP from a file, and ntp predict answers Example 2 from the saved model', async () => {
    const data = join(dir, 'svop.json');
    await writeFile(data, stringifyDataset(svopExample()));
    const out = join(dir, 'svop');
    expect(await runTrain(['--data', data, '--out', out, '--backend', 'js'], capture())).toBe(0);
    const io = capture();
    expect(await runPredict(['--model', join(out, 'model.json'), 'S P'], io)).toBe(0);
    expect(io.out).toMatch(/^next: V {2}\(p = 1\.00000\)/);
    const io2 = capture();
    expect(await runPredict(['--model', join(out, 'model.json'), '--json', 'O S P'], io2)).toBe(0);
    const p = JSON.parse(io2.out);
    expect(p.next).toBe('P');
    expect(p.attention.map((a: { token: string }) => a.token)).toEqual(['O', 'S', 'P']);
    expect(p.attention[0].weight).toBeGreaterThan(0.99);
  });

  it('rejects bad data and bad options with a message and no output directory', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"vocab": ["a", "b"], "samples": [{"context": ["a", "c"], "next": "b"}]}');
    const out = join(dir, 'never');
    const io = capture();
    expect(await runTrain(['--data', bad, '--out', out], io)).toBe(1);
    expect(io.err).toContain('sample 0');
    expect(io.err).toContain('"c"');
    for (const [argv, code, text] of [
      [['--eta0=-1'], 1, 'option eta0 must be a positive finite number'],
      [['--eta1', 'fast'], 2, 'option --eta1 must be a number'],
      [['--algorithm', 'adam'], 2, 'option --algorithm must be one of two-stage, gd, joint'],
      [['--backend', 'gpu'], 2, 'option --backend'],
      [['--t0', '1.5'], 2, 'option --t0 must be an integer'],
      [['--data', join(dir, 'missing.json')], 1, 'file not found'],
    ] as const) {
      const e = capture();
      expect(await runTrain([...argv, '--out', out], e), argv.join(' ')).toBe(code);
      expect(e.err).toContain(text);
    }
    expect(await readdir(dir)).toEqual(['bad.json']);
  });

  it('reports numerical trouble with a non-zero exit: float32 steps beyond its range', async () => {
    const io = capture();
    const out = join(dir, 'o');
    expect(await runTrain(['--precision', 'f32', '--algorithm', 'gd', '--eta0', '1e40', '--t0', '5', '--t1', '5', '--out', out], io)).toBe(1);
    expect(io.err).toContain('overflow after 0 steps');
    const t = await json(join(out, 'trajectory.json'));
    expect(t.outcome.stage1).toEqual({ status: 'overflow', steps: 0 });
  });
});

describe('ntp maxmargin', () => {
  it('solves the Proposition 2 counter-example (docs/theory/core.md#proposition-2-is-not-always-exact) exactly and reports the Proposition-2 gap', async () => {
    // query q: a > q; b > c, b > d, b > q (collocation a→b→c→d→q→a)
    const ds = fromArrays(['a', 'b', 'c', 'd', 'q'], [
      { context: ['a'], next: 'b' }, { context: ['b'], next: 'c' }, { context: ['c'], next: 'd' },
      { context: ['d'], next: 'q' }, { context: ['q'], next: 'a' },
      { context: ['a', 'q'], next: 'b' }, { context: ['b', 'c', 'd', 'q'], next: 'c' },
    ]);
    const file = join(dir, 'ce.json');
    await writeFile(file, stringifyDataset(ds));
    const io = capture();
    expect(await runMaxMargin([file], io)).toBe(0);
    const mm = JSON.parse(io.out);
    const column = mm.Wkq.map((row: number[]) => row[4]);
    [1 / 2, 2 / 3, -1 / 3, -1 / 3, -1 / 2].forEach((x, i) => expect(column[i]).toBeCloseTo(x, 10));
    expect(mm.prop2Gap).toBeCloseTo(Math.sqrt(1 / 30), 10);
  });
});

describe('ntp', () => {
  it('lists commands and rejects unknown ones with exit 2', async () => {
    const io = capture();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out).toContain('train');
    const e = capture();
    expect(await main(['fly'], e)).toBe(2);
    expect(e.err).toContain('unknown command "fly"');
  });

  it('predict names an unknown context token', async () => {
    const out = join(dir, 'm');
    const data = join(dir, 's.json');
    await writeFile(data, stringifyDataset(svopExample()));
    expect(await runTrain(['--data', data, '--t0', '10', '--t1', '10', '--out', out], capture())).toBe(0);
    const io = capture();
    expect(await runPredict(['--model', join(out, 'model.json'), 'S X'], io)).toBe(1);
    expect(io.err).toContain('context token 1 "X"');
  });
});
