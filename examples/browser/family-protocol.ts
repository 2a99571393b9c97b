// Messages between a family page and family-worker.ts, and what an adapter
// (families/<family>.ts) gets from the worker. Everything here is structured-cloneable.

export type WorkerFamily = 'factorized' | 'recall' | 'autoregressive';

/** What every adapter's result carries: the threads its run trained on. */
export interface RunResult {
  threads: number;
}

/** What an adapter's run reports through, from inside the worker. */
export interface RunHooks<R> {
  /** a record, posted to the page at once */
  record(r: R): void;
  /** returns at once unless the page asked to pause: then it blocks until resumed */
  checkpoint(): void;
}

/** The pause word in the control buffer (Int32Array index 0). */
export const RUNNING = 0;
export const PAUSED = 1;

export type ToFamilyWorker = {
  type: 'start';
  family: WorkerFamily;
  settings: unknown;
  /** one Int32 (RUNNING / PAUSED) the page flips, or null where there is no SharedArrayBuffer */
  control: SharedArrayBuffer | null;
};

export type FromFamilyWorker =
  | { type: 'record'; record: unknown }
  | { type: 'paused' }
  | { type: 'resumed' }
  | { type: 'result'; result: RunResult; trainingMs: number }
  | { type: 'error'; message: string };
