// An embedding whose scale makes the max-margin problem unrepresentable in float64 is refused,
// and no certificate (KKT residual, margin) is ever printed that was not computed.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { analyze } from '../src/dataset/analyze.js';
import { checkEmbeddingScale, solveMaxMargin } from '../src/maxmargin/index.js';
import { maxMarginProblem } from '../src/train/trainer.js';
import { makeEmbedding } from '../src/engine/embedding.js';
import { NtpError } from '../src/errors.js';
import type { Dataset } from '../src/dataset/types.js';
import { capture } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ntp-scale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const problemOf = (ds: Dataset) => maxMarginProblem(analyze(ds), ds.vocab.length, makeEmbedding(ds.vocab.length, ds.embedding!));
const scaled = (c: number): Dataset => ({
  vocab: ['S', 'V', 'O', 'P'],
  samples: [{ context: [0], next: 1 }, { context: [0, 1], next: 2 }, { context: [1], next: 2 }, { context: [2], next: 3 }, { context: [3], next: 0 }],
  counts: [1, 1, 1, 1, 1],
  embedding: [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => (i === j ? c : 0))),
});
const fileOf = (c: number): string => {
  const ds = scaled(c);
  const p = join(dir, `e${c}.json`);
  const name = (i: number) => ds.vocab[i];
  writeFileSync(p, JSON.stringify({ vocab: ds.vocab, samples: ds.samples.map((s) => ({ context: s.context.map(name), next: name(s.next) })), embedding: ds.embedding }));
  return p;
};

describe('the embedding\'s scale', () => {
  it('refuses subnormal entries and scales outside [1e-75, 1e75], naming the embedding', () => {
    expect(() => checkEmbeddingScale([1, 5e-324])).toThrow(/entry 1 is 5e-324, a subnormal float64/);
    expect(() => checkEmbeddingScale([1e-76, 0])).toThrow(/largest entry is 1\.000e-76, outside \[1e-75, 1e\+75\]/);
    expect(() => checkEmbeddingScale([2e75])).toThrow(/largest entry is 2\.000e\+75/);
    expect(() => checkEmbeddingScale([1e-75, 1e75, 0, -3])).not.toThrow();
  });

  it('solveMaxMargin refuses 1e-320·I and 1e308·I with NtpError, and solves 1e-30·I exactly as I scaled by 1e30 and 1e60', () => {
    for (const c of [1e-320, 1e308]) {
      const ds = scaled(c);
      let err: unknown;
      try {
        solveMaxMargin(problemOf(ds));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NtpError);
      expect((err as NtpError).code).toBe('embedding-scale');
    }
    const one = solveMaxMargin(problemOf(scaled(1)));
    const small = solveMaxMargin(problemOf(scaled(1e-30)));
    // E = s·I: W*_ov = W'_ov / s, W*_kq = W'_kq / s², to rounding
    small.Wov.forEach((x, k) => expect(x * 1e-30).toBeCloseTo(one.Wov[k], 12));
    small.Wkq.forEach((x, k) => expect(x * 1e-60).toBeCloseTo(one.Wkq[k], 12));
    expect(Number.isFinite(small.kktResidual)).toBe(true);
  });

  it('ntp train and ntp maxmargin exit 1 with one line and write nothing', async () => {
    for (const [c, args] of [[1e-320, ['train', '--out', join(dir, 'o1')]], [1e308, ['maxmargin', '--out', join(dir, 'o2.json')]], [1e308, ['train', '--out', join(dir, 'o3')]]] as const) {
      const io = capture();
      const file = fileOf(c);
      const code = await main(args[0] === 'train' ? ['train', '--data', file, ...args.slice(1)] : ['maxmargin', file, ...args.slice(1)], io);
      expect({ c, code }).toEqual({ c, code: 1 });
      expect(io.err).toMatch(/^error: .*embedding/);
      expect(io.out).not.toMatch(/KKT residual|margin 1/);
    }
    for (const p of ['o1', 'o2.json', 'o3']) expect(existsSync(join(dir, p))).toBe(false);
  });
});
