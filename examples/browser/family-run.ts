// The page side of a family run: a fresh worker per run, stop/resume through the control word,
// the train / stop / resume buttons and status line every family page has, and `mountFamilyRun`,
// which wires a page's train panel to its family's worker the same way on every such page.
import type { LiveChart } from './chart.js';
import { byId, h } from './dom.js';
import { PAUSED, RUNNING, type FromFamilyWorker, type ToFamilyWorker, type WorkerFamily } from './family-protocol.js';
import { showError } from './page-status.js';
import { threadsAvailable } from './threads.js';
import { trainPanel, type TrainPanel } from './train-panel.js';

export type RunState = 'idle' | 'running' | 'paused' | 'stopped' | 'done' | 'error';

export interface RunControls {
  train: HTMLButtonElement;
  stop: HTMLButtonElement;
  resume: HTMLButtonElement;
  status: HTMLElement;
}

export interface RunCallbacks<R, Out> {
  onRecord(r: R): void;
  onResult(out: Out, trainingMs: number): void | Promise<void>;
  onError(message: string): void;
}

export class FamilyRun<S, R, Out> {
  private worker: Worker | null = null;
  private control: Int32Array | null = null;
  state: RunState = 'idle';

  constructor(
    private readonly family: WorkerFamily,
    private readonly ui: RunControls,
    private readonly callbacks: RunCallbacks<R, Out>,
  ) {
    ui.stop.addEventListener('click', () => this.stop());
    ui.resume.addEventListener('click', () => this.resume());
    this.setState('idle');
  }

  /** Starts a new run, ending the previous one (its worker is terminated, paused or not). */
  start(settings: S): void {
    this.worker?.terminate();
    // a worker per run: nothing of an earlier run (WebAssembly instances, memory) carries over
    const worker = new Worker(new URL('./family-worker.ts', import.meta.url), { type: 'module' });
    this.worker = worker;
    const shared = threadsAvailable() ? new SharedArrayBuffer(4) : null;
    this.control = shared ? new Int32Array(shared) : null;
    worker.addEventListener('message', (e: MessageEvent<FromFamilyWorker>) => {
      if (this.worker === worker) void this.onMessage(e.data);
    });
    worker.addEventListener('error', (e) => {
      if (this.worker !== worker) return;
      this.setState('error');
      this.callbacks.onError(e.message || 'the training worker failed to load');
    });
    this.setState('running');
    const msg: ToFamilyWorker = { type: 'start', family: this.family, settings, control: shared };
    worker.postMessage(msg);
  }

  /** Pauses at the next record; without SharedArrayBuffer the run ends here (it cannot resume). */
  stop(): void {
    if (this.state !== 'running') return;
    if (this.control) {
      Atomics.store(this.control, 0, PAUSED);
      this.ui.stop.disabled = true;
      return;
    }
    this.worker?.terminate();
    this.worker = null;
    this.setState('stopped', 'ended (resuming needs a cross-origin isolated page)');
  }

  resume(): void {
    if (this.state !== 'paused' || !this.control) return;
    Atomics.store(this.control, 0, RUNNING);
    Atomics.notify(this.control, 0);
  }

  private async onMessage(msg: FromFamilyWorker): Promise<void> {
    switch (msg.type) {
      case 'record':
        this.callbacks.onRecord(msg.record as R);
        return;
      case 'paused':
        this.setState('paused');
        return;
      case 'resumed':
        this.setState('running');
        return;
      case 'result':
        this.worker?.terminate();
        this.worker = null;
        try {
          await this.callbacks.onResult(msg.result as Out, msg.trainingMs);
          const { threads } = msg.result;
          this.setState('done', `${(msg.trainingMs / 1000).toFixed(2)} s on ${threads} thread${threads === 1 ? '' : 's'}`);
        } catch (e) {
          this.setState('error');
          this.callbacks.onError(`drawing the result failed: ${e instanceof Error ? e.message : String(e)}`);
        }
        return;
      case 'error':
        this.worker?.terminate();
        this.worker = null;
        this.setState('error');
        this.callbacks.onError(msg.message);
        return;
    }
  }

  private setState(s: RunState, note = ''): void {
    this.state = s;
    this.ui.status.textContent = note ? `${s}: ${note}` : s;
    this.ui.train.disabled = s === 'running';
    this.ui.stop.disabled = s !== 'running';
    this.ui.resume.disabled = s !== 'paused';
  }
}

/** What a family page brings to its run: its settings, and what it shows of the run. */
export interface FamilyPage<S, R extends { step: number }, Out> {
  /** the start button's id (default `train`) */
  button?: string;
  /** what a test reads: `error` as shown, `done` once the result (or the error) is on screen */
  status: { done: boolean; error: string | null };
  /** the live chart, redrawn as records come and drawn in full with the result */
  chart: LiveChart;
  /** elements the result fills: at the start of a run the first says it will, the others are emptied */
  shownAtEnd?: string[];
  /** the run's settings, from the page's controls and the panel's */
  settings(panel: TrainPanel): S;
  /** the steps the run will take, for `#step` (`step / steps` at every record); none: the page keeps `#step` */
  steps?(settings: S): number;
  /** clears the previous run from the page; throwing refuses the settings before any worker starts */
  begin(settings: S): void;
  onRecord(record: R): void;
  onResult(result: Out): void | Promise<void>;
}

/** A page's run: its panel, and the records of the current run so far. */
export interface FamilyPageRun<R> {
  panel: TrainPanel;
  records: R[];
}

/**
 * Wires the page's train panel to its family's worker: train starts a run (after `begin`), the
 * records and the result go to the page and its chart, an error to the page's alert box (`#error`).
 */
export function mountFamilyRun<S, R extends { step: number }, Out>(family: WorkerFamily, page: FamilyPage<S, R, Out>): FamilyPageRun<R> {
  const panel = trainPanel({ button: page.button });
  const records: R[] = [];
  const errorBox = byId('error');
  let planned = 0;
  const fail = (message: string) => {
    showError(errorBox, message);
    Object.assign(page.status, { error: message, done: true });
  };
  const runner = new FamilyRun<S, R, Out>(family, panel, {
    onRecord(r) {
      records.push(r);
      if (page.steps) byId('step').textContent = `${r.step} / ${planned}`;
      page.onRecord(r);
      page.chart.request();
    },
    async onResult(out) {
      // the page's result first: the chart may draw from what it sets
      await Promise.all([page.onResult(out), page.chart.flush()]);
      page.status.done = true;
    },
    onError: fail,
  });
  panel.train.addEventListener('click', () => {
    showError(errorBox, null);
    Object.assign(page.status, { done: false, error: null });
    let settings: S;
    try {
      settings = page.settings(panel);
      page.begin(settings);
    } catch (e) {
      fail(e instanceof Error ? e.message : String(e));
      panel.status.textContent = 'error';
      return;
    }
    records.length = 0;
    planned = page.steps?.(settings) ?? 0;
    const [first, ...others] = page.shownAtEnd ?? [];
    if (first) byId(first).replaceChildren(h('p', { class: 'meta' }, 'Shown when the run ends.'));
    for (const id of others) byId(id).replaceChildren();
    runner.start(settings);
  });
  return { panel, records };
}
