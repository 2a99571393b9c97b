import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAnalyze } from '../src/cli/analyze.js';
import { runExample } from '../src/cli/example.js';
import { runGenerate } from '../src/cli/generate.js';
import { capture } from './helpers/cli.js';
import { parseDataset } from '../src/dataset/format.js';
import { generateRealizable } from '../src/dataset/random.js';
import { svopExample } from '../src/dataset/svop.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ntp-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ntp generate', () => {
  it('prints the default dataset to stdout', async () => {
    const io = capture();
    expect(await runGenerate([], io)).toBe(0);
    expect(io.err).toBe('');
    expect(parseDataset(io.out)).toStrictEqual(generateRealizable({}));
  });

  it('passes every flag through and writes --out (creating directories)', async () => {
    const out = join(dir, 'sub', 'data.json');
    const io = capture();
    const argv = ['--vocab', '30', '--seed', '4', '--samples-per-query', '5', '--max-length', '6', '--optimal', '2', '--non-optimal', '3', '--incomplete', '--out', out];
    expect(await runGenerate(argv, io)).toBe(0);
    const expected = generateRealizable({ vocab: 30, seed: 4, samplesPerQuery: 5, maxContextLength: 6, optimalPerQuery: 2, nonOptimalPerQuery: 3, incomplete: true });
    expect(parseDataset(await readFile(out, 'utf8'))).toStrictEqual(expected);
    expect(io.out).toBe(`wrote ${out}: 30 tokens, ${expected.samples.length} samples\n`);
    expect(await readdir(join(dir, 'sub'))).toEqual(['data.json']);
  });

  it('rejects a bad option value with exit 1, naming the flag, and writes nothing', async () => {
    const out = join(dir, 'data.json');
    const io = capture();
    expect(await runGenerate(['--vocab', '1', '--out', out], io)).toBe(1);
    expect(io.err).toBe('error: option --vocab must be an integer >= 2 and <= 4096 (got 1)\n');
    expect(io.out).toBe('');
    expect(await readdir(dir)).toEqual([]);

    const io2 = capture();
    expect(await runGenerate(['--optimal', '10', '--non-optimal', '12', '--out', out], io2)).toBe(1);
    expect(io2.err).toContain('options --optimal (10) + --non-optimal (12) must be <= --vocab (20)');
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects unknown options and non-integers as usage errors (exit 2)', async () => {
    const out = join(dir, 'data.json');
    const io = capture();
    expect(await runGenerate(['--vocabulary', '5', '--out', out], io)).toBe(2);
    expect(io.err).toContain('error: unknown option "--vocabulary" for "ntp generate"');
    expect(io.err).toContain('Run "ntp generate --help" for usage.');
    const io2 = capture();
    expect(await runGenerate(['--seed', 'abc', '--out', out], io2)).toBe(2);
    expect(io2.err).toContain('error: option --seed must be an integer (got "abc")');
    const io3 = capture();
    expect(await runGenerate(['--vocab'], io3)).toBe(2);
    expect(io3.err).toContain('error: option --vocab needs a value');
    const io4 = capture();
    expect(await runGenerate(['extra'], io4)).toBe(2);
    expect(io4.err).toContain('unexpected argument "extra"');
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails with exit 1 when --out cannot be written, leaving nothing behind', async () => {
    await writeFile(join(dir, 'file'), 'x');
    const io = capture();
    expect(await runGenerate(['--out', join(dir, 'file', 'data.json')], io)).toBe(1);
    expect(io.err).toContain(`error: cannot create the directory of ${JSON.stringify(join(dir, 'file', 'data.json'))}`);
    expect(await readdir(dir)).toEqual(['file']);
  });

  it('prints help', async () => {
    const io = capture();
    expect(await runGenerate(['--help'], io)).toBe(0);
    expect(io.out).toContain('Usage: ntp generate');
    expect(io.out).toContain('--samples-per-query N');
  });
});

