// The trained model answering a typed context: next token, its probability and where the
// attention went. Runs predict() on the main thread: one context is a few |V|·d operations.
import { predict, type ModelParameters } from 'ntp-dynamics';
import { fmt, h } from './dom.js';

/** Token ids of a whitespace-separated context, or a message naming the first unknown token. */
export function parseContext(text: string, vocab: readonly string[]): number[] | string {
  const words = text.trim().split(/\s+/).filter((w) => w.length > 0);
  if (words.length === 0) return 'type a context, e.g. "S P" (tokens separated by spaces; the last one is the query)';
  const index = new Map(vocab.map((t, i) => [t, i]));
  const ids: number[] = [];
  for (const w of words) {
    const id = index.get(w);
    if (id === undefined) return `unknown token "${w}" (the vocabulary is ${vocab.length <= 30 ? vocab.join(' ') : `${vocab.slice(0, 30).join(' ')} …`})`;
    ids.push(id);
  }
  return ids;
}

export function renderPrediction(container: HTMLElement, text: string, vocab: readonly string[], params: ModelParameters | null): void {
  if (params === null) {
    container.replaceChildren(h('p', { class: 'meta' }, 'Train (or stop a run) to get a model to ask.'));
    return;
  }
  const ids = parseContext(text, vocab);
  if (typeof ids === 'string') {
    container.replaceChildren(h('p', { class: 'bad', 'data-testid': 'prediction-error' }, ids));
    return;
  }
  const p = predict(params, ids);
  const rows = ids.map((t, l) =>
    h(
      'tr',
      {},
      h('td', {}, l === ids.length - 1 ? `${vocab[t]} (query)` : vocab[t]),
      h('td', { class: 'num' }, fmt(p.attention[l])),
      h('td', { class: 'bar' }, h('span', { style: `width:${(100 * p.attention[l]).toFixed(1)}%` })),
    ),
  );
  container.replaceChildren(
    h('p', { class: 'answer' }, 'next token ', h('strong', { 'data-testid': 'prediction-next' }, vocab[p.next]), ` with probability `, h('span', { 'data-testid': 'prediction-probability' }, fmt(p.probability))),
    h('table', { class: 'attention' }, h('thead', {}, h('tr', {}, h('th', {}, 'position'), h('th', {}, 'attention'), h('th', {}, ''))), h('tbody', {}, ...rows)),
  );
}
