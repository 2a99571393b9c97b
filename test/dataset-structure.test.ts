// How much of a dataset has the paper's structure (src/dataset/structure.ts), on worked examples.
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/dataset/analyze.js';
import { fromArrays, fromText } from '../src/dataset/format.js';
import { measureStructure } from '../src/dataset/structure.js';
import { svopExample } from '../src/dataset/svop.js';

describe('measureStructure', () => {
  it('bigram text "a b a c a b" (window 1): fractions by count, conflicts, next tokens per query', () => {
    // samples: a→b ×2, b→a, a→c, c→a; n̂(a) = b, n̂(b) = n̂(c) = a
    const ds = fromText('a b a c a b', { window: 1 });
    const r = measureStructure(ds, analyze(ds));
    expect(r.total).toBe(5);
    expect(r.withOptimal).toBe(1); // every label is some n(x) of the length-1 samples (a has two)
    expect(r.withOptimalBigram).toBe(4 / 5); // a→c is not n̂(a)
    expect(r.collocation).toEqual({ tokens: 3, defined: 3, conflicting: 1, meanNextTokens: 4 / 3, bigramMass: 4 / 5 });
    expect(r.scc).toEqual({ queries: 0, acyclic: 0, cyclicComponents: 0, largest: 0 });
  });

  it('a two-token cycle in the query graph under n̂', () => {
    const ds = fromArrays(['p', 'q', 'r'], [
      { context: ['p'], next: 'q' },
      { context: ['q'], next: 'r' },
      { context: ['p', 'q', 'r'], next: 'q' }, // optimal p (n̂(p) = q): p → q, p → r
      { context: ['q', 'p', 'r'], next: 'r' }, // optimal q (n̂(q) = r): q → p, q → r
    ]);
    const r = measureStructure(ds, analyze(ds));
    expect(r.sccBigram).toEqual({ queries: 1, acyclic: 0, cyclicComponents: 1, largest: 2 });
    expect(r.withOptimalBigram).toBe(1);
  });

  it('realizable data: all of it has the structure', () => {
    const ds = svopExample();
    const r = measureStructure(ds, analyze(ds));
    expect(r.withOptimal).toBe(1);
    expect(r.collocation.conflicting).toBe(0);
    expect(r.scc.acyclic).toBe(r.scc.queries);
    expect(r.scc.largest).toBe(1);
  });
});
