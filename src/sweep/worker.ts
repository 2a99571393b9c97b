// A piscina worker thread: runs one sweep run per task with its own WebAssembly instance
// (each thread compiles and instantiates the module itself).
import { executeRun, type RunOutcome, type RunTask } from './execute.js';

export default function runInWorker(task: RunTask): Promise<RunOutcome> {
  return executeRun(task);
}
