// The lab page: picks a dataset, shows its structure, drives the training worker and draws
// what comes back. Training itself never runs here (see worker.ts).
import { analyze, tokenScores, type Algorithm, type BackendName, type Dataset, type ModelParameters, type Stage2Record, type StageOutcome } from 'ntp-dynamics';
import { loadDataset, type Source } from './data.js';
import { byId, fmt, h } from './dom.js';
import { LiveFigure } from './figure.js';
import { renderHeatmaps } from './heatmap.js';
import { renderPrediction } from './prediction.js';
import type { FromWorker, RunSettings, ToWorker } from './protocol.js';
import { renderStructure, violationMessages } from './structure.js';
import { references as cyclicReferences } from './families/cyclic.js';
import { mountNav } from './nav.js';
import { trainPanel } from './train-panel.js';

/** What an automated test reads (test/browser/lab.test.ts): set from the worker's messages only. */
interface LabStatus {
  backendUsed: BackendName | null;
  finalLoss: number | null;
  done: boolean;
  error: string | null;
}

declare global {
  interface Window {
    __ntpLab: LabStatus;
  }
}

const lab: LabStatus = { backendUsed: null, finalLoss: null, done: false, error: null };
window.__ntpLab = lab;

const ui = {
  error: byId('error'),
  source: byId<HTMLSelectElement>('source'),
  randomOptions: byId('random-options'),
  uploadOptions: byId('upload-options'),
  vocab: byId<HTMLInputElement>('vocab'),
  seed: byId<HTMLInputElement>('seed'),
  incomplete: byId<HTMLInputElement>('incomplete'),
  generate: byId<HTMLButtonElement>('generate'),
  file: byId<HTMLInputElement>('file'),
  structure: byId('structure'),
  algorithm: byId<HTMLSelectElement>('algorithm'),
  t0: byId<HTMLInputElement>('t0'),
  t1: byId<HTMLInputElement>('t1'),
  backendUsed: byId('backend-used'),
  lossLabel: byId('loss-label'),
  loss: byId('final-loss'),
  trainingTime: byId('training-time'),
  heatmaps: byId('heatmaps'),
  summary: byId('result-summary'),
  context: byId<HTMLInputElement>('context'),
  prediction: byId('prediction'),
};

type RunState = 'idle' | 'starting' | 'running' | 'stopping' | 'paused' | 'done' | 'error';

interface RunInfo {
  vocab: string[];
  V: number;
  d: number;
  E: Float64Array | null;
  target: { Wkq: Float64Array; label: 'W*_kq' | 'W_svm'; prop2Gap: number | null } | null;
  lastStage2: Stage2Record | null;
  settings: RunSettings;
}

let dataset: Dataset | null = null;
let run: RunInfo | null = null;
let params: ModelParameters | null = null;
let runState: RunState = 'idle';
// each data load gets a number, so a slow upload cannot overwrite a later choice
let loadSeq = 0;

mountNav('core');
// the core page's panel keeps its own HTML (its run state is #run-status, the tests' name for it)
const panel = trainPanel({ status: 'run-status' });
const figure = new LiveFigure(byId('figure'));
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (msg: ToWorker) => worker.postMessage(msg);

// ---- errors ----------------------------------------------------------------------------------

function showErrors(title: string, messages: string[], level: 'error' | 'warning' = 'error'): void {
  ui.error.className = level === 'error' ? 'error' : 'error warning';
  ui.error.replaceChildren(h('strong', {}, title), h('ul', {}, ...messages.map((m) => h('li', {}, m))));
  ui.error.hidden = false;
}

