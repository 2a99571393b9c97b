// Real text as sliding windows (src/dataset/text.ts, `ntp text`): worked examples of windows,
// counts, <unk>, characters, pieces, and the CLI's file output.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromText, parseDataset } from '../src/dataset/format.js';
import { TextTokenizer, UNK, chooseVocabulary } from '../src/dataset/text.js';
import { runText } from '../src/cli/text.js';
import { main } from '../src/cli/main.js';
import { NtpError } from '../src/errors.js';
import { capture } from './helpers/cli.js';

/** samples as readable strings "context → next ×count" */
function readable(ds: ReturnType<typeof fromText>): string[] {
  return ds.samples.map((s, n) => `${s.context.map((t) => ds.vocab[t]).join(' ')} → ${ds.vocab[s.next]} ×${ds.counts[n]}`);
}

describe('fromText with options: sliding windows', () => {
  it('words, window 2: every token after the first is the next token of the ≤ 2 before it, repeats counted', () => {
    const ds = fromText('a b a b a', { window: 2 });
    expect(ds.vocab).toEqual(['a', 'b']);
    expect(readable(ds)).toEqual(['a → b ×1', 'a b → a ×2', 'b a → b ×1']);
  });

  it('without options keeps the sentence-prefix form', () => {
    const ds = fromText('a b c. b c');
    expect(readable(ds)).toEqual(['a → b ×1', 'a b → c ×1', 'b → c ×1']);
  });

  it('lowercase, tagged words and <unk> by minCount and maxVocab', () => {
    const text = 'The/at cat/nn saw/vbd the/at dog/nn ./. the/at cat/nn';
    const ds = fromText(text, { tagged: true, lowercase: true, window: 1, minCount: 2 });
    expect(ds.vocab).toEqual(['the', 'cat', UNK]);
    expect(readable(ds)).toEqual(['the → cat ×2', 'cat → <unk> ×1', '<unk> → the ×2', 'the → <unk> ×1', '<unk> → <unk> ×1']);
    // the 2 most frequent of the, cat, saw, dog, . are the and cat: maxVocab 3 keeps them and <unk>
    expect(fromText(text, { tagged: true, lowercase: true, maxVocab: 3 }).vocab).toEqual(['the', 'cat', UNK]);
    // nothing dropped: no <unk>; a tie goes to the token seen first
    expect(chooseVocabulary(new Map([['x', 3], ['y', 3], ['z', 1]]), 1, 3).vocab).toEqual(['x', 'y', 'z']);
    expect(chooseVocabulary(new Map([['x', 3], ['y', 3], ['z', 1]]), 1, 2).vocab).toEqual(['x', UNK]);
  });

  it('characters: words joined by one space, whatever whitespace separated them', () => {
    const ds = fromText('ab  \n a', { tokens: 'char', window: 3 });
    expect(ds.vocab).toEqual(['a', 'b', ' ']);
    expect(readable(ds)).toEqual(['a → b ×1', 'a b →   ×1', 'a b   → a ×1']);
  });

  it('a text pushed in pieces gives the tokens of the whole, words cut at any boundary', () => {
    const text = 'the quick  brown fox\njumps over';
    const whole: string[] = [];
    const w = new TextTokenizer('word', false, false);
    w.push(text, (t) => whole.push(t));
    w.end((t) => whole.push(t));
    for (let cut = 0; cut <= text.length; cut++) {
      const parts: string[] = [];
      const t = new TextTokenizer('word', false, false);
      t.push(text.slice(0, cut), (x) => parts.push(x));
      t.push(text.slice(cut), (x) => parts.push(x));
      t.end((x) => parts.push(x));
      expect(parts).toEqual(whole);
    }
    expect(whole).toEqual(['the', 'quick', 'brown', 'fox', 'jumps', 'over']);
  });

  it('refuses bad options by name', () => {
    expect(() => fromText('a b', { window: 0 })).toThrow(/option window .* got 0/);
    expect(() => fromText('a b', { tokens: 'byte' as 'word' })).toThrow(/option tokens must be "word" or "char"/);
    expect(() => fromText('a b', { maxVocab: 1 })).toThrow(/option maxVocab must be an integer ≥ 2/);
    expect(() => fromText('a', { window: 3 })).toThrow(NtpError);
  });
});

describe('ntp text', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ntp-text-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the windows of several files (each starting afresh) in the dataset format', async () => {
    await writeFile(join(dir, 'a.txt'), 'x y x y');
    await writeFile(join(dir, 'b.txt'), 'y x');
    const out = join(dir, 'data.json');
    const io = capture();
    expect(await main(['text', join(dir, 'a.txt'), join(dir, 'b.txt'), '--window', '2', '--out', out], io)).toBe(0);
    const ds = parseDataset(await readFile(out, 'utf8'));
    expect(readable(ds)).toEqual(['x → y ×1', 'x y → x ×1', 'y x → y ×1', 'y → x ×1']);
    expect(io.out).toBe(`wrote ${out}: |V| = 2 tokens, 4 distinct windows of 4 (window 2)\n`);
    expect(await readdir(dir)).toEqual(['a.txt', 'b.txt', 'data.json']);
  });

  it('a malformed command line exits 2; a missing file exits 1; neither writes anything', async () => {
    const out = join(dir, 'data.json');
    let io = capture();
    expect(await runText([join(dir, 'none.txt'), '--window', 'x', '--out', out], io)).toBe(2);
    expect(io.err).toMatch(/--window must be an integer/);
    io = capture();
    expect(await runText([join(dir, 'none.txt'), '--out', out], io)).toBe(1);
    expect(io.err).toMatch(/file not found/);
    io = capture();
    expect(await runText([join(dir, 'none.txt')], io)).toBe(2);
    expect(await readdir(dir)).toEqual([]);
  });
});
