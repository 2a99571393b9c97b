// Messages between the page (main.ts) and the training worker (worker.ts). Everything here is
// structured-cloneable: plain objects, arrays and typed arrays.
import type { Algorithm, BackendName, Dataset, ModelParameters, Precision, StageOutcome, TrainRecord } from 'ntp-dynamics';

export interface RunSettings {
  algorithm: Algorithm;
  t0: number;
  t1: number;
  backend: BackendName;
  precision: Precision;
  /** threads the steps may run on (the engine uses fewer on small data, and says why) */
  threads: number;
}

export interface Progress {
  step: number;
  total: number;
}

export type ToWorker =
  | { type: 'start'; dataset: Dataset; settings: RunSettings }
  /** pause between chunks; the Trainer is kept */
  | { type: 'stop' }
  /** continue the same Trainer */
  | { type: 'resume' };

export type FromWorker =
  | {
      type: 'ready';
      /** the backend that actually runs (it differs from the request after a fallback) */
      backend: BackendName;
      precision: Precision;
      /** why the requested backend was replaced, or null */
      fallback: string | null;
      /** threads the steps run on, and why fewer than the run would use, if so */
      threads: number;
      threadNote: string | null;
      V: number;
      d: number;
      /** the embedding, d×|V| row-major, or null for one-hot */
      E: Float64Array | null;
      progress: Progress;
      /**
       * The stage-2 reference the cosines are measured against: W*_kq with Proposition 2's gap
       * (realizable data), or the graph-SVM W_svm (cyclic orders, gap null); null when there is none
       */
      target: { Wkq: Float64Array; label: 'W*_kq' | 'W_svm'; prop2Gap: number | null } | null;
    }
  | { type: 'records'; records: TrainRecord[]; progress: Progress }
  | {
      /** sent whenever the loop halts: paused by the user or done */
      type: 'result';
      done: boolean;
      progress: Progress;
      parameters: ModelParameters;
      finalLoss: number | null;
      outcome: { stage1: StageOutcome | null; stage2: StageOutcome | null };
      trainingMs: number;
      /** fraction of Theorem 3's unseen contexts predicted as the theory says */
      generalization: number | null;
    }
  | { type: 'error'; message: string };
