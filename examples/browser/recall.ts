// The recall page: pick a configuration, train it in a Web Worker (family-worker.ts) and watch
// the held-out loss approach the Bayes risk h(α), docs/theory/recall.md.
import { byId, fillOptions, fmt, readNumbers, setControls } from './dom.js';
import { LiveChart } from './chart.js';
import { mountFamilyRun } from './family-run.js';
import { DEFAULT_EXAMPLE, describe, emptyTrajectory, EXAMPLES, spec, type RecallRecord, type RecallResult, type RecallSettings } from './families/recall.js';
import { mountNav } from './nav.js';
import { showError } from './page-status.js';
import type { TrainPanel } from './train-panel.js';

/** What an automated test reads (test/browser/recall-lab.test.ts). */
interface RecallLabStatus {
  done: boolean;
  error: string | null;
  bayesRisk: number | null;
  lossHat: number | null;
  status: string | null;
  steps: number | null;
}

declare global {
  interface Window {
    __ntpRecallLab: RecallLabStatus;
  }
}

const lab: RecallLabStatus = { done: false, error: null, bayesRisk: null, lossHat: null, status: null, steps: null };
window.__ntpRecallLab = lab;

mountNav('recall');

const select = (id: string) => byId<HTMLSelectElement>(id);
const show = (id: string, text: string) => void (byId(id).textContent = text);

// the run drawn so far: the worker's records under the run's resolved label and h(α)
let trajectory: RecallResult | null = null;
const chart = new LiveChart(byId('figure'), () => (trajectory ? spec(trajectory) : null));

const example = fillOptions(select('example'), EXAMPLES, DEFAULT_EXAMPLE);
const FIELDS = ['model', 'attention', 'kappa', 'alpha', 'vocab', 'context', 'batch', 'steps', 'eta', 'backend', 'precision'] as const;
const applyExample = () => setControls(FIELDS, EXAMPLES[example.value].settings);
example.addEventListener('change', applyExample);
applyExample();

function settings(panel: TrainPanel): RecallSettings {
  return {
    model: select('model').value as RecallSettings['model'],
    attention: select('attention').value as RecallSettings['attention'],
    kappa: Number(select('kappa').value) as 0 | 1,
    ...readNumbers(['alpha', 'vocab', 'context', 'batch', 'steps', 'eta']),
    ...panel.engineOptions(),
    every: 10,
    evalSize: 256,
    testSize: 128,
  };
}

function showRecord(r: RecallRecord, steps: number): void {
  show('step', `${r.step} / ${steps}`);
  show('losshat', fmt(r.lossHat, 6));
  show('excess', fmt(r.excessRisk, 6));
  show('test', fmt(r.testLoss, 6));
}

let planned = 0;
mountFamilyRun<RecallSettings, RecallRecord, RecallResult>('recall', {
  button: 'run',
  status: lab,
  chart,
  settings,
  begin(s) {
    Object.assign(lab, { lossHat: null, status: null, steps: null });
    // checked here, so that a refused configuration is named before any worker starts
    const { bayesRisk, steps } = describe(s);
    planned = steps;
    lab.bayesRisk = bayesRisk;
    show('bayes', fmt(bayesRisk, 6));
    for (const id of ['step', 'losshat', 'excess', 'test']) show(id, '—');
    trajectory = emptyTrajectory(s);
  },
  onRecord(r) {
    trajectory?.records.push(r);
    showRecord(r, planned);
  },
  onResult(t) {
    trajectory = t;
    showRecord(t.final, planned);
    show('step', `${t.steps} / ${planned}`);
    for (const w of t.warnings) showError(byId('error'), w);
    Object.assign(lab, { lossHat: t.final.lossHat, status: t.status, steps: t.steps });
  },
});
