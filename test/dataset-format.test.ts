import { describe, expect, it } from 'vitest';
import { NtpError } from '../src/errors.js';
import {
  datasetToJSON,
  fromArrays,
  fromSentences,
  fromText,
  jsonErrorPosition,
  parseDataset,
  stringifyDataset,
  validateDataset,
} from '../src/dataset/format.js';
import { svopExample } from '../src/dataset/svop.js';
import { generateRealizable } from '../src/dataset/random.js';
import type { Dataset } from '../src/dataset/types.js';

/** Runs fn and returns the NtpError it throws (fails the test otherwise). */
function errorOf(fn: () => unknown): NtpError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NtpError);
    return e as NtpError;
  }
  throw new Error('expected an NtpError, nothing was thrown');
}

const parseObj = (obj: unknown) => parseDataset(JSON.stringify(obj));

describe('parseDataset', () => {
  it('reads samples and sentences, merging duplicates into counts', () => {
    const ds = parseObj({
      vocab: ['S', 'V', 'O', 'P'],
      samples: [
        { context: ['S', 'V'], next: 'O' },
        { context: ['S'], next: 'V', count: 3 },
      ],
      sentences: [['S', 'V', 'O']],
    });
    expect(ds.vocab).toEqual(['S', 'V', 'O', 'P']);
    // Sentence SVO gives (S→V) and (SV→O), both already listed: counts rise instead of new samples.
    expect(ds.samples).toEqual([
      { context: [0, 1], next: 2 },
      { context: [0], next: 1 },
    ]);
    expect(ds.counts).toEqual([2, 4]);
    expect(ds.embedding).toBeUndefined();
  });

  it('expands every prefix of a sentence in order', () => {
    const ds = parseObj({ vocab: ['a', 'b', 'c'], sentences: [['a', 'b', 'c', 'a']] });
    expect(ds.samples).toEqual([
      { context: [0], next: 1 },
      { context: [0, 1], next: 2 },
      { context: [0, 1, 2], next: 0 },
    ]);
    expect(ds.counts).toEqual([1, 1, 1]);
  });

  it('keeps a valid embedding', () => {
    const ds = parseObj({ vocab: ['a', 'b'], samples: [{ context: ['a'], next: 'b' }], embedding: [[1, 0, 0], [0, 0.5, -2]] });
    expect(ds.embedding).toEqual([[1, 0, 0], [0, 0.5, -2]]);
  });

  it('accepts a UTF-8 byte-order mark', () => {
    const ds = parseDataset(`\uFEFF${JSON.stringify({ vocab: ['a', 'b'], sentences: [['a', 'b']] })}`);
    expect(ds.samples).toEqual([{ context: [0], next: 1 }]);
  });

  it('round-trips datasetToJSON and stringifyDataset, counts and embedding included', () => {
    const cases: Dataset[] = [
      svopExample(),
      generateRealizable({ seed: 7 }),
      fromArrays(['x', 'y', 'z'], [
        { context: ['x', 'y'], next: 'z', count: 5 },
        { context: [2], next: 0 },
        { context: ['x', 'y'], next: 'z' },
      ], { embedding: [[1, 0], [0, 1], [0.6, 0.8]] }),
    ];
    for (const ds of cases) {
      expect(parseDataset(JSON.stringify(datasetToJSON(ds)))).toStrictEqual(ds);
      expect(parseDataset(stringifyDataset(ds))).toStrictEqual(ds);
    }
    expect(cases[2].counts).toEqual([6, 1]);
    const json = datasetToJSON(cases[2]);
    expect(json.samples).toEqual([
      { context: ['x', 'y'], next: 'z', count: 6 },
      { context: ['z'], next: 'x' },
    ]);
  });

  it('rejects malformed JSON with line, column and position', () => {
    const text = '{\n  "vocab": ["S",\n    "V" "O"]\n}';
    const e = errorOf(() => parseDataset(text));
    expect(e.code).toBe('invalid-json');
    const pos = text.indexOf('"O"');
    expect(e.message).toContain(`malformed JSON at line 3, column 9 (position ${pos})`);
    // V8 does not give the position for every error kind; ours must still point at the problem.
    const e2 = errorOf(() => parseDataset('{"vocab": }'));
    expect(e2.message).toContain('line 1, column 11 (position 10)');
    expect(e2.message).toContain("Unexpected token '}'");
    const e3 = errorOf(() => parseDataset('{"vocab": ["a"]'));
    expect(e3.message).toContain('position 15');
    const e4 = errorOf(() => parseDataset(''));
    expect(e4.message).toContain('position 0');
  });

  it('jsonErrorPosition agrees with valid JSON and finds errors', () => {
    expect(jsonErrorPosition('{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n"],"b":{}}')).toBe(-1);
    expect(jsonErrorPosition('[1,2,]')).toBe(5);
    expect(jsonErrorPosition('[01]')).toBe(2);
    expect(jsonErrorPosition('{"a" 1}')).toBe(5);
    expect(jsonErrorPosition('"abc')).toBe(4);
    expect(jsonErrorPosition('[1] x')).toBe(4);
    expect(jsonErrorPosition('[tru]')).toBe(4);
  });

  it('rejects a context token that is not in vocab, naming the sample and token', () => {
    const e = errorOf(() =>
      parseObj({
        vocab: ['S', 'V'],
        samples: [
          { context: ['S'], next: 'V' },
          { context: ['V'], next: 'S' },
          { context: ['S', 'V'], next: 'S' },
          { context: ['S', 'X'], next: 'V' },
        ],
      }),
    );
    expect(e.message).toBe('sample 3: token "X" is not in vocab');
    expect(e.code).toBe('invalid-dataset');
  });

  it('rejects a next token that is not in vocab', () => {
    const e = errorOf(() => parseObj({ vocab: ['S', 'V'], samples: [{ context: ['S'], next: 'Q' }] }));
    expect(e.message).toBe('sample 0: next token "Q" is not in vocab');
  });

  it('rejects a sentence token that is not in vocab, naming sentence and position', () => {
    const e = errorOf(() => parseObj({ vocab: ['a', 'b', 'c'], sentences: [['a', 'b'], ['b', 'c'], ['a', 'b', 'c', 'c', 'zz']] }));
    expect(e.message).toBe('sentence 2, token 4: "zz" is not in vocab');
  });

  it('rejects duplicate vocab entries', () => {
    const e = errorOf(() => parseObj({ vocab: ['S', 'V', 'O', 'V'], sentences: [['S', 'V']] }));
    expect(e.message).toBe('duplicate vocab entry "V" (vocab positions 1 and 3)');
  });

  it('rejects an empty context', () => {
    const e = errorOf(() => parseObj({ vocab: ['a', 'b'], samples: [{ context: ['a'], next: 'b' }, { context: [], next: 'a' }] }));
    expect(e.message).toBe('sample 1: context is empty (a sample needs at least its query token)');
  });

  it('rejects a missing next', () => {
    const e = errorOf(() => parseObj({ vocab: ['a', 'b'], samples: [{ context: ['a'], next: 'b' }, { context: ['a'], next: 'a' }, { context: ['b', 'a'] }] }));
    expect(e.message).toBe('sample 2: missing "next"');
  });

  it('rejects an embedding with the wrong number of rows', () => {
    const e = errorOf(() => parseObj({ vocab: ['a', 'b', 'c'], sentences: [['a', 'b']], embedding: [[1, 0], [0, 1]] }));
    expect(e.message).toBe('"embedding" has 2 rows but vocab has 3 tokens (one row per token)');
  });

  it('rejects ragged embedding rows', () => {
    const e = errorOf(() => parseObj({ vocab: ['a', 'b', 'c'], sentences: [['a', 'b']], embedding: [[1, 0, 0], [0, 1, 0], [0, 1]] }));
    expect(e.message).toBe('embedding row 2 ("c") has length 2 but row 0 has length 3 (rows must all have the same length)');
  });

  it('rejects NaN and other non-finite or non-numeric embedding entries', () => {
    const ds = { vocab: ['a', 'b'], samples: [{ context: ['a'], next: 'b' }] };
    const e = errorOf(() => fromArrays(ds.vocab, ds.samples, { embedding: [[1, 0], [0, Number.NaN]] }));
    expect(e.message).toBe('embedding row 1 ("b"), column 1 is not a finite number (got NaN)');
    const e2 = errorOf(() => fromArrays(ds.vocab, ds.samples, { embedding: [[Infinity, 0], [0, 1]] }));
    expect(e2.message).toBe('embedding row 0 ("a"), column 0 is not a finite number (got Infinity)');
    // JSON has no NaN; what it can carry instead is null or a string.
    const e3 = errorOf(() => parseObj({ ...ds, embedding: [[1, 0], [null, 1]] }));
    expect(e3.message).toBe('embedding row 1 ("b"), column 0 is not a finite number (got null)');
    const nanText = '{"vocab":["a","b"],"samples":[{"context":["a"],"next":"b"}],"embedding":[[1,0],[0,NaN]]}';
    const e4 = errorOf(() => parseDataset(nanText));
    expect(e4.code).toBe('invalid-json');
    expect(e4.message).toBe(`malformed JSON at line 1, column ${nanText.indexOf('NaN') + 1} (position ${nanText.indexOf('NaN')}): Unexpected token 'N'`);
  });

  it('rejects a file with neither samples nor sentences', () => {
    const e = errorOf(() => parseObj({ vocab: ['a', 'b'] }));
    expect(e.message).toBe('the dataset needs "samples" or "sentences" (neither is present)');
  });

  it('rejects other structural mistakes with precise messages', () => {
    expect(errorOf(() => parseObj([1, 2])).message).toContain('must be a JSON object');
    expect(errorOf(() => parseObj({ vocab: ['a'], sample: [] })).message).toBe(
      'unknown field "sample" (allowed: vocab, samples, sentences, embedding, description)',
    );
    expect(errorOf(() => parseObj({ vocab: [], samples: [] })).message).toBe('"vocab" is empty');
    expect(errorOf(() => parseObj({ vocab: ['a', 5], samples: [] })).message).toBe('vocab entry 1 must be a string (got 5)');
    expect(errorOf(() => parseObj({ vocab: ['a'], samples: [] })).message).toBe('the dataset has no samples');
    expect(errorOf(() => parseObj({ vocab: ['a'], samples: [{ context: ['a'], next: 'a', nxt: 'a' }] })).message).toBe(
      'sample 0: unknown field "nxt" (allowed: context, next, count)',
    );
    expect(errorOf(() => parseObj({ vocab: ['a'], samples: [{ context: ['a'], next: 'a', count: 0 }] })).message).toBe(
      'sample 0: "count" must be a positive integer (got 0)',
    );
    expect(errorOf(() => parseObj({ vocab: ['a'], samples: [{ context: [0], next: 'a' }] })).message).toBe(
      'sample 0: context token 0 must be a string (got 0)',
    );
    expect(errorOf(() => parseObj({ vocab: ['a', 'b'], sentences: [['a', 'b'], ['a']] })).message).toBe(
      'sentence 1: has 1 token; a sentence needs at least 2 to give a sample',
    );
  });

  it('parses a file of 10^6 samples in a few seconds', () => {
    const V = 1000;
    const vocab = Array.from({ length: V }, (_, i) => `w${i}`);
    const lines: string[] = [];
    for (let n = 0; n < 1_000_000; n++) {
      // 900k distinct samples, the last 100k repeat the first ones (counts 2).
      const m = n % 900_000;
      const a = m % V;
      const b = Math.floor(m / V) % V;
      const c = Math.floor(m / (V * V)) + (m % 7);
      lines.push(`{"context":["w${a}","w${b}","w${c % V}","w${(a + b) % V}"],"next":"w${(a * 7 + b) % V}"}`);
    }
    const text = `{"vocab":${JSON.stringify(vocab)},"samples":[\n${lines.join(',\n')}\n]}`;
    const ds = parseDataset(text);
    expect(ds.samples.length).toBe(900_000);
    expect(ds.counts.reduce((s, c) => s + c, 0)).toBe(1_000_000);
    expect(ds.counts[0]).toBe(2);
    expect(ds.counts[899_999]).toBe(1);
    expect(ds.samples[1]).toEqual({ context: [1, 0, 1, 1], next: 7 });
  });
});

