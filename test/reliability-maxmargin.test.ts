import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMaxMargin } from '../src/cli/maxmargin.js';
import { datasetToJSON } from '../src/dataset/format.js';
import { svopExample } from '../src/dataset/svop.js';
import { capture } from './helpers/cli.js';

const svop = svopExample();

async function solveScaled(c: number): Promise<{ code: number; out: { Wov: number[][]; Wkq: number[][]; kktResidual: number } | null; err: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ntp-mm-'));
  const file = join(dir, 'ds.json');
  const V = svop.vocab.length;
  const embedding = Array.from({ length: V }, (_, i) => Array.from({ length: V }, (_, j) => (i === j ? c : 0)));
  await writeFile(file, JSON.stringify(datasetToJSON({ ...svop, embedding })));
  const io = capture();
  const code = await runMaxMargin([file], io);
  return { code, out: code === 0 ? JSON.parse(io.out) : null, err: io.err };
}

describe('the max-margin solver is scale-invariant: E = c·I only rescales W*', () => {
  it('W*_ov(c) = W*_ov(1)/c and W*_kq(c) = W*_kq(1)/c² for c from 1e-3 to 1e10', async () => {
    const ref = await solveScaled(1);
    expect(ref.code).toBe(0);
    for (const c of [1e-3, 0.37, 1e6, 1e10]) {
      const r = await solveScaled(c);
      expect(r.code, `c = ${c}: ${r.err}`).toBe(0);
      expect(r.out!.kktResidual).toBeLessThan(1e-9);
      r.out!.Wov.flat().forEach((x, k) => expect(x * c).toBeCloseTo(ref.out!.Wov.flat()[k], 9));
      r.out!.Wkq.flat().forEach((x, k) => expect(x * c * c).toBeCloseTo(ref.out!.Wkq.flat()[k], 9));
    }
  });
});

describe('a degenerate embedding is refused naming the tokens', () => {
  const withRows = (embedding: number[][]) => ({ ...svop, embedding });
  it('two collocation tokens with one embedding but different next tokens', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ntp-deg-'));
    const file = join(dir, 'ds.json');
    // vocab S V O P: S and O share a row, and n(S) = V while n(O) = P
    await writeFile(file, JSON.stringify(datasetToJSON(withRows([[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]]))));
    const io = capture();
    expect(await runMaxMargin([file], io)).toBe(1);
    expect(io.err).toMatch(/ov: "S" and "O" have the same embedding but different next tokens \("V" and "P"\)/);
  });

  it('a zero row is named too (train as well as maxmargin)', async () => {
    const { train } = await import('../src/train/run.js');
    await expect(train(withRows([[1, 0, 0], [0, 0, 0], [0, 1, 0], [0, 0, 1]]), { t0: 2, t1: 2 })).rejects.toThrow(/"V" has an all-zero embedding/);
  });
});

describe('a max-margin solution above the KKT tolerance is never reported as fine', () => {
  it('train warns that the cosines are unreliable', async () => {
    const { Trainer } = await import('../src/train/trainer.js');
    const { finish } = await import('../src/train/run.js');
    const trainer = await Trainer.create(svop, { t0: 3, t1: 3 });
    trainer.advance();
    expect(finish(trainer).warnings.join('\n')).not.toMatch(/KKT/);
    // as the solver answered for E = 1e6·I before its tolerances were made scale-free
    Object.defineProperty(trainer, 'maxMargin', { value: { ...trainer.maxMargin!, kktResidual: 1 } });
    expect(finish(trainer).warnings.join('\n')).toMatch(/fails its optimality check \(KKT residual 1\.00e\+0 > 1e-6\)/);
    trainer.dispose();
  });
});
