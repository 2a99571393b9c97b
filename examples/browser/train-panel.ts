// The page side of the train panel (its HTML: train-panel-markup.ts): the panel's elements, its
// thread control mounted, and its progress bar. Every page with a train panel starts here.
import type { BackendName, Precision } from 'ntp-dynamics';
import { byId } from './dom.js';
import { mountThreadControl } from './threads.js';

export interface TrainPanel {
  train: HTMLButtonElement;
  stop: HTMLButtonElement;
  resume: HTMLButtonElement;
  /** the run's state in words */
  status: HTMLElement;
  /** the backend and precision chosen, as a run's options name them */
  backendPrecision(): { backend: BackendName; precision: Precision };
  /** the thread count chosen (1 where the page has no threads, or with the js backend) */
  threads: () => number;
  /** backend, precision and, for the WebAssembly backend (the js backend has no threads), the thread count: a family run's options */
  engineOptions(): { backend: BackendName; precision: Precision; threads?: number };
  /** `step / total` on the progress bar, on a panel that has one */
  setProgress(p: { step: number; total: number }): void;
}

export interface TrainPanelIds {
  /** the start button's id (default `train`) */
  button?: string;
  /** the run-state element's id (default `status`) */
  status?: string;
}

/** Finds the page's panel and mounts its thread control. */
export function trainPanel({ button = 'train', status = 'status' }: TrainPanelIds = {}): TrainPanel {
  const bar = document.getElementById('progress') as HTMLProgressElement | null;
  const barText = document.getElementById('progress-text');
  const backend = byId<HTMLSelectElement>('backend');
  const precision = byId<HTMLSelectElement>('precision');
  const threads = mountThreadControl(byId<HTMLSelectElement>('threads'), byId('thread-note'), backend);
  // the selects offer only these values (train-panel-markup.ts, index.html)
  const backendPrecision = () => ({ backend: backend.value as BackendName, precision: precision.value as Precision });
  return {
    train: byId<HTMLButtonElement>(button),
    stop: byId<HTMLButtonElement>('stop'),
    resume: byId<HTMLButtonElement>('resume'),
    status: byId(status),
    backendPrecision,
    threads,
    engineOptions: () => {
      const o = backendPrecision();
      return o.backend === 'wasm' ? { ...o, threads: threads() } : o;
    },
    setProgress(p) {
      if (!bar || !barText) throw new Error('this page\'s train panel has no progress bar (<train-panel progress>)');
      bar.max = Math.max(p.total, 1);
      bar.value = p.step;
      barText.textContent = `${p.step} / ${p.total}`;
    },
  };
}