describe('ntp example', () => {
  it('prints svop', async () => {
    const io = capture();
    expect(await runExample(['svop'], io)).toBe(0);
    expect(parseDataset(io.out)).toStrictEqual(svopExample());
    expect(io.out.split('\n')[1]).toBe('  "vocab": ["S","V","O","P"],');
  });

  it('writes svop with --out', async () => {
    const out = join(dir, 'svop.json');
    const io = capture();
    expect(await runExample(['svop', '--out', out], io)).toBe(0);
    expect(parseDataset(await readFile(out, 'utf8'))).toStrictEqual(svopExample());
    expect(io.out).toBe(`wrote ${out}: 4 tokens, 9 samples\n`);
  });

  it('rejects an unknown or missing example name and writes nothing', async () => {
    const out = join(dir, 'x.json');
    const io = capture();
    expect(await runExample(['abc', '--out', out], io)).toBe(2);
    expect(io.err).toContain('error: unknown example "abc" (available: svop, cyclic-1, cyclic-2, cyclic-3, cyclic-4, cyclic-5)');
    const io2 = capture();
    expect(await runExample(['--out', out], io2)).toBe(2);
    expect(io2.err).toContain('error: ntp example needs an example name (available: svop, cyclic-1, cyclic-2, cyclic-3, cyclic-4, cyclic-5)');
    const io3 = capture();
    expect(await runExample(['toString'], io3)).toBe(2);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('ntp analyze', () => {
  async function analyzeFile(content: unknown, extra: string[] = []) {
    const file = join(dir, 'data.json');
    await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
    const io = capture();
    const code = await runAnalyze([file, ...extra], io);
    return { code, io, file };
  }

  it('reports the SVOP structure and verdict', async () => {
    const io0 = capture();
    await runExample(['svop', '--out', join(dir, 'svop.json')], io0);
    const io = capture();
    expect(await runAnalyze([join(dir, 'svop.json')], io)).toBe(0);
    const r = io.out;
    expect(r).toContain('4 tokens, 9 distinct samples (9 with multiplicity), longest context 3, one-hot embedding');
    expect(r).toContain('Collocation n (4 of 4 tokens): S→V  V→O  O→P  P→S');
    expect(r).toContain('Query O (3 samples):\n  order:          O > S, O > V\n  optimal:        O\n  non-optimal:    S V\n  non-comparable: P');
    expect(r).toContain('Query P (2 samples):\n  order:          O > P\n  optimal:        O\n  non-optimal:    P\n  non-comparable: S V');
    expect(r).toContain('"S P" → V   (non-comparable token wins)');
    expect(r).toContain('"O S P" → P   (optimal token wins)');
    expect(r).toContain('Verdict: realizable (Assumption 1 holds); Assumption 3 holds.');
    expect(io.err).toBe('');
  });

  it('prints JSON with --json', async () => {
    const { code, io } = await analyzeFile({ vocab: ['S', 'V', 'O', 'P'], sentences: [['S', 'V', 'O', 'P'], ['V', 'O', 'P'], ['O', 'P', 'P'], ['P', 'S', 'V']] }, ['--json']);
    expect(code).toBe(0);
    const j = JSON.parse(io.out);
    expect(j.collocation).toEqual([1, 2, 3, 0]);
    expect(j.realizable).toBe(true);
    expect(j.queries[3].order).toEqual([[2, 3]]);
    expect(j.generalization).toContainEqual({ context: [0, 3], expected: 1, kind: 'nonComparable', query: 3 });
  });

  it('leaves non-comparable lists out of --json for huge vocabularies', async () => {
    const vocab = Array.from({ length: 6000 }, (_, i) => `w${i}`);
    const sentences = Array.from({ length: 5999 }, (_, i) => [vocab[i], vocab[i + 1]]);
    const { code, io } = await analyzeFile({ vocab, sentences }, ['--json']);
    expect(code).toBe(0);
    const j = JSON.parse(io.out);
    expect(j.nonComparableOmitted).toBe(true);
    expect(j.queries.length).toBe(5999);
    expect(j.queries[0]).toEqual({ query: 0, samples: [0], optimal: [], nonOptimal: [], confused: [], order: [], cycle: null, components: [], complete: true });
    const small = await analyzeFile({ vocab: ['a', 'b'], sentences: [['a', 'b']] }, ['--json']);
    expect(JSON.parse(small.io.out).nonComparableOmitted).toBe(false);
    expect(JSON.parse(small.io.out).queries[0].nonComparable).toEqual([0, 1]);
  });

  it('warns about Assumption 3 but exits 0 when realizable', async () => {
    const { code, io } = await analyzeFile({ vocab: ['a', 'b', 'c', 'q'], samples: [
      { context: ['a'], next: 'b' }, { context: ['b'], next: 'c' }, { context: ['c'], next: 'q' }, { context: ['q'], next: 'a' },
      { context: ['a', 'b', 'b', 'q'], next: 'b' },
    ] });
    expect(code).toBe(0);
    expect(io.out).toContain('Violations of Assumption 3 (1):\n  - sample 4 ("a b b q" → "b"): optimal token "a" occurs 1 time but non-optimal "b" occurs 2 times');
    expect(io.out).toContain('Verdict: realizable (Assumption 1 holds); Assumption 3 fails.');
  });

  const V4 = ['a', 'b', 'c', 'q'];
  const col = [
    { context: ['a'], next: 'b' },
    { context: ['b'], next: 'c' },
    { context: ['c'], next: 'q' },
    { context: ['q'], next: 'a' },
  ];
  const bad: [string, unknown, string][] = [
    ['malformed JSON', '{"vocab": ["a", "b"],\n "samples": [}', 'line 2, column 14 (position 35)'],
    ['a token not in vocab', { vocab: V4, samples: [...col, { context: ['a', 'X', 'q'], next: 'b' }] }, 'sample 4: token "X" is not in vocab'],
    ['duplicate vocab entries', { vocab: ['a', 'b', 'a'], sentences: [['a', 'b']] }, 'duplicate vocab entry "a" (vocab positions 0 and 2)'],
    ['an empty context', { vocab: V4, samples: [...col, { context: [], next: 'b' }] }, 'sample 4: context is empty'],
    ['a missing next', { vocab: V4, samples: [...col, { context: ['a', 'q'] }] }, 'sample 4: missing "next"'],
    ['an embedding with the wrong row count', { vocab: V4, samples: col, embedding: [[1, 0], [0, 1]] }, '"embedding" has 2 rows but vocab has 4 tokens'],
    ['a ragged embedding', { vocab: V4, samples: col, embedding: [[1, 0], [0, 1], [1, 1], [1]] }, 'embedding row 3 ("q") has length 1 but row 0 has length 2'],
    ['a non-finite embedding entry', { vocab: V4, samples: col, embedding: [[1, 0], [0, 1], [1, 'NaN'], [1, 1]] }, 'embedding row 2 ("c"), column 1 is not a finite number (got "NaN")'],
    ['neither samples nor sentences', { vocab: V4 }, 'the dataset needs "samples" or "sentences"'],
    ['a collocation mapping one token to two next tokens', { vocab: V4, samples: [...col, { context: ['a'], next: 'c' }] }, 'token "a" is followed by "b" in sample 0 and by "c" in sample 4'],
    ['two tokens with the same next token', { vocab: V4, samples: [col[0], col[1], col[2], { context: ['q'], next: 'b' }] }, 'tokens "a" (sample 0) and "q" (sample 3) both have next token "b"'],
    ['a sample without optimal token', { vocab: V4, samples: [...col, { context: ['b', 'q'], next: 'b' }] }, 'sample 4 ("b q" → "b"): no token x of the context has n(x) = "b"'],
    // A confused token and a cyclic order break Assumption 1 but not training: exit 0 (test/cyclic-cli.test.ts).
  ];
  for (const [what, content, expected] of bad) {
    it(`exits 1 on ${what}, naming the problem`, async () => {
      const { code, io, file } = await analyzeFile(content);
      expect(code).toBe(1);
      expect(io.out + io.err).toContain(expected);
      if (io.out === '') {
        // Parse errors: one line on stderr, prefixed with the file name.
        expect(io.err).toBe(`error: ${file}: ${io.err.slice(`error: ${file}: `.length)}`);
      } else {
        expect(io.out).toContain('Verdict: NOT realizable (Assumption 1 fails)');
        expect(io.err).toMatch(/is not realizable \(\d+ violations? of Assumption 1\)/);
      }
      // analyze never writes files: the temp dir holds only the input.
      expect(await readdir(dir)).toEqual(['data.json']);
    });
  }

  it('exits 1 on a missing file, naming it', async () => {
    const io = capture();
    const p = join(dir, 'nope.json');
    expect(await runAnalyze([p], io)).toBe(1);
    expect(io.err).toBe(`error: file not found: ${JSON.stringify(p)}\n`);
  });

  it('exits 2 without a file argument or with an unknown option', async () => {
    const io = capture();
    expect(await runAnalyze([], io)).toBe(2);
    expect(io.err).toContain('ntp analyze needs a dataset file');
    const io2 = capture();
    expect(await runAnalyze(['x.json', '--jsn'], io2)).toBe(2);
    expect(io2.err).toContain('unknown option "--jsn" for "ntp analyze"');
  });

  it('handles a generated dataset of 10^6 samples end to end', async () => {
    const out = join(dir, 'big.json');
    const io = capture();
    expect(await runGenerate(['--vocab', '1000', '--samples-per-query', '999', '--max-length', '12', '--non-optimal', '8', '--optimal', '3', '--out', out], io)).toBe(0);
    const io2 = capture();
    expect(await runAnalyze([out], io2)).toBe(0);
    expect(io2.out).toContain('Dataset ');
    expect(io2.out).toMatch(/1000 tokens, \d+ distinct samples \(1000000 with multiplicity\)/);
    expect(io2.out).toContain('Verdict: realizable (Assumption 1 holds); Assumption 3 holds.');
  });
});
