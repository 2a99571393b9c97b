import { NtpError } from '../errors.js';
import { RUN_STATUSES, type RunResult, type SweepFamily } from '../family/sweep-family.js';
import { loadFamily } from './families.js';
import { familyOptions, type RunConfig } from './spec.js';

/** One run for a worker: the config, the record interval and the extra family modules. */
export interface RunTask {
  config: RunConfig;
  every: number;
  modules: readonly string[];
}

/** What a worker sends back: the family's result, or the error it threw, with the wall time. */
export type RunOutcome = { ok: true; result: RunResult; wallMs: number } | { ok: false; error: string; wallMs: number; retry?: boolean };

const loaded = new Map<string, Promise<SweepFamily | undefined>>();

/** The family of a run, imported once per thread (a failed import is retried by the next run). */
export function familyFor(name: string, modules: readonly string[]): Promise<SweepFamily | undefined> {
  const key = `${name}\n${JSON.stringify(modules)}`;
  let f = loaded.get(key);
  if (!f) {
    f = loadFamily(name, modules);
    f.catch(() => loaded.delete(key));
    loaded.set(key, f);
  }
  return f;
}

/**
 * Runs one config with its family, in whatever thread calls it; an exception from the family
 * becomes an outcome (the run is recorded as failed). A failure to read an input (an NtpError
 * `io`, e.g. a `data` file not there yet) is marked `retry`: a resume runs it again, while a
 * failure of the run itself is recorded for good.
 */
export async function executeRun(task: RunTask): Promise<RunOutcome> {
  const start = performance.now();
  try {
    const family = await familyFor(String(task.config.family), task.modules);
    if (!family) throw new Error(`unknown family ${JSON.stringify(task.config.family)}`);
    const result = await family.run(familyOptions(task.config), task.every);
    // a family module of a user's may still say `running` for a run that took all its steps
    if ((result.status as string) === 'running') result.status = 'completed';
    if (!RUN_STATUSES.includes(result.status)) throw new Error(`the family ${family.name} ended the run with status ${JSON.stringify(result.status)}, not one of ${RUN_STATUSES.join(', ')}`);
    return { ok: true, result, wallMs: performance.now() - start };
  } catch (e) {
    const err = e as Error;
    const retry = e instanceof NtpError && e.code === 'io';
    return { ok: false, error: err?.message ?? String(e), wallMs: performance.now() - start, ...(retry ? { retry } : {}) };
  }
}
