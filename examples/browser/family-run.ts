// The page side of a family run: a fresh worker per run, stop/resume through the control word,
// and the train / stop / resume buttons and status line every family page has.
import { PAUSED, RUNNING, type FromFamilyWorker, type ToFamilyWorker, type WorkerFamily } from './family-protocol.js';
import { threadsAvailable } from './threads.js';

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
          this.setState('done', `${(msg.trainingMs / 1000).toFixed(2)} s`);
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
