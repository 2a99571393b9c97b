import { describe, expect, it } from 'vitest';
import { NtpError } from '../src/errors.js';
import { analyze } from '../src/dataset/analyze.js';
import { createRng, generateRealizable, resolveGenerateOptions } from '../src/dataset/random.js';

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NtpError);
    return (e as Error).message;
  }
  throw new Error('expected an NtpError');
}

describe('createRng', () => {
  it('reproduces the reference mulberry32 stream', () => {
    // Pinned values: any engine doing the same 32-bit integer math must produce exactly these.
    const r = createRng(1);
    expect(r.next()).toBe(0.6270739405881613);
    expect(r.next()).toBe(0.002735721180215478);
    expect(r.int(100)).toBe(52);
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(createRng(2).next()).not.toBe(createRng(1).next());
  });

  it('int(n) covers [0, n) evenly and shuffle permutes', () => {
    const r = createRng(9);
    const hist = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) hist[r.int(10)]++;
    for (const h of hist) expect(Math.abs(h - 10_000)).toBeLessThan(500);
    const p = r.shuffle(Array.from({ length: 50 }, (_, i) => i));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('Rng.fillInt', () => {
  it('draws exactly what int(n) draws, one by one, and leaves the stream where they would', () => {
    for (const n of [1, 2, 7, 54, 1000, 2 ** 31, 2 ** 32]) {
      const a = createRng(123);
      const b = createRng(123);
      const out = new Int32Array(300).fill(-1);
      a.fillInt(out, 10, 290, 5, n);
      const ref = Array.from({ length: 280 }, () => 5 + b.int(n));
      expect(Array.from(out.subarray(10, 290)), `n = ${n}`).toEqual(ref.map((x) => x | 0));
      expect(out[9]).toBe(-1);
      expect(out[290]).toBe(-1);
      expect(a.next()).toBe(b.next());
    }
  });
});

describe('generateRealizable', () => {
  it('is realizable and satisfies Assumption 3 for 100 seeds, with the requested structure', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const ds = generateRealizable({ seed });
      const a = analyze(ds);
      expect(a.violations).toEqual([]);
      expect(a.realizable && a.assumption3).toBe(true);
      expect(ds.vocab.length).toBe(20);
      // 20 collocation samples + 6 per query, duplicates folded into counts.
      expect(ds.counts.reduce((s, c) => s + c, 0)).toBe(140);
      // The collocation is a permutation of all tokens.
      expect([...a.collocation].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(a.queries.length).toBe(20);
      for (const qa of a.queries) {
        expect(qa.optimal.length).toBe(2);
        expect(qa.nonOptimal.length).toBe(4);
        expect(qa.nonOptimal).toContain(qa.query);
        expect(qa.confused).toEqual([]);
        expect(qa.nonComparable.length).toBe(14);
        expect(qa.complete).toBe(true);
        // Its collocation sample plus samplesPerQuery samples, counting multiplicity.
        expect(qa.samples.reduce((s, n) => s + ds.counts[n], 0)).toBe(7);
      }
      for (const s of ds.samples) expect(s.context.length).toBeLessThanOrEqual(8);
      expect(ds.embedding).toBeUndefined();
    }
  });

  it('gives identical output for the same seed and different output for different seeds', () => {
    const a = generateRealizable({ seed: 123, vocab: 50 });
    const b = generateRealizable({ seed: 123, vocab: 50 });
    expect(b).toStrictEqual(a);
    const c = generateRealizable({ seed: 124, vocab: 50 });
    expect(c.samples).not.toEqual(a.samples);
    expect(generateRealizable({ seed: 1 }).samples).not.toEqual(generateRealizable({ seed: 2 }).samples);
  });

  it('pins the first samples of seed 1 (cross-platform reproducibility)', () => {
    const ds = generateRealizable({ seed: 1 });
    const show = (n: number) => `${ds.samples[n].context.map((t) => ds.vocab[t]).join(' ')}>${ds.vocab[ds.samples[n].next]}`;
    expect(show(0)).toBe('t0>t3');
    expect(show(1)).toBe('t1>t6');
    expect(show(10)).toBe('t10>t10');
  });

  it('makes every query comparison graph incomplete with incomplete: true, staying realizable', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const ds = generateRealizable({ seed, incomplete: true });
      const a = analyze(ds);
      expect(a.realizable && a.assumption3).toBe(true);
      for (const qa of a.queries) {
        expect(qa.complete).toBe(false);
        // One optimal token meets only the query: |N_q| − 1 pairs never meet.
        expect(qa.order.length).toBe(qa.optimal.length * qa.nonOptimal.length - (qa.nonOptimal.length - 1));
        const lonely = qa.optimal.filter((o) => qa.order.filter(([a]) => a === o).length === 1);
        expect(lonely).toHaveLength(1);
        expect(qa.order).toContainEqual([lonely[0], qa.query]);
        expect(qa.optimal.length).toBe(2);
        expect(qa.nonOptimal.length).toBe(4);
      }
    }
  });

  it('can make the query its own optimal token when optimalPerQuery = 1', () => {
    let queryOptimal = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const ds = generateRealizable({ seed, optimalPerQuery: 1, nonOptimalPerQuery: 3, vocab: 8 });
      const a = analyze(ds);
      expect(a.realizable && a.assumption3).toBe(true);
      for (const qa of a.queries) {
        expect(qa.optimal.length).toBe(1);
        expect(qa.confused).toEqual([]);
        if (qa.optimal[0] === qa.query) {
          queryOptimal++;
          expect(qa.nonOptimal.length).toBe(3);
        } else {
          expect(qa.nonOptimal).toContain(qa.query);
        }
      }
    }
    expect(queryOptimal).toBeGreaterThan(0);
  });

  it('respects other option values', () => {
    const ds = generateRealizable({ vocab: 40, seed: 5, samplesPerQuery: 10, maxContextLength: 5, optimalPerQuery: 3, nonOptimalPerQuery: 6 });
    const a = analyze(ds);
    expect(a.realizable && a.assumption3).toBe(true);
    expect(ds.counts.reduce((s, c) => s + c, 0)).toBe(40 * 11);
    expect(Math.max(...ds.samples.map((s) => s.context.length))).toBeLessThanOrEqual(5);
    expect(a.queries.every((qa) => qa.optimal.length === 3 && qa.nonOptimal.length === 6 && qa.complete)).toBe(true);
  });

  it('validates options, naming the option', () => {
    expect(message(() => generateRealizable({ vocab: 1 }))).toBe('option vocab must be an integer >= 2 and <= 4096 (got 1)');
    expect(message(() => generateRealizable({ vocab: 2.5 }))).toBe('option vocab must be an integer >= 2 and <= 4096 (got 2.5)');
    expect(message(() => generateRealizable({ seed: -1 }))).toBe('option seed must be an integer in [0, 4294967295] (got -1)');
    expect(message(() => generateRealizable({ samplesPerQuery: 0 }))).toBe('option samplesPerQuery must be an integer >= 1 (got 0)');
    expect(message(() => generateRealizable({ maxContextLength: 1 }))).toBe('option maxContextLength must be an integer >= 2 (got 1)');
    expect(message(() => generateRealizable({ optimalPerQuery: 0 }))).toBe('option optimalPerQuery must be an integer >= 1 (got 0)');
    expect(message(() => generateRealizable({ vocab: 5, optimalPerQuery: 2, nonOptimalPerQuery: 4 }))).toBe(
      'options optimalPerQuery (2) + nonOptimalPerQuery (4) must be <= vocab (5): a query\'s optimal and non-optimal tokens are distinct tokens',
    );
    expect(message(() => generateRealizable({ maxContextLength: 2 }))).toContain('option maxContextLength must be >= 3 when nonOptimalPerQuery >= 2');
    expect(message(() => generateRealizable({ samplesPerQuery: 1 }))).toBe(
      'option samplesPerQuery must be >= 2 with optimalPerQuery=2, nonOptimalPerQuery=4, maxContextLength=8: every optimal token must meet every non-optimal token it is meant to meet',
    );
    expect(message(() => generateRealizable({ incomplete: true, optimalPerQuery: 1 }))).toContain(
      'option incomplete needs optimalPerQuery >= 2 and nonOptimalPerQuery > optimalPerQuery (got 1 and 4)',
    );
    expect(message(() => resolveGenerateOptions({ vocab: 0 }, (k) => `--${k}`))).toBe('option --vocab must be an integer >= 2 and <= 4096 (got 0)');
    // Minimal settings still work.
    const tiny = generateRealizable({ vocab: 2, optimalPerQuery: 1, nonOptimalPerQuery: 1, maxContextLength: 2, samplesPerQuery: 1 });
    expect(analyze(tiny).realizable).toBe(true);
  });
});
