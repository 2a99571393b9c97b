// The autoregressive page: a causal transformer trained in a Web Worker (family-worker.ts), its
// losses live, then its in-context error curve beside CKD's and least squares',
// docs/theory/autoregressive.md.
import type { TopLevelSpec } from 'vega-lite';
import { drawSpec, LiveChart } from './chart.js';
import { byId, fillOptions, fmt, h, readNumbers, setControls } from './dom.js';
import { mountFamilyRun } from './family-run.js';
import { DEFAULT_EXAMPLE, EXAMPLES, type AutoregressiveRecord, type AutoregressiveResult, type AutoregressiveSettings } from './families/autoregressive.js';
import { mountNav } from './nav.js';
import { pageStatus } from './page-status.js';
import type { TrainPanel } from './train-panel.js';

const status = pageStatus();
mountNav('autoregressive');

const select = (id: string) => byId<HTMLSelectElement>(id);
const example = fillOptions(select('example'), EXAMPLES, DEFAULT_EXAMPLE);
const FIELDS = ['process', 'd', 'length', 'attention', 'layers', 'heads', 'steps'] as const;
const applyExample = () => setControls(FIELDS, EXAMPLES[example.value].settings);
example.addEventListener('change', applyExample);
applyExample();

function settings(panel: TrainPanel): AutoregressiveSettings {
  return {
    ...EXAMPLES[example.value].settings,
    process: select('process').value as AutoregressiveSettings['process'],
    attention: select('attention').value as AutoregressiveSettings['attention'],
    ...readNumbers(['d', 'length', 'layers', 'heads', 'steps', 'eta', 'batch']),
    ...panel.engineOptions(),
  };
}

let title = '';

function lossSpec(): TopLevelSpec | null {
  const values: Array<{ step: number; value: number; set: string }> = [];
  for (const r of run.records) {
    if (r.loss !== null && r.loss > 0) values.push({ step: r.step, value: r.loss, set: 'training (mean over the last steps)' });
    if (r.testLoss !== null && r.testLoss > 0) values.push({ step: r.step, value: r.testLoss, set: 'test' });
  }
  if (values.length === 0) return null;
  return {
    title,
    width: 620,
    height: 220,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'optimiser step' },
      y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: 'loss (mean ‖u_t − x_{t+1}‖²)' },
      color: { field: 'set', type: 'nominal', title: 'loss' },
    },
  } as TopLevelSpec;
}

const chart = new LiveChart(byId('figure'), lossSpec);

function curvesSpec(res: AutoregressiveResult): TopLevelSpec {
  const values: Array<{ t: number; value: number; predictor: string }> = [];
  const named: Array<[string, (number | null)[]]> = [
    ['trained transformer', res.curves.model.squared],
    [`CKD, ${res.kernel} kernel, Kaczmarz limit (η = 1)`, res.curves.ckd.squared],
    ['least squares', res.curves.leastSquares.squared],
  ];
  // least squares is exact once the context spans the space (e(t) ≈ 1e-30): such points would
  // flatten every other curve on the log scale, so they are left out and named in the legend
  const EXACT = 1e-12;
  for (const [name, curve] of named) {
    const exactFrom = curve.findIndex((v) => v !== null && v < EXACT);
    const label = exactFrom >= 0 ? `${name} (exact, e < 1e-12, from t = ${exactFrom + 1})` : name;
    curve.forEach((v, i) => v !== null && v >= EXACT && values.push({ t: i + 1, value: v, predictor: label }));
  }
  return {
    width: 620,
    height: 240,
    data: { values },
    mark: { type: 'line', point: true, strokeWidth: 1.5 },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'position t' },
      y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: 'e(t) = mean ‖u_t − x_{t+1}‖²' },
      color: { field: 'predictor', type: 'nominal', title: 'predictor' },
    },
  } as TopLevelSpec;
}

async function showResult(res: AutoregressiveResult): Promise<void> {
  await drawSpec(byId('curves'), curvesSpec(res));
  const T = res.curves.model.squared.length;
  const at = (c: (number | null)[]) => c[T - 1] ?? null;
  const row = (term: string, value: string, testid: string) => [h('dt', {}, term), h('dd', { 'data-testid': testid }, value)];
  byId('curve-summary').replaceChildren(
    ...row(`e(${T}), trained transformer`, fmt(at(res.curves.model.squared), 6), 'e-model'),
    ...row(`e(${T}), CKD (${res.kernel})`, fmt(at(res.curves.ckd.squared), 6), 'e-ckd'),
    ...row(`e(${T}), least squares`, fmt(at(res.curves.leastSquares.squared), 6), 'e-ls'),
    ...row('curves', `${res.curves.model.status} / ${res.curves.ckd.status} / ${res.curves.leastSquares.status}`, 'curve-status'),
  );
  const first = run.records.find((r) => r.testLoss !== null)?.testLoss ?? null;
  const last = run.records[run.records.length - 1]?.testLoss ?? null;
  status.summary = { firstTestLoss: first, lastTestLoss: last, steps: res.steps, runStatus: res.status, T, ckd: res.curves.ckd.squared, model: res.curves.model.squared };
}

const run = mountFamilyRun<AutoregressiveSettings, AutoregressiveRecord, AutoregressiveResult>('autoregressive', {
  status,
  chart,
  shownAtEnd: ['curves', 'curve-summary'],
  settings,
  steps: (s) => s.steps ?? 0,
  begin(s) {
    status.summary = {};
    title = `${s.process}, d = ${s.d}, T = ${s.length}, ${s.attention} attention, ${s.layers} layers × ${s.heads} heads, ${s.backend} ${s.precision}`;
  },
  onRecord(r) {
    byId('loss').textContent = fmt(r.loss, 6);
    byId('test-loss').textContent = fmt(r.testLoss, 6);
  },
  onResult: showResult,
});
