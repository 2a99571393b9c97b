import { describe, expect, it } from 'vitest';
import { NtpError } from '../src/errors.js';
import { analyze, assertRealizable, generalizationCases, MAX_LISTED_VIOLATIONS } from '../src/dataset/analyze.js';
import { fromArrays, fromSentences } from '../src/dataset/format.js';
import { generateRealizable } from '../src/dataset/random.js';
import { svopExample } from '../src/dataset/svop.js';

/** Samples written as "a b q>n" for brevity. */
function ds(vocab: string[], lines: string[]) {
  return fromArrays(
    vocab,
    lines.map((l) => {
      const [ctx, next] = l.split('>');
      return { context: ctx.trim().split(/\s+/), next: next.trim() };
    }),
  );
}

// Collocation a→b, b→c, c→q, q→a (a permutation), samples 0–3.
const V4 = ['a', 'b', 'c', 'q'];
const COLLOCATION = ['a>b', 'b>c', 'c>q', 'q>a'];

describe('analyze: Assumption 1 violations', () => {
  it('reports a collocation mapping one token to two next tokens', () => {
    const d = ds(['S', 'V', 'O'], ['S>V', 'V>O', 'O>S', 'S>O']);
    const a = analyze(d);
    expect(a.realizable).toBe(false);
    const v = a.violations.filter((x) => x.kind === 'collocation-not-function');
    expect(v).toEqual([
      {
        kind: 'collocation-not-function',
        message: 'collocation is not a function: token "S" is followed by "V" in sample 0 and by "O" in sample 3',
        samples: [0, 3],
        tokens: ['S', 'V', 'O'],
      },
    ]);
    // The second mapping also makes O's image non-unique.
    expect(a.violations.map((x) => x.kind)).toEqual(['collocation-not-function', 'collocation-not-injective']);
  });

  it('reports two tokens with the same next token', () => {
    const d = ds(['S', 'V', 'O', 'P'], ['S>V', 'V>O', 'P>V']);
    const a = analyze(d);
    expect(a.violations).toEqual([
      {
        kind: 'collocation-not-injective',
        message: 'collocation is not injective: tokens "S" (sample 0) and "P" (sample 2) both have next token "V"',
        samples: [0, 2],
        tokens: ['S', 'P', 'V'],
      },
    ]);
    expect(a.realizable).toBe(false);
  });

  it('reports a sample whose label is n(x) for no x in its context', () => {
    const d = ds(['S', 'V', 'O'], ['S>V', 'V>O', 'S V>S']);
    const a = analyze(d);
    expect(a.violations).toEqual([
      {
        kind: 'no-optimal-token',
        message: 'sample 2 ("S V" → "S"): no token x of the context has n(x) = "S", so the sample has no optimal token',
        samples: [2],
        tokens: ['S', 'V', 'S'],
      },
    ]);
    expect(a.optimalOf).toEqual([0, 1, -1]);
    expect(a.nonOptimalOf[2]).toEqual([]);
  });

  it('reports a confused token', () => {
    // a > b (sample 4) and b > c (sample 5) under query q: b is above c and below a.
    const d = ds(V4, [...COLLOCATION, 'a b q>b', 'b c q>c']);
    const a = analyze(d);
    expect(a.violations).toEqual([
      {
        kind: 'confused-token',
        message: 'query "q": token "b" is confused: above "c" in sample 5 but below "a" in sample 4',
        samples: [5, 4],
        tokens: ['q', 'b', 'c', 'a'],
      },
    ]);
    const qa = a.queries[a.queryIndex[3]];
    expect(qa.optimal).toEqual([0]);
    expect(qa.confused).toEqual([1]);
    expect(qa.nonOptimal).toEqual([2, 3]);
    expect(qa.nonComparable).toEqual([]);
    expect(qa.cycle).toBeNull();
    expect(a.realizable).toBe(false);
  });

  it('reports a cyclic order with its tokens and samples', () => {
    // a > b (sample 4) and b > a (sample 5) under query q.
    const d = ds(V4, [...COLLOCATION, 'a b q>b', 'b a q>c']);
    const a = analyze(d);
    const qa = a.queries[a.queryIndex[3]];
    expect(qa.cycle).toEqual([0, 1]);
    const cyc = a.violations.filter((v) => v.kind === 'cyclic-order');
    expect(cyc).toEqual([
      {
        kind: 'cyclic-order',
        message: 'query "q": the order has a cycle "a" > "b" > "a" (samples 4, 5)',
        samples: [4, 5],
        tokens: ['q', 'a', 'b'],
      },
    ]);
    expect(a.violations.filter((v) => v.kind === 'confused-token').map((v) => v.tokens[1])).toEqual(['a', 'b']);
  });

  it('finds a longer cycle', () => {
    // Under query q: a > b, b > c, c > a.
    const d = ds(V4, [...COLLOCATION, 'a b q>b', 'b c q>c', 'c a q>q']);
    const a = analyze(d);
    const cyc = a.violations.find((v) => v.kind === 'cyclic-order');
    expect(cyc?.message).toBe('query "q": the order has a cycle "a" > "b" > "c" > "a" (samples 4, 5, 6)');
  });

  it('assertRealizable lists every violation', () => {
    const d = ds(V4, ['a>b', 'b>c', 'c>q', 'q>a', 'a>c', 'a b q>b', 'b c q>c', 'c b>a']);
    expect(() => assertRealizable(d)).toThrow(NtpError);
    try {
      assertRealizable(d);
    } catch (e) {
      const err = e as NtpError;
      expect(err.code).toBe('not-realizable');
      expect(err.message).toContain('the dataset is not realizable (Assumption 1 fails, 4 violations):');
      expect(err.message).toContain('token "a" is followed by "b" in sample 0 and by "c" in sample 4');
      expect(err.message).toContain('tokens "b" (sample 1) and "a" (sample 4) both have next token "c"');
      expect(err.message).toContain('sample 7 ("c b" → "a"): no token x');
      expect(err.message).toContain('query "q": token "b" is confused');
    }
    expect(assertRealizable(svopExample()).realizable).toBe(true);
  });

  it('caps the listed violations', () => {
    const vocab = Array.from({ length: 300 }, (_, i) => `t${i}`);
    // Every token maps to t0: 299 injectivity violations.
    const d = ds(vocab, vocab.map((t) => `${t}>t0`));
    expect(analyze(d).violations.length).toBe(299);
    const msg = (() => {
      try {
        assertRealizable(d);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(msg.split('\n').length).toBe(1 + MAX_LISTED_VIOLATIONS + 1);
    expect(msg).toContain(`… and ${299 - MAX_LISTED_VIOLATIONS} more`);
  });
});

describe('analyze: Assumption 3 and comparison graphs', () => {
  it('reports a non-optimal token that outnumbers the optimal one', () => {
    const d = ds(V4, [...COLLOCATION, 'a b b q>b', 'a a b q>b']);
    const a = analyze(d);
    expect(a.realizable).toBe(true);
    expect(a.assumption3).toBe(false);
    expect(a.violations).toEqual([
      {
        kind: 'assumption-3',
        message: 'sample 4 ("a b b q" → "b"): optimal token "a" occurs 1 time but non-optimal "b" occurs 2 times (Assumption 3)',
        samples: [4],
        tokens: ['a', 'b'],
      },
    ]);
  });

  it('detects an incomplete comparison graph (Proposition 2 counter-example)', () => {
    // Proposition 2 counter-example (docs/theory/core.md#proposition-2-is-not-always-exact): constraints a > q, b > c, b > d, b > q under query q.
    const vocab = ['a', 'b', 'c', 'd', 'q', 'A', 'B'];
    const d = ds(vocab, ['a>A', 'b>B', 'a q>A', 'b c d q>B']);
    const a = analyze(d);
    const qa = a.queries[a.queryIndex[4]];
    expect(qa.order).toEqual([
      [0, 4],
      [1, 2],
      [1, 3],
      [1, 4],
    ]);
    expect(qa.optimal).toEqual([0, 1]);
    expect(qa.nonOptimal).toEqual([2, 3, 4]);
    expect(qa.complete).toBe(false);
    expect(a.realizable).toBe(true);
  });
});

describe('generalizationCases', () => {
  it('refuses datasets that are not realizable', () => {
    const d = ds(['S', 'V', 'O', 'P'], ['S>V', 'V>O', 'P>V']);
    expect(() => generalizationCases(d)).toThrow(/generalization cases need a realizable dataset/);
  });

  it('stays bounded on |V| = 1024 and only uses non-comparable tokens', () => {
    const d = generateRealizable({ vocab: 1024, seed: 3 });
    const a = analyze(d);
    expect(a.realizable && a.assumption3).toBe(true);
    const cases = generalizationCases(d, a);
    expect(cases.length).toBe(1024 * 4 * 2);
    for (const c of cases.slice(0, 200)) {
      const qa = a.queries[a.queryIndex[c.query]];
      expect(c.context[c.context.length - 1]).toBe(c.query);
      if (c.kind === 'nonComparable') {
        expect(qa.nonComparable).toContain(c.context[0]);
        expect(c.expected).toBe(a.collocation[c.context[0]]);
      } else {
        expect(qa.optimal).toContain(c.context[0]);
        expect(c.expected).toBe(a.collocation[c.context[0]]);
      }
    }
  });

  it('scales to large vocabularies: non-comparable lists are built only on access', () => {
    // 50 000 tokens, each the query of one sample: eager per-query lists would hold 2.5·10^9 ids.
    const V = 50_000;
    const vocab = Array.from({ length: V }, (_, i) => `w${i}`);
    const sentences = Array.from({ length: V - 1 }, (_, i) => [vocab[i], vocab[i + 1]]);
    const d = fromSentences(vocab, sentences);
    const a = analyze(d);
    const cases = generalizationCases(d, a);
    expect(a.queries.length).toBe(V - 1);
    expect(a.realizable).toBe(true);
    expect(cases).toEqual([]); // only length-1 samples: no query has an optimal token
    expect(a.queries[7].nonComparable.length).toBe(V);
    expect(a.queries[7].nonComparable).toBe(a.queries[7].nonComparable); // memoized
    const svop = analyze(svopExample());
    expect(JSON.parse(JSON.stringify(svop.queries[3])).nonComparable).toEqual([0, 1]);
    expect(structuredClone(svop.queries[3]).nonComparable).toEqual([0, 1]);
  });

  it('analyzes a dataset of 10^6 samples', () => {
    const d = generateRealizable({ vocab: 1000, seed: 11, samplesPerQuery: 999, maxContextLength: 12, nonOptimalPerQuery: 8, optimalPerQuery: 3 });
    const total = d.counts.reduce((s, c) => s + c, 0);
    expect(total).toBe(1_000_000);
    const a = analyze(d);
    expect(a.realizable).toBe(true);
    expect(a.assumption3).toBe(true);
    expect(a.queries.length).toBe(1000);
    expect(a.queries.every((qa) => qa.optimal.length === 3 && qa.nonOptimal.length === 8 && qa.complete)).toBe(true);
  });
});
