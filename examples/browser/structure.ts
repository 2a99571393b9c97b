// The dataset's structure in the paper's terms (Section 4.1): the collocation n(·) and, per
// query q, its optimal tokens O_q, non-optimal tokens N_q and non-comparable tokens M_q.
import type { Analysis, Dataset } from 'ntp-dynamics';
import { h } from './dom.js';

/** Rows shown before eliding: a |V| = 4096 dataset would otherwise build a huge table. */
const MAX_ROWS = 40;
/** Tokens listed per cell before eliding. */
const MAX_TOKENS = 16;

export function renderStructure(container: HTMLElement, ds: Dataset, analysis: Analysis, label: string): void {
  const name = (t: number) => ds.vocab[t];
  const list = (ids: readonly number[]) =>
    ids.length === 0 ? '∅' : ids.length <= MAX_TOKENS ? ids.map(name).join(' ') : `${ids.slice(0, MAX_TOKENS).map(name).join(' ')} … (+${ids.length - MAX_TOKENS})`;

  const pairs = analysis.collocation.flatMap((y, x) => (y >= 0 ? [`${name(x)} → ${name(y)}`] : []));
  const colloc = pairs.length <= MAX_TOKENS * 2 ? pairs.join(', ') : `${pairs.slice(0, MAX_TOKENS * 2).join(', ')} … (+${pairs.length - MAX_TOKENS * 2})`;

  const rows = analysis.queries.slice(0, MAX_ROWS).map((qa) =>
    h('tr', {}, h('th', {}, name(qa.query)), h('td', { class: 'opt' }, list(qa.optimal)), h('td', { class: 'nonopt' }, list(qa.nonOptimal)), h('td', { class: 'noncomp' }, list(qa.nonComparable)), h('td', {}, qa.samples.length)),
  );
  const more = analysis.queries.length - MAX_ROWS;
  const total = ds.counts.reduce((a, b) => a + b, 0);
  const status = analysis.realizable
    ? analysis.assumption3
      ? 'realizable (Assumption 1) and Assumption 3 holds'
      : 'realizable (Assumption 1); Assumption 3 fails'
    : 'not realizable: Assumption 1 fails (see the messages above)';

  container.replaceChildren(
    h('p', { class: 'meta' }, `${label}: |V| = ${ds.vocab.length}, ${ds.samples.length} distinct samples (${total} with multiplicity), ${ds.embedding ? `embedding d = ${ds.embedding[0]?.length}` : 'one-hot embedding'}.`),
    h('p', { class: analysis.realizable ? 'ok' : 'bad', 'data-testid': 'realizable' }, status),
    h('p', {}, h('strong', {}, 'Collocation n(x): '), colloc || '∅'),
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'structure', 'data-testid': 'structure-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'query q'), h('th', {}, 'optimal O_q'), h('th', {}, 'non-optimal N_q'), h('th', {}, 'non-comparable M_q'), h('th', {}, 'samples'))),
        h('tbody', {}, ...rows),
      ),
    ),
    ...(more > 0 ? [h('p', { class: 'meta' }, `… and ${more} more queries`)] : []),
    ...sccLines(ds, analysis),
  );
}

/**
 * Cyclic data (docs/theory/cyclic.md): each cyclic query's strongly connected components in topological order;
 * stage 2 grows along the graph-SVM that ranks them and settles inside them at W_fin.
 */
function sccLines(ds: Dataset, analysis: Analysis): HTMLElement[] {
  if (analysis.acyclic) return [];
  const cyclic = analysis.queries.filter((qa) => qa.cycle !== null);
  const line = (qa: (typeof cyclic)[number]) =>
    h('li', {}, h('strong', {}, `query ${ds.vocab[qa.query]}: `), qa.components.slice(0, MAX_TOKENS).map((c) => `{${c.slice(0, MAX_TOKENS).map((t) => ds.vocab[t]).join(' ')}}`).join(' > '));
  return [
    h('p', { class: analysis.trainable ? 'ok' : 'bad' }, `Cyclic orders under ${cyclic.length} quer${cyclic.length === 1 ? 'y' : 'ies'}: strongly connected components, highest first${analysis.trainable ? ' (trainable; the heatmaps add W_svm and W_fin)' : ''}`),
    h('ul', { 'data-testid': 'sccs' }, ...cyclic.slice(0, MAX_ROWS).map(line)),
  ];
}

/** The analyzer's findings as messages for the error box (empty when there are none). */
export function violationMessages(analysis: Analysis): string[] {
  return analysis.violations.map((v) => (v.kind === 'assumption-3' ? `Assumption 3: ${v.message}` : v.message));
}
