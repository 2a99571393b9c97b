import { describe, expect, it } from 'vitest';
import { analyze, generalizationCases, type QueryAnalysis } from '../src/dataset/analyze.js';
import { svopExample } from '../src/dataset/svop.js';

const ds = svopExample();
const a = analyze(ds);
const id = (t: string) => ds.vocab.indexOf(t);
const names = (ids: readonly number[]) => ids.map((t) => ds.vocab[t]);
const query = (q: string): QueryAnalysis => a.queries[a.queryIndex[id(q)]];
const show = (ctx: readonly number[]) => names(ctx).join(' ');

describe('SVOP example (paper Examples 1–2)', () => {
  it('has the 9 prefix samples of SVOP, VOP, OPP, PSV, each once', () => {
    expect(ds.vocab).toEqual(['S', 'V', 'O', 'P']);
    expect(ds.samples.map((s) => `${show(s.context)}→${ds.vocab[s.next]}`)).toEqual([
      'S→V',
      'S V→O',
      'S V O→P',
      'V→O',
      'V O→P',
      'O→P',
      'O P→P',
      'P→S',
      'P S→V',
    ]);
    expect(ds.counts).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('has the collocation S→V, V→O, O→P, P→S', () => {
    expect(names(a.collocation)).toEqual(['V', 'O', 'P', 'S']);
    expect(a.collocationSample).toEqual([0, 3, 5, 7]);
  });

  it('has the orders S >_S P; V >_V S; O >_O S, O >_O V; O >_P P', () => {
    const orders = Object.fromEntries(a.queries.map((qa) => [ds.vocab[qa.query], qa.order.map(([x, y]) => `${ds.vocab[x]}>${ds.vocab[y]}`)]));
    expect(orders).toEqual({ S: ['S>P'], V: ['V>S'], O: ['O>S', 'O>V'], P: ['O>P'] });
    expect(a.queries.every((qa) => qa.cycle === null && qa.complete)).toBe(true);
  });

  it('classifies tokens per query', () => {
    const classes = (q: string) => {
      const qa = query(q);
      return { optimal: names(qa.optimal), nonOptimal: names(qa.nonOptimal), confused: names(qa.confused), nonComparable: names(qa.nonComparable) };
    };
    expect(classes('S')).toEqual({ optimal: ['S'], nonOptimal: ['P'], confused: [], nonComparable: ['V', 'O'] });
    expect(classes('V')).toEqual({ optimal: ['V'], nonOptimal: ['S'], confused: [], nonComparable: ['O', 'P'] });
    expect(classes('O')).toEqual({ optimal: ['O'], nonOptimal: ['S', 'V'], confused: [], nonComparable: ['P'] });
    expect(classes('P')).toEqual({ optimal: ['O'], nonOptimal: ['P'], confused: [], nonComparable: ['S', 'V'] });
    expect(names(query('O').samples.map((n) => ds.samples[n].next))).toEqual(['P', 'P', 'P']);
  });

  it('finds the optimal token of every sample', () => {
    expect(a.optimalOf.map((o) => ds.vocab[o])).toEqual(['S', 'V', 'O', 'V', 'O', 'O', 'O', 'P', 'S']);
    expect(a.nonOptimalOf.map(names)).toEqual([[], ['S'], ['S', 'V'], [], ['V'], [], ['P'], [], ['P']]);
  });

  it('is realizable and satisfies Assumption 3', () => {
    expect(a.violations).toEqual([]);
    expect(a.realizable).toBe(true);
    expect(a.assumption3).toBe(true);
  });

  it('predicts "S P" → V and "O S P" → P (Example 2)', () => {
    const cases = generalizationCases(ds, a);
    const shown = cases.map((c) => `${show(c.context)}→${ds.vocab[c.expected]}`);
    expect(shown).toContain('S P→V');
    expect(shown).toContain('O S P→P');
    expect(cases.filter((c) => c.query === id('P')).map((c) => [show(c.context), ds.vocab[c.expected], c.kind])).toEqual([
      ['S P', 'V', 'nonComparable'],
      ['O S P', 'P', 'withOptimal'],
      ['V P', 'O', 'nonComparable'],
      ['O V P', 'P', 'withOptimal'],
    ]);
    // Under the other queries the query token is itself optimal, so it keeps the prediction.
    expect(cases.filter((c) => c.query === id('S')).map((c) => [show(c.context), ds.vocab[c.expected], c.kind])).toEqual([
      ['V P S', 'V', 'withOptimal'],
      ['O P S', 'V', 'withOptimal'],
    ]);
    // No case repeats a training context: the theory is about unseen data.
    const seen = new Set(ds.samples.map((s) => show(s.context)));
    expect(cases.some((c) => seen.has(show(c.context)))).toBe(false);
    expect(generalizationCases(ds, a, { maxPerQuery: 1 }).filter((c) => c.query === id('P')).length).toBe(2);
  });
});
