import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
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
  it('rotation θ = π/3, x_1 = (1, 0): errors are the SPEC §10.7 per-position errors', async () => {
    const io = capture();
    expect(await main(['autoregressive', 'reference', '--family', 'rotation', '--theta', String(Math.PI / 3), '--length', '5', '--json'], io)).toBe(0);
    const out = JSON.parse(io.out);
    expect(out.reconstruction).toBe('R-C');
    const want = [1, r3 / 2, r3 / 4, r3 / 8, r3 / 16];
    out.errors.forEach((e: number, i: number) => expect(Math.abs(e - want[i])).toBeLessThan(1e-14));
    const io2 = capture();
    expect(await main(['autoregressive', 'reference', '--family', 'rotation', '--theta', String(Math.PI / 3), '--length', '5', '--depth', '1', '--method', 'transformer', '--json'], io2)).toBe(0);
    const one = [1, r3 / 2, 1 / 2, 1 / 2, r3 / 2];
    JSON.parse(io2.out).errors.forEach((e: number, i: number) => expect(Math.abs(e - one[i])).toBeLessThan(1e-14));
  });

  it('finite depth with η = 1 reports its blow-up as a status, with finite numbers', async () => {
    const io = capture();
    expect(await main(['autoregressive', 'reference', '--depth', '8', '--length', '30', '--sequences', '16', '--json'], io)).toBe(0);
    const out = JSON.parse(io.out);
    expect(out.status).toBe('unstable');
    expect(out.firstUnstable).toBeGreaterThan(9);
    expect(out.squaredErrors[29]).toBeGreaterThan(1e6);
  });

  it('bad input: exit 2 for a malformed command line, 1 for bad values, no output files', async () => {
    const a = capture();
    expect(await main(['autoregressive', 'reference', '--kernel', 'rbf'], a)).toBe(2);
    expect(a.err).toMatch(/--kernel must be one of linear, exp/);
    const b = capture();
    expect(await main(['autoregressive', 'reference', '--depth=-3'], b)).toBe(1);
    expect(b.err).toMatch(/depth must be an integer ≥ 0/);
    const c = capture();
    expect(await main(['autoregressive', 'reference', '--method', 'transformer'], c)).toBe(2);
    const d = capture();
    expect(await main(['autoregressive', 'frobnicate'], d)).toBe(2);
    const e = capture();
    expect(await main(['autoregressive', 'train', '--batch', '100', '--train-sequences', '10', '--out', join(dir, 'x')], e)).toBe(1);
    expect(e.err).toMatch(/option batch must be ≤ trainSequences/);
    expect(await readdir(dir)).toEqual([]);
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

  it('train --threads 2 ends where one thread ends (to 1e-12); --threads 0 is refused with exit 1 and no files', async () => {
    const args = ['autoregressive', 'train', '--d', '2', '--length', '8', '--steps', '20', '--batch', '16', '--train-sequences', '64', '--test-sequences', '16', '--every', '10', '--json'];
    const runs = [];
    for (const threads of ['1', '2']) {
      const io = capture();
      expect(await main([...args, '--threads', threads, '--out', join(dir, threads)], io)).toBe(0);
      runs.push(JSON.parse(io.out));
    }
    expect(runs[0].testLoss).toBeGreaterThan(0);
    expect(Math.abs(runs[1].testLoss - runs[0].testLoss) / runs[0].testLoss).toBeLessThan(1e-12);
    const io = capture();
    expect(await main([...args, '--threads', '0', '--out', join(dir, 'bad')], io)).toBe(1);
    expect(io.err).toMatch(/option threads must be an integer from 1 to 256/);
    await expect(readdir(join(dir, 'bad'))).rejects.toThrow();
  });

  it('experiment c1 writes the table (JSON) and its figure', async () => {
    const io = capture();
    expect(await main(['autoregressive', 'experiment', 'c1', '--out', dir], io)).toBe(0);
    const r = JSON.parse(await readFile(join(dir, 'e-c1.json'), 'utf8'));
    const row = r.table.find((x: { depth: number | string; t: number }) => x.depth === 'inf' && x.t === 5);
    expect(Math.abs(row.err - r3 / 16)).toBeLessThan(1e-14);
    expect(Math.abs(row.u[0] - 19 / 32)).toBeLessThan(1e-14);
    expect(await readFile(join(dir, 'e-c1.svg'), 'utf8')).toMatch(/^<svg/);
  });
});

describe('experiment c4 (tiny)', () => {
  it('trains per depth, tied and untied; Δ(1) = 0 since u_1 = 0 for both predictors; one-layer tied = untied', async () => {
    const io = capture();
    expect(await main(['autoregressive', 'experiment', 'c4', '--layers', '1,2', '--steps', '5', '--d', '2', '--length', '6', '--batch', '8', '--sequences', '16', '--out', dir, '--json'], io)).toBe(0);
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
    expect((await readdir(dir)).sort()).toEqual(['e-c4-haar-delta.svg', 'e-c4-haar.svg', 'e-c4-periodic-delta.svg', 'e-c4-periodic.svg', 'e-c4.json']);
  });
});

describe('autoregressive SweepFamily', () => {
  it('validates options and runs deterministically from the seed', async () => {
    expect(() => autoregressiveFamily.validate({ layer: 2 })).toThrow(/unknown option "layer"/);
    expect(() => autoregressiveFamily.validate({ attention: 'relu' })).toThrow(/attention must be linear, exp or softmax/);
    const cfg = { d: 2, length: 6, steps: 10, batch: 8, trainSequences: 32, testSequences: 8, attention: 'softmax', seed: 3 };
    const a = await autoregressiveFamily.run(cfg, 5);
    const b = await autoregressiveFamily.run(cfg, 5);
    expect(a).toEqual(b);
    expect(a.status).toBe('running');
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
