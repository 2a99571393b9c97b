// The factorized-attention page: W and K_f·Q_fᵀ trained side by side in a Web Worker
// (family-worker.ts), their norm ratios to the Frobenius and nuclear-norm SVMs live, and both
// SVMs beside the learned matrices at the end, docs/theory/factorized.md.
import type { TopLevelSpec } from 'vega-lite';
import { LiveChart } from './chart.js';
import { byId, fillOptions, fmt, h, readNumbers } from './dom.js';
import { mountFamilyRun } from './family-run.js';
import { DEFAULTS, EXAMPLES, type FactorizedRecord, type FactorizedResult, type FactorizedSettings } from './families/factorized.js';
import { renderHeatmaps } from './heatmap.js';
import { mountNav } from './nav.js';
import { pageStatus, showError } from './page-status.js';
import type { TrainPanel } from './train-panel.js';

const status = pageStatus();
mountNav('factorized');

const input = (id: string) => byId<HTMLInputElement>(id);
const select = (id: string) => byId<HTMLSelectElement>(id);
const errorBox = byId('error');
const example = fillOptions(select('example'), EXAMPLES, DEFAULTS.example);
const describeData = () => {
  const ds = EXAMPLES[example.value].dataset();
  byId('data-note').textContent = `|V| = ${ds.vocab.length} (${ds.vocab.join(' ')}), ${ds.samples.length} samples, one-hot embedding: W_kq is in token space.`;
};
example.addEventListener('change', describeData);
describeData();

function settings(panel: TrainPanel): FactorizedSettings {
  const m = input('m').value.trim();
  return {
    ...DEFAULTS,
    example: example.value,
    m: m === '' ? null : Number(m),
    init: select('init').value as FactorizedSettings['init'],
    ...readNumbers(['t0', 'steps']),
    etaW: input('eta-w').valueAsNumber,
    etaKQ: input('eta-kq').valueAsNumber,
    ...panel.engineOptions(),
  };
}

let title = '';

/** Two panels: the loss of each parameterization (log), and its norm ratios to W_F and W_* (1 = that SVM). */
function chartSpec(): TopLevelSpec | null {
  const { records } = run;
  if (records.length === 0) return null;
  const loss: Array<{ step: number; value: number; run: string }> = [];
  const ratio: Array<{ step: number; value: number; run: string }> = [];
  for (const r of records) {
    for (const [key, name] of [['W', 'W'], ['KQ', 'K_f·Q_fᵀ']] as const) {
      const x = r[key];
      if (x.loss > 0) loss.push({ step: r.step, value: x.loss, run: name });
      if (x.fro !== null) ratio.push({ step: r.step, value: x.fro, run: `${name}: Fro-ratio` });
      if (x.nuc !== null) ratio.push({ step: r.step, value: x.nuc, run: `${name}: nuc-ratio` });
    }
  }
  const x = { field: 'step', type: 'quantitative', title: 'stage-2 step t' } as const;
  return {
    title,
    hconcat: [
      { title: 'loss L', width: 380, height: 200, data: { values: loss }, mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: 'L' }, color: { field: 'run', type: 'nominal', title: 'parameterization' } } },
      {
        title: 'norm at unit margin / the SVM norm',
        width: 380,
        height: 200,
        layer: [
          { data: { values: ratio }, mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y: { field: 'value', type: 'quantitative', scale: { type: 'log' }, title: 'ratio (1: the SVM)' }, color: { field: 'run', type: 'nominal', title: 'ratio' } } },
          { data: { values: [{ y: 1 }] }, mark: { type: 'rule', strokeDash: [5, 4], color: '#444' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
        ],
      },
    ],
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}

const chart = new LiveChart(byId('figure'), chartSpec);

function showRecord(r: FactorizedRecord): void {
  byId('loss').textContent = `${fmt(r.W.loss)} / ${fmt(r.KQ.loss)}`;
  byId('ratios-w').textContent = `${fmt(r.W.fro, 6)} / ${fmt(r.W.nuc, 6)}`;
  byId('ratios-kq').textContent = `${fmt(r.KQ.fro, 6)} / ${fmt(r.KQ.nuc, 6)}`;
}

async function showResult(res: FactorizedResult): Promise<void> {
  const V = res.vocab.length;
  await renderHeatmaps(byId('heatmaps'), res.vocab, [
    { title: 'learned W', values: res.W },
    { title: 'Frobenius SVM W_F', values: res.WF },
    { title: 'learned K_f·Q_fᵀ', values: res.KQ },
    { title: 'nuclear-norm SVM W_*', values: res.Wstar },
  ]);
  const row = (...cells: string[]) => h('tr', {}, ...cells.map((c, i) => h(i === 0 ? 'th' : 'td', i === 0 ? {} : { class: 'num' }, c)));
  byId('svm-table').replaceChildren(
    h('thead', {}, row('', 'rank (σ > 10⁻⁶σ₁)', 'σ₂/σ₁', 'cos to W_F', 'cos to W_*', 'status')),
    h('tbody', {},
      row('Frobenius SVM W_F', String(res.rankWF), fmt(res.sigma2.WF), '1', fmt(res.cosWFWstar, 6), `‖W_F‖_F = ${fmt(res.normWF, 6)}`),
      row('nuclear-norm SVM W_*', String(res.rankWstar), fmt(res.sigma2.Wstar), fmt(res.cosWFWstar, 6), '1', `ν* = ${fmt(res.nuStar, 6)}${res.certified ? ' (certified)' : ' (not certified)'}`),
      row('learned W', String(res.rankW), fmt(res.sigma2.W), fmt(res.cosW.WF, 6), fmt(res.cosW.Wstar, 6), res.status.W),
      // the factors keep their initialization's small components: full rank, but σ₂/σ₁ shrinks
      row('learned K_f·Q_fᵀ', String(res.rankKQ), fmt(res.sigma2.KQ), fmt(res.cosKQ.WF, 6), fmt(res.cosKQ.Wstar, 6), res.status.KQ),
    ),
  );
  if (res.warnings.length > 0) showError(errorBox, res.warnings.join('; '), 'warning');
  const last = run.records[run.records.length - 1];
  status.summary = {
    froW: last.W.fro, nucW: last.W.nuc, froKQ: last.KQ.fro, nucKQ: last.KQ.nuc,
    rankWF: res.rankWF, rankWstar: res.rankWstar, cosKQWstar: res.cosKQ.Wstar, cosWWF: res.cosW.WF, nuStar: res.nuStar, V,
  };
}

const run = mountFamilyRun<FactorizedSettings, FactorizedRecord, FactorizedResult>('factorized', {
  status,
  chart,
  shownAtEnd: ['heatmaps', 'svm-table'],
  settings,
  steps: (s) => s.steps,
  begin(s) {
    status.summary = {};
    title = `${EXAMPLES[s.example].label}; η = ${s.etaW} (W), ${s.etaKQ} (K_f, Q_f), ${s.backend} ${s.precision}`;
  },
  onRecord: showRecord,
  onResult: showResult,
});
