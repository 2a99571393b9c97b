// The cyclic-orders page: a worked example or Li et al.'s generator, Algorithm 1 in the training
// worker (worker.ts, the core family's), Figure 2 live against W_svm, and W_svm and W_fin beside
// the learned W_kq, docs/theory/cyclic.md.
import { analyze, tokenScores, type Dataset, type ModelParameters, type TrainRecord } from 'ntp-dynamics';
import { byId, fillOptions, fmt, h } from './dom.js';
import { DEFAULT_EXAMPLE, EXAMPLES, references } from './families/cyclic.js';
import { LiveFigure } from './figure.js';
import { renderHeatmaps } from './heatmap.js';
import { mountNav } from './nav.js';
import { pageStatus, showError } from './page-status.js';
import type { FromWorker, RunSettings, ToWorker } from './protocol.js';
import { trainPanel } from './train-panel.js';

const status = pageStatus();
mountNav('cyclic');
const ui = trainPanel();

const input = (id: string) => byId<HTMLInputElement>(id);
const errorBox = byId('error');
const example = fillOptions(byId<HTMLSelectElement>('example'), EXAMPLES, DEFAULT_EXAMPLE);

let dataset: Dataset = EXAMPLES[DEFAULT_EXAMPLE].dataset();
/** The samples with their attention target t (the token whose collocation n(t) is the next token), as the paper writes them. */
function showSamples(): void {
  dataset = EXAMPLES[example.value].dataset();
  const ds = dataset;
  const n = analyze(ds).collocation;
  const row = (...cells: string[]) => h('tr', {}, ...cells.map((c) => h('td', {}, c)));
  const rows = ds.samples.flatMap((s, i) => {
    if (s.context.length < 2) return [];
    const target = n.indexOf(s.next);
    return [row(s.context.map((t) => ds.vocab[t]).join(' '), target >= 0 ? ds.vocab[target] : '—', ds.vocab[s.next], String(ds.counts?.[i] ?? 1))];
  });
  const colloc = n.flatMap((y, x) => (y >= 0 ? [`${ds.vocab[x]} → ${ds.vocab[y]}`] : [])).join(', ');
  byId('samples').replaceChildren(
    h('p', { class: 'meta' }, `|V| = ${ds.vocab.length}, ${ds.embedding ? `embedding d = ${ds.embedding[0].length}` : 'one-hot embedding'}; collocation n: ${colloc}.`),
    h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'context'), h('th', {}, 'target t'), h('th', {}, 'next = n(t)'), h('th', {}, 'count'))), h('tbody', {}, ...rows))),
  );
}
example.addEventListener('change', showSamples);
showSamples();

const figure = new LiveFigure(byId('figure'));
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (msg: ToWorker) => worker.postMessage(msg);

let run: { ds: Dataset; d: number; E: Float64Array | null; cosine: number | null; hasTarget: boolean } | null = null;

function setState(s: string): void {
  ui.status.textContent = s;
  ui.train.disabled = s === 'starting' || s === 'running' || s === 'stopping';
  ui.stop.disabled = s !== 'running';
  ui.resume.disabled = !s.startsWith('paused');
}

async function showResult(params: ModelParameters): Promise<void> {
  if (run === null) return;
  const { ds, d, E } = run;
  const V = ds.vocab.length;
  await renderHeatmaps(byId('heatmaps'), ds.vocab, [{ title: 'learned W_kq', values: tokenScores(params.Wkq, E, V, d) }, ...references(ds, E, d)]);
}

worker.addEventListener('message', (e: MessageEvent<FromWorker>) => {
  const msg = e.data;
  switch (msg.type) {
    case 'ready':
      if (run === null) return;
      Object.assign(run, { d: msg.d, E: msg.E, hasTarget: msg.target !== null });
      if (msg.target) figure.setReference(msg.target.label);
      byId('backend-used').textContent = `${msg.backend} ${msg.precision}${msg.threads > 1 ? `, ${msg.threads} threads` : ''}${msg.fallback ? ' (fallback)' : ''}`;
      if (msg.threadNote) showError(errorBox, msg.threadNote, 'warning');
      if (msg.target === null) byId('cosine').textContent = '— (the graph-SVM is infeasible: no direction)';
      ui.setProgress(msg.progress);
      setState('running');
      return;
    case 'records':
      figure.push(msg.records);
      for (const r of msg.records as TrainRecord[]) if (r.stage === 'stage2' && run) run.cosine = r.cosine;
      byId('loss').textContent = fmt(msg.records[msg.records.length - 1].loss, 6);
      if (run?.hasTarget) byId('cosine').textContent = fmt(run.cosine, 6);
      ui.setProgress(msg.progress);
      return;
    case 'result':
      ui.setProgress(msg.progress);
      byId('loss').textContent = fmt(msg.finalLoss, 6);
      setState(msg.done ? `done: ${(msg.trainingMs / 1000).toFixed(2)} s` : 'paused');
      void Promise.all([figure.flush(), showResult(msg.parameters)]).then(
        () => {
          status.summary = { cosine: run?.hasTarget ? run.cosine : null, loss: msg.finalLoss, steps: msg.progress.step };
          status.done = msg.done;
        },
        (err: unknown) => showError(errorBox, `drawing the result failed: ${err instanceof Error ? err.message : String(err)}`),
      );
      return;
    case 'error':
      showError(errorBox, msg.message);
      Object.assign(status, { error: msg.message, done: true });
      setState('error');
      return;
  }
});
worker.addEventListener('error', (e) => {
  const message = e.message || 'the training worker failed to load';
  showError(errorBox, message);
  Object.assign(status, { error: message, done: true });
  setState('error');
});

ui.train.addEventListener('click', () => {
  showError(errorBox, null);
  Object.assign(status, { done: false, error: null, summary: {} });
  const settings: RunSettings = {
    algorithm: 'two-stage',
    t0: input('t0').valueAsNumber,
    t1: input('t1').valueAsNumber,
    ...ui.backendPrecision(),
    threads: ui.threads(),
  };
  for (const [name, v] of [['T0', settings.t0], ['T1', settings.t1]] as const) {
    if (!Number.isInteger(v) || v < 0) {
      showError(errorBox, `${name} must be a whole number of steps ≥ 0, got ${Number.isNaN(v) ? 'an empty box' : v}`);
      Object.assign(status, { error: `${name} is not a step count`, done: true });
      return;
    }
  }
  run = { ds: dataset, d: 0, E: null, cosine: null, hasTarget: false };
  byId('cosine').textContent = '—';
  byId('heatmaps').replaceChildren(h('p', { class: 'meta' }, 'Shown when the run ends or is stopped.'));
  figure.reset(`${EXAMPLES[example.value].label}; T0 = ${settings.t0}, T1 = ${settings.t1}, ${settings.backend} ${settings.precision}`);
  setState('starting');
  send({ type: 'start', dataset, settings });
});
ui.stop.addEventListener('click', () => {
  send({ type: 'stop' });
  setState('stopping');
});
ui.resume.addEventListener('click', () => {
  send({ type: 'resume' });
  setState('running');
});
setState('idle');
