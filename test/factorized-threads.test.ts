// The factorized steps over the core model's pass on several threads (assembly/factorized/parallel.ts):
// stage-2 steps split the samples by whole queries, so every gradient entry is summed in the
// one-thread order and the factors match one thread bit for bit; joint steps add the workers'
// partial dM in thread order, so they agree with one thread to rounding (1e-12) and repeat
// themselves bit for bit per thread count. Both precisions, WebAssembly (the js backend has no threads).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import type { Precision } from '../src/engine/backend.js';
import { fromArrays, stringifyDataset } from '../src/dataset/format.js';
import { createFactorizedModel } from '../src/tasks/factorized/model.js';
import { capture } from './helpers/cli.js';
import { randomPacked } from './helpers/random-data.js';

const data = randomPacked(23, 400, 9, 5);

/** Stage 1, then stage 2 (or joint) NGD steps; the factors, W_ov and the reported numbers. */
async function run(precision: Precision, threads: number, objective: 'stage2' | 'joint', m = 15) {
  const fm = await createFactorizedModel(data, { precision, threads, m, initSeed: 3, lambda: 1e-3 });
  try {
    expect(fm.model.threads ?? 1).toBe(threads);
    fm.model.stage1(30, 0.3);
    const r = objective === 'stage2' ? fm.stage2(40, 0.05) : fm.joint(40, 0.1, 0.05);
    return { status: r.status, loss: r.loss, gradNorm: r.gradNorm, K: [...fm.getK()], Q: [...fm.getQ()], Wov: [...fm.model.getWov()], ev: fm.evaluate().loss };
  } finally {
    fm.dispose();
  }
}

function worstRelative(a: number[], b: number[]): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]));
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst / scale;
}

describe('factorized steps on threads', () => {
  it('stage 2 on 2 and 3 threads: the same bits as one thread (f64 and f32), and the factors moved', async () => {
    for (const precision of ['f64', 'f32'] as const) {
      const one = await run(precision, 1, 'stage2');
      expect(one.status).toBe('running');
      for (const threads of [2, 3]) expect(await run(precision, threads, 'stage2')).toEqual(one);
    }
  });

  it('joint on 2 and 3 threads: agrees with one (f64 to 1e-12, f32 to 1e-5), repeats itself bit for bit', async () => {
    for (const precision of ['f64', 'f32'] as const) {
      const tol = precision === 'f64' ? 1e-12 : 1e-5;
      const one = await run(precision, 1, 'joint');
      for (const threads of [2, 3]) {
        const a = await run(precision, threads, 'joint');
        for (const k of ['K', 'Q', 'Wov'] as const) expect(worstRelative(one[k], a[k])).toBeLessThan(tol);
        expect(Math.abs(a.loss - one.loss) / one.loss).toBeLessThan(tol);
        expect(await run(precision, threads, 'joint')).toEqual(a);
      }
    }
  });
});

describe('ntp factorized train --threads', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ntp-factorized-threads-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const rows = [
    { context: ['x'], next: 'y' }, { context: ['y'], next: 'z' }, { context: ['z'], next: 'x' },
    { context: ['y', 'x'], next: 'z' }, { context: ['y', 'z'], next: 'z' }, { context: ['x', 'z', 'y'], next: 'x' },
  ];
  const file = join(tmp, 'data.json');
  writeFileSync(file, stringifyDataset(fromArrays(['x', 'y', 'z'], rows)));

  it('--threads 2 ends where one thread ends, bit for bit; 0, 257 and 1.5 are refused with exit 2 and no files', async () => {
    const outs = [];
    for (const threads of ['1', '2']) {
      const io = capture();
      expect(await main(['factorized', 'train', '--data', file, '--steps', '200', '--json', '--threads', threads, '--out', join(tmp, threads)], io)).toBe(0);
      outs.push(JSON.parse(io.out));
    }
    expect(outs[1].config.threads).toBe(2);
    expect(outs[1].records).toEqual(outs[0].records);
    expect(outs[1].Wkq).toEqual(outs[0].Wkq);
    for (const bad of ['0', '257', '1.5']) {
      const io = capture();
      expect(await main(['factorized', 'train', '--data', file, '--threads', bad, '--out', join(tmp, `bad${bad}`)], io)).toBe(2);
      expect(io.err).toMatch(/--threads/);
      expect(readdirSync(tmp)).not.toContain(`bad${bad}`);
    }
  });
});
