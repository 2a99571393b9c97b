// The recall lab page: pick model, attention, κ and α, train on the main thread in chunks (the
// run yields at every record), and watch the loss approach h(α). docs/theory/recall.md.
import { recall } from 'ntp-dynamics';
import { renderVegaLiteSvg } from 'ntp-dynamics/figure';
import { byId } from './dom.js';

/** What an automated test reads (test/browser/recall-lab.test.ts). */
interface RecallLabStatus {
  done: boolean;
  error: string | null;
  bayesRisk: number | null;
  lossHat: number | null;
  status: string | null;
}

declare global {
  interface Window {
    __ntpRecallLab: RecallLabStatus;
  }
}

const lab: RecallLabStatus = { done: false, error: null, bayesRisk: null, lossHat: null, status: null };
window.__ntpRecallLab = lab;

const input = (id: string) => byId<HTMLInputElement>(id);
const select = (id: string) => byId<HTMLSelectElement>(id);
const ui = { run: byId<HTMLButtonElement>('run'), stop: byId<HTMLButtonElement>('stop'), error: byId('error'), figure: byId('figure') };
const show = (id: string, text: string) => {
  byId(id).textContent = text;
};
const fmt = (x: number) => (Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(3) : x.toFixed(6));

let stopRequested = false;
let lastDraw = 0;

async function draw(t: recall.RecallTrajectory): Promise<void> {
  ui.figure.innerHTML = await renderVegaLiteSvg(recall.runSpec(t));
}

async function train(): Promise<void> {
  ui.error.hidden = true;
  ui.run.disabled = true;
  ui.stop.disabled = false;
  stopRequested = false;
  Object.assign(lab, { done: false, error: null, lossHat: null, status: null });
  const options: recall.RecallRunOptions = {
    model: select('model').value as recall.RecallModelKind,
    attention: select('attention').value as recall.RecallAttention,
    kappa: Number(select('kappa').value) as 0 | 1,
    alpha: Number(input('alpha').value),
    vocab: Number(input('vocab').value),
    context: Number(input('context').value),
    batch: Number(input('batch').value),
    steps: Number(input('steps').value),
    eta: Number(input('eta').value),
    backend: select('backend').value as 'wasm' | 'js',
    precision: select('precision').value as 'f64' | 'f32',
    every: 10,
    evalSize: 256,
    testSize: 128,
  };
  try {
    const resolved = recall.resolveRecallRun(options);
    lab.bayesRisk = recall.binaryEntropy(resolved.alpha);
    show('bayes', fmt(lab.bayesRisk));
    show('status', 'training');
    const label = recall.modelLabel(resolved.model, resolved.attention, resolved.kappa);
    const records: recall.RecallRecord[] = [];
    const t = await recall.runRecall(options, async (r) => {
      records.push(r);
      show('step', `${r.step} / ${resolved.steps}`);
      show('losshat', fmt(r.lossHat));
      show('excess', fmt(r.excessRisk));
      show('test', fmt(r.testLoss));
      // redraw a few times a second; yield to the page at every record
      if (performance.now() - lastDraw > 300) {
        lastDraw = performance.now();
        await draw({ label, config: resolved, bayesRisk: lab.bayesRisk!, records } as recall.RecallTrajectory);
      } else await new Promise((r) => setTimeout(r, 0));
      return !stopRequested;
    });
    await draw(t);
    show('step', `${t.steps} / ${resolved.steps}`);
    show('losshat', fmt(t.final.lossHat));
    show('excess', fmt(t.final.excessRisk));
    show('test', fmt(t.final.testLoss));
    show('status', t.status);
    Object.assign(lab, { lossHat: t.final.lossHat, status: t.status });
    for (const w of t.warnings) showError(w);
  } catch (e) {
    showError((e as Error).message);
    lab.error = (e as Error).message;
    show('status', 'error');
  } finally {
    ui.run.disabled = false;
    ui.stop.disabled = true;
    lab.done = true;
  }
}

function showError(msg: string): void {
  ui.error.hidden = false;
  ui.error.textContent = msg;
}

ui.run.addEventListener('click', () => void train());
ui.stop.addEventListener('click', () => {
  stopRequested = true;
});
