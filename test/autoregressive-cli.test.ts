import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { autoregressiveFamily } from '../src/tasks/autoregressive/sweep.js';
import { trainAutoregressive } from '../src/tasks/autoregressive/train.js';
import { capture } from './helpers/cli.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ntp-ar-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const r3 = Math.sqrt(3);

describe('ntp autoregressive reference', () => {
  it('rotation θ = π/3, x_1 = (1, 0): errors are the docs/theory/autoregressive.md#worked-examples per-position errors', async () => {
    const io = capture();
    expect(await main(['autoregressive', 'reference', '--family', 'rotation', '--theta', String(Math.PI / 3), '--length', '5', '--json', '--out', join(dir, 'ref-a')], io)).toBe(0);
    const out = JSON.parse(io.out);
    expect(out.reconstruction).toBe('R-C');
    const want = [1, r3 / 2, r3 / 4, r3 / 8, r3 / 16];
    out.errors.forEach((e: number, i: number) => expect(Math.abs(e - want[i])).toBeLessThan(1e-14));
    const io2 = capture();
    expect(await main(['autoregressive', 'reference', '--family', 'rotation', '--theta', String(Math.PI / 3), '--length', '5', '--depth', '1', '--method', 'transformer', '--json', '--out', join(dir, 'ref-b')], io2)).toBe(0);
    const one = [1, r3 / 2, 1 / 2, 1 / 2, r3 / 2];
    JSON.parse(io2.out).errors.forEach((e: number, i: number) => expect(Math.abs(e - one[i])).toBeLessThan(1e-14));
  });

  it('finite depth with η = 1 reports its blow-up as a status, with finite numbers', async () => {
    const io = capture();
    expect(await main(['autoregressive', 'reference', '--depth', '8', '--length', '30', '--sequences', '16', '--json', '--out', join(dir, 'ref-c')], io)).toBe(0);
    const out = JSON.parse(io.out);
    expect(out.status).toBe('completed');
    expect(out.curveStatus).toBe('unstable');
    expect(io.err).toMatch(/warning: the error grows/);
    expect(out.firstUnstable).toBeGreaterThan(9);
    expect(out.squaredErrors[29]).toBeGreaterThan(1e6);
  });

  it('bad input: exit 2 for a malformed command line or out-of-range values, no output files', async () => {
    const bad = join(dir, 'bad');
    await mkdir(bad);
    const a = capture();
    expect(await main(['autoregressive', 'reference', '--kernel', 'rbf'], a)).toBe(2);
    expect(a.err).toMatch(/--kernel must be one of linear, exp/);
    const b = capture();
    expect(await main(['autoregressive', 'reference', '--depth=-3', '--out', join(bad, 'b')], b)).toBe(2);
    expect(b.err).toMatch(/--depth must be an integer in \[1, /);
    const c = capture();
    expect(await main(['autoregressive', 'reference', '--method', 'transformer', '--out', join(bad, 'c')], c)).toBe(2);
    expect(c.err).toMatch(/--method transformer needs a finite --depth/);
    const d = capture();
    expect(await main(['autoregressive', 'frobnicate'], d)).toBe(2);
    const e = capture();
    expect(await main(['autoregressive', 'train', '--batch', '100', '--train-sequences', '10', '--out', join(bad, 'x')], e)).toBe(2);
    expect(e.err).toMatch(/option --batch \(100\) must be <= --train-sequences \(10\)/);
    expect(await readdir(bad)).toEqual([]);
  });
});

describe('ntp autoregressive train and experiment', () => {
  it('train writes trajectory.json, trajectory.csv and errors.svg; the test loss falls', async () => {
    const io = capture();
    const out = join(dir, 'run');
    expect(await main(['autoregressive', 'train', '--d', '2', '--length', '8', '--steps', '60', '--batch', '16', '--train-sequences', '256', '--test-sequences', '32', '--every', '20', '--out', out], io)).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['errors.svg', 'trajectory.csv', 'trajectory.json']);
    const t = JSON.parse(await readFile(join(out, 'trajectory.json'), 'utf8'));
    expect(t.reconstruction).toBe('R-C');
    expect(t.records.map((r: { step: number }) => r.step)).toEqual([0, 20, 40, 60]);
    expect(t.records[3].testLoss).toBeLessThan(0.7 * t.records[0].testLoss);
    expect(t.errors).toHaveLength(8);
    expect(t.errors[0]).toBeCloseTo(1, 1); // u_1 = 0 whatever the weights: e(1) = ‖x_2‖² = 1
    expect(await readFile(join(out, 'errors.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('train --threads 2 ends where one thread ends (to 1e-12); --threads 0 is refused with exit 2 and no files', async () => {
    const args = ['autoregressive', 'train', '--d', '2', '--length', '8', '--steps', '20', '--batch', '16', '--train-sequences', '64', '--test-sequences', '16', '--every', '10', '--json'];
    const runs = [];
    for (const threads of ['1', '2']) {
      const io = capture();
      expect(await main([...args, '--threads', threads, '--out', join(dir, threads)], io)).toBe(0);
      runs.push(JSON.parse(io.out));
    }
    expect(runs[1].config.threads).toBe(2);
    expect([runs[0].threads, runs[1].threads]).toEqual([1, 2]);
    expect(runs[1].warnings).toEqual([]);
    expect(runs[0].final.testLoss).toBeGreaterThan(0);
    expect(Math.abs(runs[1].final.testLoss - runs[0].final.testLoss) / runs[0].final.testLoss).toBeLessThan(1e-12);
    const io = capture();
    expect(await main([...args, '--threads', '0', '--out', join(dir, 'bad')], io)).toBe(2);
    expect(io.err).toMatch(/option --threads must be an integer in \[1, 256\]/);
    await expect(readdir(join(dir, 'bad'))).rejects.toThrow();
  });

  it('experiment c1 writes the table (JSON) and its figure', async () => {
    const io = capture();
    const out = join(dir, 'c1');
    expect(await main(['autoregressive', 'experiment', 'c1', '--out', out], io)).toBe(0);
    const r = JSON.parse(await readFile(join(out, 'e-c1.json'), 'utf8'));
    const row = r.table.find((x: { depth: number | string; t: number }) => x.depth === 'inf' && x.t === 5);
    expect(Math.abs(row.err - r3 / 16)).toBeLessThan(1e-14);
    expect(Math.abs(row.u[0] - 19 / 32)).toBeLessThan(1e-14);
    expect(await readFile(join(out, 'e-c1.svg'), 'utf8')).toMatch(/^<svg/);
  });
});

describe('experiment c4 (tiny)', () => {
  it('trains per depth, tied and untied; Δ(1) = 0 since u_1 = 0 for both predictors; one-layer tied = untied', async () => {
    const io = capture();
    expect(await main(['autoregressive', 'experiment', 'c4', '--layers', '1,2', '--steps', '5', '--d', '2', '--length', '6', '--batch', '8', '--test-sequences', '16', '--out', join(dir, 'c4'), '--json'], io)).toBe(0);
    const r = JSON.parse(io.out);
    expect(r.reconstruction).toBe('R-C');
    for (const label of ['haar', 'periodic']) {
      const runs = r[label].runs;
      expect(runs.map((x: { layers: number; tied: boolean }) => `${x.layers}${x.tied}`)).toEqual(['1true', '1false', '2true', '2false']);
      for (const run of runs) {
        expect(run.delta[0]).toBe(0);
        expect(run.trained[0]).toBeCloseTo(1, 12);
      }
      expect(runs[0].trained).toEqual(runs[1].trained);
    }
    expect((await readdir(join(dir, 'c4'))).sort()).toEqual(['e-c4-haar-delta.svg', 'e-c4-haar.svg', 'e-c4-periodic-delta.svg', 'e-c4-periodic.svg', 'e-c4.json']);
  });
});

describe('autoregressive SweepFamily', () => {
  it('validates options and runs deterministically from the seed', async () => {
    expect(() => autoregressiveFamily.validate({ layer: 2 })).toThrow(/unknown option "layer"/);
    expect(() => autoregressiveFamily.validate({ attention: 'relu' })).toThrow(/attention must be one of linear, exp, softmax/);
    const cfg = { d: 2, length: 6, steps: 10, batch: 8, trainSequences: 32, testSequences: 8, attention: 'softmax', seed: 3 };
    const a = await autoregressiveFamily.run(cfg, 5);
    const b = await autoregressiveFamily.run(cfg, 5);
    expect(a).toEqual(b);
    expect(a.status).toBe('completed');
    expect(a.records.map((r) => r.step)).toEqual([0, 5, 10]);
    expect(a.final.testLoss).toBe(a.records[2].testLoss);
  });

  it('f32 and f64 runs on the WASM backend and the TS backend end close', async () => {
    const cfg = { d: 2, length: 6, steps: 20, batch: 8, trainSequences: 32, testSequences: 16, seed: 1 };
    const w64 = await trainAutoregressive({ ...cfg, backend: 'wasm', precision: 'f64' });
    const j64 = await trainAutoregressive({ ...cfg, backend: 'js', precision: 'f64' });
    const w32 = await trainAutoregressive({ ...cfg, backend: 'wasm', precision: 'f32' });
    const l = (r: typeof w64) => r.records[r.records.length - 1].testLoss!;
    expect(Math.abs(l(w64) - l(j64))).toBeLessThan(1e-12);
    expect(Math.abs(l(w64) - l(w32))).toBeLessThan(1e-3);
  });
});

describe('the one-library contract, autoregressive family', () => {
  it('old spellings still run for one release, with a note: --family, --lr, --untied, --depth inf', async () => {
    const io = capture();
    const out = join(dir, 'old');
    expect(await main(['autoregressive', 'train', '--family', 'periodic', '--lr', '0.02', '--untied', '--d', '2', '--length', '4', '--steps', '2', '--batch', '4', '--train-sequences', '8', '--test-sequences', '4', '--out', out, '--json', '--no-figure'], io)).toBe(0);
    expect(io.err).toMatch(/--lr is now --eta/);
    expect(io.err).toMatch(/--family is deprecated .* use --process/);
    const r = JSON.parse(io.out);
    expect(r.config).toMatchObject({ process: 'periodic', eta: 0.02, tied: false });
    expect((await readdir(out)).sort()).toEqual(['trajectory.csv', 'trajectory.json']);
    const io2 = capture();
    expect(await main(['autoregressive', 'reference', '--depth', 'inf', '--length', '4', '--sequences', '2', '--out', join(dir, 'inf'), '--json'], io2)).toBe(0);
    expect(JSON.parse(io2.out).config.depth).toBeUndefined();
  });

  it('sizes past 4 GiB are refused from the options alone, naming them, before anything is allocated', async () => {
    for (const args of [
      ['reference', '--length', '1000000'],
      ['reference', '--d', '4096', '--sequences', '100000000'],
      ['train', '--length', '200000'],
      ['experiment', 'c4', '--length', '100000'],
    ]) {
      const io = capture();
      const out = join(dir, 'big');
      const t0 = performance.now();
      expect(await main(['autoregressive', ...args, '--out', out], io), args.join(' ')).toBe(1);
      expect(performance.now() - t0, args.join(' ')).toBeLessThan(2000);
      expect(io.err).toMatch(/would need .* more than the 4\.00 GiB a run may hold \(.*length = /s);
      expect(io.err).not.toMatch(/at .*\.ts:\d+/);
    }
    const io = capture();
    expect(await main(['autoregressive', 'experiment', 'c2', '--sequences', '100000000', '--out', join(dir, 'big')], io)).toBe(2);
    expect(io.err).toMatch(/option --sequences must be an integer in \[1, 1000000\]/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a diverged run exits 1 with its records written; the API reports the status', async () => {
    const io = capture();
    const out = join(dir, 'div');
    const code = await main(['autoregressive', 'train', '--eta', '1e300', '--optimizer', 'gd', '--d', '2', '--length', '4', '--steps', '20', '--batch', '4', '--train-sequences', '8', '--test-sequences', '4', '--out', out, '--no-figure'], io);
    expect(code).toBe(1);
    expect(io.err).toMatch(/diverged/);
    const t = JSON.parse(await readFile(join(out, 'trajectory.json'), 'utf8'));
    expect(t.status).toBe('diverged');
  });

  it('the API: typed options checked at run time with a suggestion; negative values named as out of range', async () => {
    const { autoregressive } = await import('../src/index.js');
    // @ts-expect-error a misspelled option is a type error
    await expect(autoregressive.train({ layres: 2 })).rejects.toThrow(/unknown option "layres" of autoregressive\.train\(\) \(did you mean "layers"\?\)/);
    await expect(autoregressive.experiment('c4', { layers: [0] })).rejects.toThrow(/option layers must be a non-empty list of integers >= 1/);
    // @ts-expect-error not an experiment
    await expect(autoregressive.experiment('c5')).rejects.toThrow(/unknown experiment "c5" of autoregressive \(did you mean "c1"\?\)/);
    const r = await autoregressive.reference({ process: 'rotation', theta: Math.PI / 3, length: 3 });
    expect(Math.abs(r.errors[1]! - Math.sqrt(3) / 2)).toBeLessThan(1e-14);
    const io = capture();
    expect(await main(['autoregressive', 'train', '--eta', '-1'], io)).toBe(2);
    expect(io.err).toMatch(/option --eta must be a finite number > 0 \(got -1\)/);
  });
});
