// A sweep worker thread (tinypool): runs one sweep run per task. The pool hands every worker the
// WebAssembly module the main thread compiled, so the threads share its machine code; each
// worker has its own instance and memory. The set-up below runs when the thread starts, while
// the main thread is still reading the sweep, so the first run finds its code loaded and warm.
import { Tinypool } from 'tinypool';
import { adoptWasmModule } from '../engine/wasm.js';
import { warmUp } from '../engine/warm-up.js';
import { executeRun, familyFor, type RunOutcome, type RunTask } from './execute.js';

/** What the pool gives each worker when it starts. */
export interface WorkerSetup {
  /** the main thread's compiled module, or null where it could not compile one */
  wasm: WebAssembly.Module | null;
  /** families the sweep's runs use, imported before the first task */
  families: string[];
  modules: string[];
}

const setup = Tinypool.workerData as WorkerSetup | undefined;
if (setup?.wasm) {
  adoptWasmModule(setup.wasm);
  await warmUp('f64');
}
// an import that fails here fails the runs of that family, each with the error, not the worker
for (const name of setup?.families ?? []) await familyFor(name, setup?.modules ?? []).catch(() => undefined);

export default function runInWorker(task: RunTask): Promise<RunOutcome> {
  return executeRun(task);
}
