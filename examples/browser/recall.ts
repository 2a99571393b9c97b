// The recall page: pick a configuration, train it in a Web Worker (family-worker.ts) and watch
// the held-out loss approach the Bayes risk h(α), docs/theory/recall.md.
import { byId, fmt, h } from './dom.js';
import { LiveChart } from './chart.js';
import { FamilyRun } from './family-run.js';
import { DEFAULT_EXAMPLE, describe, emptyTrajectory, EXAMPLES, spec, type RecallRecord, type RecallResult, type RecallSettings } from './families/recall.js';
import { mountNav } from './nav.js';
import { mountThreadControl } from './threads.js';

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
mountThreadControl(byId<HTMLSelectElement>('threads'), byId('thread-note'), 'one thread: the recall kernels have no threaded build');

const input = (id: string) => byId<HTMLInputElement>(id);
const select = (id: string) => byId<HTMLSelectElement>(id);
const show = (id: string, text: string) => void (byId(id).textContent = text);
const errorBox = byId('error');

function showError(msg: string): void {
  errorBox.hidden = false;
  errorBox.textContent = msg;
}

// the run drawn so far: the worker's records under the run's resolved label and h(α)
let trajectory: RecallResult | null = null;
const chart = new LiveChart(byId('figure'), () => (trajectory ? spec(trajectory) : null));

const example = select('example');
example.replaceChildren(...Object.entries(EXAMPLES).map(([k, e]) => h('option', { value: k }, e.label)));
example.value = DEFAULT_EXAMPLE;
const FIELDS = ['model', 'attention', 'kappa', 'alpha', 'vocab', 'context', 'batch', 'steps', 'eta', 'backend', 'precision'] as const;
function applyExample(): void {
  const s = EXAMPLES[example.value].settings as unknown as Record<string, unknown>;
  for (const f of FIELDS) if (s[f] !== undefined) (byId<HTMLInputElement | HTMLSelectElement>(f)).value = String(s[f]);
}
example.addEventListener('change', applyExample);
applyExample();

function settings(): RecallSettings {
  return {
    model: select('model').value as RecallSettings['model'],
    attention: select('attention').value as RecallSettings['attention'],
    kappa: Number(select('kappa').value) as 0 | 1,
    alpha: input('alpha').valueAsNumber,
    vocab: input('vocab').valueAsNumber,
    context: input('context').valueAsNumber,
    batch: input('batch').valueAsNumber,
    steps: input('steps').valueAsNumber,
    eta: input('eta').valueAsNumber,
    backend: select('backend').value as 'wasm' | 'js',
    precision: select('precision').value as 'f64' | 'f32',
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
const runner = new FamilyRun<RecallSettings, RecallRecord, RecallResult>(
  'recall',
  { train: byId<HTMLButtonElement>('run'), stop: byId<HTMLButtonElement>('stop'), resume: byId<HTMLButtonElement>('resume'), status: byId('status') },
  {
    onRecord(r) {
      if (trajectory) trajectory.records.push(r);
      showRecord(r, planned);
      chart.request();
    },
    async onResult(t) {
      trajectory = t;
      showRecord(t.final, planned);
      show('step', `${t.steps} / ${planned}`);
      await chart.flush();
      for (const w of t.warnings) showError(w);
      Object.assign(lab, { lossHat: t.final.lossHat, status: t.status, steps: t.steps, done: true });
    },
    onError(message) {
      showError(message);
      Object.assign(lab, { error: message, done: true });
    },
  },
);

byId('run').addEventListener('click', () => {
  errorBox.hidden = true;
  Object.assign(lab, { done: false, error: null, lossHat: null, status: null, steps: null });
  const s = settings();
  try {
    // checked here, so that a refused configuration is named before any worker starts
    const { bayesRisk, steps } = describe(s);
    planned = steps;
    lab.bayesRisk = bayesRisk;
    show('bayes', fmt(bayesRisk, 6));
    for (const id of ['step', 'losshat', 'excess', 'test']) show(id, '—');
    trajectory = emptyTrajectory(s);
    runner.start(s);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    showError(message);
    show('status', 'error');
    Object.assign(lab, { error: message, done: true });
  }
});
