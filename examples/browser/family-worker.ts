// Runs one family's training off the main thread, through its adapter (families/<family>.ts).
// Stop and resume: the adapter calls `checkpoint()` at every record, which blocks in Atomics.wait
// while the page holds the control word at PAUSED (a worker may block; the page never does), so
// the very same run continues on resume, whatever the family's API looks like.
import * as autoregressive from './families/autoregressive.js';
import * as factorized from './families/factorized.js';
import * as recall from './families/recall.js';
import { PAUSED, type FromFamilyWorker, type RunHooks, type RunResult, type ToFamilyWorker, type WorkerFamily } from './family-protocol.js';

const RUNS: Record<WorkerFamily, (settings: never, hooks: RunHooks<unknown>) => Promise<RunResult>> = {
  factorized: factorized.run,
  recall: recall.run,
  autoregressive: autoregressive.run,
};

const post = (msg: FromFamilyWorker) => self.postMessage(msg);

self.addEventListener('message', (event: MessageEvent<ToFamilyWorker>) => {
  const { family, settings, control } = event.data;
  const word = control ? new Int32Array(control) : null;
  const hooks: RunHooks<unknown> = {
    record: (record) => post({ type: 'record', record }),
    checkpoint() {
      if (word === null || Atomics.load(word, 0) !== PAUSED) return;
      post({ type: 'paused' });
      while (Atomics.load(word, 0) === PAUSED) Atomics.wait(word, 0, PAUSED);
      post({ type: 'resumed' });
    },
  };
  const start = performance.now();
  RUNS[family](settings as never, hooks).then(
    (result) => post({ type: 'result', result, trainingMs: performance.now() - start }),
    (e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }),
  );
});