function clearErrors(): void {
  ui.error.hidden = true;
  ui.error.replaceChildren();
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

// ---- data --------------------------------------------------------------------------------------

function currentSource(): Source | null {
  switch (ui.source.value) {
    case 'random':
      return { kind: 'random', vocab: ui.vocab.valueAsNumber, seed: ui.seed.valueAsNumber, incomplete: ui.incomplete.checked };
    case 'upload': {
      const file = ui.file.files?.[0];
      return file ? { kind: 'upload', file } : null;
    }
    default:
      return { kind: 'svop' };
  }
}

async function reloadData(): Promise<void> {
  ui.randomOptions.hidden = ui.source.value !== 'random';
  ui.uploadOptions.hidden = ui.source.value !== 'upload';
  const seq = ++loadSeq;
  const source = currentSource();
  dataset = null;
  updateButtons();
  clearErrors();
  if (source === null) {
    ui.structure.replaceChildren(h('p', { class: 'meta' }, 'Choose a dataset file (the format of `ntp generate` / `ntp example`).'));
    return;
  }
  try {
    const { dataset: ds, label } = await loadDataset(source);
    if (seq !== loadSeq) return;
    const analysis = analyze(ds);
    renderStructure(ui.structure, ds, analysis, label);
    const found = violationMessages(analysis);
    if (found.length > 0) {
      showErrors(
        analysis.realizable ? 'The analyzer notes (training works; the theory assumes more):' : 'The dataset is not realizable; training runs but there is no max-margin target:',
        found,
        analysis.realizable ? 'warning' : 'error',
      );
    }
    dataset = ds;
    ui.context.placeholder = ds.samples.find((s) => s.context.length >= 2)?.context.map((t) => ds.vocab[t]).join(' ') ?? '';
  } catch (e) {
    if (seq !== loadSeq) return;
    ui.structure.replaceChildren();
    showErrors('Cannot use this dataset:', [messageOf(e)]);
  }
  updateButtons();
}

// ---- training ----------------------------------------------------------------------------------

function settings(): RunSettings {
  return {
    algorithm: ui.algorithm.value as Algorithm,
    t0: ui.t0.valueAsNumber,
    t1: ui.t1.valueAsNumber,
    ...panel.backendPrecision(),
    threads: panel.threads(),
  };
}

function setState(s: RunState, note = ''): void {
  runState = s;
  panel.status.textContent = note ? `${s}: ${note}` : s;
  updateButtons();
}

function updateButtons(): void {
  const busy = runState === 'starting' || runState === 'running' || runState === 'stopping';
  panel.train.disabled = dataset === null || busy;
  panel.stop.disabled = runState !== 'running';
  panel.resume.disabled = runState !== 'paused';
}

/** Problems with the step counts, in words; an empty box reads as NaN, not as 0. */
function settingsProblems(s: RunSettings): string[] {
  const problems: string[] = [];
  for (const [name, value] of [['T0', s.t0], ['T1', s.t1]] as const) {
    if (!Number.isInteger(value) || value < 0) problems.push(`${name} must be a whole number of steps ≥ 0${Number.isNaN(value) ? ' (the box is empty)' : `, got ${value}`}`);
  }
  return problems;
}

function startTraining(): void {
  if (dataset === null) return;
  const s = settings();
  clearErrors();
  Object.assign(lab, { backendUsed: null, finalLoss: null, done: false, error: null });
  const problems = settingsProblems(s);
  if (problems.length > 0) {
    // no run starts, so nothing from the previous one may still read as this run's state
    lab.error = problems.join('; ');
    showErrors('Cannot train:', problems);
    setState('idle');
    return;
  }
  run = null;
  params = null;
  ui.backendUsed.textContent = '—';
  ui.loss.textContent = '—';
  ui.lossLabel.textContent = 'loss';
  ui.trainingTime.textContent = '—';
  ui.summary.replaceChildren();
  ui.heatmaps.replaceChildren(h('p', { class: 'meta' }, 'Shown when the run ends or is stopped.'));
  panel.setProgress({ step: 0, total: s.t0 + s.t1 });
  figure.reset(`${s.algorithm}, T0 = ${s.t0}, T1 = ${s.t1}, |V| = ${dataset.vocab.length}, ${s.backend} ${s.precision}`);
  refreshPrediction();
  run = { vocab: dataset.vocab, V: dataset.vocab.length, d: 0, E: null, target: null, lastStage2: null, settings: s };
  setState('starting', 'analyzing, solving the max-margin problems');
  send({ type: 'start', dataset, settings: s });
}

async function onWorkerMessage(msg: FromWorker): Promise<void> {
  switch (msg.type) {
    case 'ready': {
      if (run === null) return;
      Object.assign(run, { d: msg.d, E: msg.E, target: msg.target });
      if (msg.target) figure.setReference(msg.target.label);
      lab.backendUsed = msg.backend;
      ui.backendUsed.textContent = `${msg.backend} ${msg.precision}${msg.fallback ? ' (fallback)' : ''}`;
      if (msg.fallback) showErrors('WebAssembly is unavailable here, so the js backend runs:', [msg.fallback], 'warning');
      if (msg.threads > 1) ui.backendUsed.textContent += `, ${msg.threads} threads`;
      if (msg.threadNote) showErrors('Training on one thread:', [msg.threadNote], 'warning');
      panel.setProgress(msg.progress);
      setState('running');
      return;
    }
    case 'records': {
      figure.push(msg.records);
      const last = msg.records[msg.records.length - 1];
      if (run) for (const r of msg.records) if (r.stage === 'stage2') run.lastStage2 = r;
      ui.loss.textContent = fmt(last.loss, 6);
      panel.setProgress(msg.progress);
      return;
    }
    case 'result': {
      params = msg.parameters;
      panel.setProgress(msg.progress);
      ui.loss.textContent = fmt(msg.finalLoss, 6);
      ui.lossLabel.textContent = msg.done ? 'final loss' : 'loss (paused)';
      ui.trainingTime.textContent = `${(msg.trainingMs / 1000).toFixed(2)} s`;
      lab.finalLoss = msg.finalLoss;
      setState(msg.done ? 'done' : 'paused', endNote(msg.outcome, run?.settings ?? null));
      refreshPrediction();
      try {
        await Promise.all([figure.flush(), showResult(msg.generalization)]);
      } catch (e) {
        showErrors('Drawing the result failed:', [messageOf(e)]);
      }
      // only now is everything on screen, which is what a test waiting for `done` wants
      lab.done = msg.done;
      return;
    }
    case 'error':
      lab.error = msg.message;
      showErrors('Training failed:', [msg.message]);
      setState('error');
      return;
  }
}

/**
 * How the stages ended, in words: "converged" is good news (the gradient underflowed: the loss is
 * below what the precision resolves), so it is said with the step it happened at, not as "stopped".
 */
function endNote(outcome: { stage1: StageOutcome | null; stage2: StageOutcome | null }, s: RunSettings | null): string {
  const parts: string[] = [];
  for (const [name, o, planned] of [['stage 1', outcome.stage1, s?.t0], ['stage 2', outcome.stage2, s?.t1]] as const) {
    if (!o || o.status === 'completed') continue;
    const of = planned === undefined ? '' : ` of ${planned}`;
    parts.push(o.status === 'converged' ? `${name} converged at step ${o.steps}${of}` : `${name} ${o.status} at step ${o.steps}${of}`);
  }
  if (parts.length === 0) return '';
  const converged = [outcome.stage1, outcome.stage2].every((o) => !o || o.status === 'completed' || o.status === 'converged');
  return converged ? `${parts.join(', ')} (loss below what the precision resolves)` : `stopped early: ${parts.join(', ')}`;
}

async function showResult(generalization: number | null): Promise<void> {
  if (run === null || params === null) return;
  const { vocab, V, d, E, target, lastStage2 } = run;
  const matrices = [{ title: 'learned W_kq (token space)', values: tokenScores(params.Wkq, E, V, d) }];
  // on cyclic data the target is W_svm, which cyclicReferences draws with W_fin
  if (target?.label === 'W*_kq') matrices.push({ title: 'max-margin W*_kq', values: tokenScores(target.Wkq, E, V, d) });
  if (dataset) matrices.push(...cyclicReferences(dataset, E, d));
  const row = (term: string, value: string, testid?: string) => [h('dt', {}, term), h('dd', testid ? { 'data-testid': testid } : {}, value)];
  ui.summary.replaceChildren(
    ...row(`cos(W_kq, ${target?.label ?? 'W*_kq'})`, target ? fmt(lastStage2?.cosine) : '— (no max-margin target)', 'cosine'),
    ...row(
      "Proposition 2's gap ‖W_kq^Prop2 − W*_kq‖_F",
      target?.label === 'W*_kq' ? (target.prop2Gap === null ? '— (confused token or non-orthonormal embedding)' : fmt(target.prop2Gap, 6)) : '—',
      'prop2-gap',
    ),
    ...row('min attention on the optimal token', fmt(lastStage2?.optimalAttention)),
    ...row("Theorem 3's unseen contexts predicted right", generalization === null ? '—' : `${(100 * generalization).toFixed(1)} %`),
  );
  await renderHeatmaps(ui.heatmaps, vocab, matrices);
}

function refreshPrediction(): void {
  renderPrediction(ui.prediction, ui.context.value, run?.vocab ?? dataset?.vocab ?? [], params);
}

// ---- wiring ------------------------------------------------------------------------------------

worker.addEventListener('message', (e: MessageEvent<FromWorker>) => {
  onWorkerMessage(e.data).catch((err) => showErrors('Internal error:', [messageOf(err)]));
});
worker.addEventListener('error', (e) => {
  lab.error = e.message || 'the training worker failed to load';
  showErrors('The training worker failed:', [lab.error]);
  setState('error');
});

ui.source.addEventListener('change', () => void reloadData());
ui.generate.addEventListener('click', () => void reloadData());
ui.incomplete.addEventListener('change', () => void reloadData());
ui.file.addEventListener('change', () => void reloadData());
panel.train.addEventListener('click', startTraining);
panel.stop.addEventListener('click', () => {
  send({ type: 'stop' });
  setState('stopping');
});
panel.resume.addEventListener('click', () => {
  send({ type: 'resume' });
  ui.lossLabel.textContent = 'loss';
  lab.done = false;
  setState('running');
});
ui.context.addEventListener('input', refreshPrediction);

refreshPrediction();
void reloadData();