describe('builders', () => {
  it('fromArrays accepts names and ids alike', () => {
    const ds = fromArrays(['a', 'b', 'c'], [
      { context: ['a', 'b'], next: 'c' },
      { context: [0, 1], next: 2 },
      { context: [2], next: 'a' },
    ]);
    expect(ds.samples).toEqual([
      { context: [0, 1], next: 2 },
      { context: [2], next: 0 },
    ]);
    expect(ds.counts).toEqual([2, 1]);
    expect(errorOf(() => fromArrays(['a'], [{ context: [3], next: 0 }])).message).toBe('sample 0: token id 3 is out of range (vocab has 1 tokens)');
  });

  it('fromSentences infers the vocabulary in order of first appearance', () => {
    const ds = fromSentences(null, [['the', 'cat', 'sat'], ['a', 'cat', 'ran']]);
    expect(ds.vocab).toEqual(['the', 'cat', 'sat', 'a', 'ran']);
    expect(ds.samples).toEqual([
      { context: [0], next: 1 },
      { context: [0, 1], next: 2 },
      { context: [3], next: 1 },
      { context: [3, 1], next: 4 },
    ]);
    const e = errorOf(() => fromSentences(['a', 'b'], [['a', 'b'], ['b', 'x']]));
    expect(e.message).toBe('sentence 1, token 1: "x" is not in vocab');
  });

  it('fromText splits on . ! ? and line breaks, words on whitespace', () => {
    const ds = fromText('the cat sat. The dog ran!\nYes.  a  cat   sat?');
    expect(ds.vocab).toEqual(['the', 'cat', 'sat', 'The', 'dog', 'ran', 'a']);
    expect(ds.samples.map((s) => [s.context.map((t) => ds.vocab[t]).join(' '), ds.vocab[s.next]])).toEqual([
      ['the', 'cat'],
      ['the cat', 'sat'],
      ['The', 'dog'],
      ['The dog', 'ran'],
      ['a', 'cat'],
      ['a cat', 'sat'],
    ]);
    expect(errorOf(() => fromText('Yes. No!')).message).toBe('the text has no sentence with at least 2 words');
  });

  it('validateDataset catches inconsistent hand-built datasets', () => {
    const base = svopExample();
    expect(() => validateDataset(base)).not.toThrow();
    expect(errorOf(() => validateDataset({ ...base, counts: base.counts.slice(1) })).message).toBe('dataset has 9 samples but 8 counts');
    expect(errorOf(() => validateDataset({ ...base, samples: [...base.samples.slice(0, 8), base.samples[0]] })).message).toBe(
      'samples 0 and 8 are identical; merge them by adding their counts',
    );
    expect(errorOf(() => datasetToJSON({ vocab: ['a'], samples: [{ context: [1], next: 0 }], counts: [1] })).message).toBe(
      'sample 0: token id 1 is out of range (vocab has 1 tokens)',
    );
  });
});
