import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NtpError } from '../errors.js';
import { writeFilesAtomic } from '../io/files.js';
import { DEFAULT_FAMILY, loadFamilies } from './families.js';
import { expandSweep } from './spec.js';
import { META_FILE, outcomeKey, readMeta, readRunsLog, recordsPath, RUNS_FILE, sameSweep, type RunLine, type SweepMeta } from './store.js';

/** Options of {@link mergeSweeps}. */
export interface MergeOptions {
  /** write the merged directory even when runs are missing (default false: refuse) */
  partial?: boolean;
}

/** What {@link mergeSweeps} found and did. */
export interface MergeSummary {
  /** runs of the sweep */
  expected: number;
  /** runs merged */
  merged: number;
  /** ids of runs no directory holds, in sweep order */
  missing: string[];
  /** ids held more than once with the same outcome (kept once) */
  duplicates: string[];
  /** torn last lines dropped, by directory */
  torn: string[];
  /** whether the output was written */
  written: boolean;
}

/**
 * Joins the directories of a sweep's shards (or of any runs of one sweep) into `out`: one line
 * per run in sweep order, with its records. Every directory must hold the same sweep (same
 * sweep file, interval and family modules). A run found twice with the same outcome is a
 * duplicate, kept once and reported; found twice with different outcomes it is an error (the
 * runs were not deterministic, or a file was edited). Missing runs are reported, and the output
 * is then written only with `partial` (a merged directory can be completed by `ntp sweep run`).
 */
export async function mergeSweeps(dirs: readonly string[], out: string, opts: MergeOptions = {}): Promise<MergeSummary> {
  if (dirs.length === 0) throw new NtpError('usage', 'give at least one sweep directory to merge');
  if (dirs.some((d) => resolve(d) === resolve(out))) throw new NtpError('usage', `the output directory ${out} is one of the directories to merge: give a new one`);
  let meta: SweepMeta | null = null;
  const found = new Map<string, { line: RunLine; dir: string }>();
  const duplicates = new Set<string>();
  const torn: string[] = [];
  for (const dir of dirs) {
    const m = await readMeta(dir);
    if (!m) throw new NtpError('io', `${dir} is not a sweep directory (no ${META_FILE})`);
    if (meta && !sameSweep(meta, m)) throw new NtpError('sweep-mismatch', `${dir} holds the runs of another sweep than ${dirs[0]} (their ${META_FILE} differ)`);
    meta ??= m;
    const log = await readRunsLog(dir);
    if (log.torn !== null) torn.push(dir);
    for (const line of log.lines) {
      const seen = found.get(line.id);
      if (!seen) {
        found.set(line.id, { line, dir });
        continue;
      }
      if (outcomeKey(seen.line) !== outcomeKey(line)) {
        throw new NtpError('conflict', `run ${line.id} has different outcomes in ${seen.dir} and ${dir}: the results do not agree, so they cannot be merged`);
      }
      duplicates.add(line.id);
    }
  }
  const m = meta as SweepMeta;
  const families = await loadFamilies(m.modules);
  const runs = expandSweep(m.sweep, { families, defaultFamily: DEFAULT_FAMILY, yes: true });
  const expected = new Set(runs.map((r) => r.id));
  for (const id of found.keys()) if (!expected.has(id)) throw new NtpError('bad-runs', `run ${id} of ${found.get(id)?.dir} is not a run of the sweep`);
  const missing = runs.filter((r) => !found.has(r.id)).map((r) => r.id);
  const summary: MergeSummary = { expected: runs.length, merged: found.size, missing, duplicates: [...duplicates], torn, written: false };
  if (missing.length > 0 && !opts.partial) return summary;

  const lines = runs.flatMap((r) => (found.has(r.id) ? [(found.get(r.id) as { line: RunLine }).line] : []));
  // records first, then runs.jsonl and sweep.json together: a directory without runs.jsonl holds no runs
  await rm(join(out, RUNS_FILE), { force: true });
  await mkdir(join(out, 'records'), { recursive: true });
  for (const line of lines) {
    if (line.status === 'failed') continue;
    const from = recordsPath((found.get(line.id) as { dir: string }).dir, line.id);
    try {
      await copyFile(from, recordsPath(out, line.id));
    } catch (e) {
      throw new NtpError('io', `cannot copy the records of run ${line.id} from ${from}: ${(e as Error).message}`);
    }
  }
  const merged: SweepMeta = { ...m, shard: null };
  await writeFilesAtomic([
    { path: join(out, META_FILE), content: JSON.stringify(merged, null, 1) + '\n' },
    { path: join(out, RUNS_FILE), content: lines.map((l) => JSON.stringify(l) + '\n').join('') },
  ]);
  return { ...summary, written: true };
}
