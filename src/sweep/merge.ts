import { copyFile, lstat, mkdir, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NtpError } from '../errors.js';
import { replaceDirectoryAtomic } from '../io/output-dir.js';
import { DEFAULT_FAMILY, loadFamilies } from './families.js';
import { LOCK_FILE, liveLockHolder } from './lock.js';
import { sweepRuns } from './spec.js';
import { META_FILE, outcomeKey, readMeta, readRunsLog, recordsPath, RUNS_FILE, sameSweep, type RunLine, type SweepMeta } from './store.js';
import { optionsArg, arrayArg } from '../api/arguments.js';

/**
 * DIR/merge.json: marks a directory `ntp sweep merge` made, and from which inputs. Merge
 * replaces only a directory holding it (or an empty one), so it never overwrites another sweep's
 * directory or a user's files.
 */
export const MERGE_MARKER = 'merge.json';

/** What {@link MERGE_MARKER} holds. */
export interface MergeMarker {
  createdBy: 'ntp sweep merge';
  /** the merged directories, as absolute paths */
  inputs: string[];
  /** runs merged and runs of the sweep */
  merged: number;
  expected: number;
}

/**
 * What a merged directory may hold besides what merge writes: a dead sweep's lock (`ntp sweep
 * run` completes a partial merge in place) and the default output of `ntp sweep report`, both
 * derived from the directory and replaced with it.
 */
const DERIVED_ENTRIES = [LOCK_FILE, 'report'];

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
  arrayArg(dirs, 'mergeSweeps(dirs, out, options): dirs');
  opts = optionsArg(opts, 'mergeSweeps(dirs, out, options): options');
  if (dirs.length === 0) throw new NtpError('usage', 'give at least one sweep directory to merge');
  if (typeof out !== 'string' || out.trim() === '') throw new NtpError('usage', `option out must name a directory (got ${JSON.stringify(out)})`);
  await checkOut(out, dirs);
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
  // the sweep's runs streamed in order: only the merged lines are held
  const lines: RunLine[] = [];
  const missing: string[] = [];
  let expected = 0;
  const matched = new Set<string>();
  for (const r of sweepRuns(m.sweep, { families, defaultFamily: DEFAULT_FAMILY, yes: true })) {
    expected++;
    const hit = found.get(r.id);
    if (hit) {
      lines.push(hit.line);
      matched.add(r.id);
    } else missing.push(r.id);
  }
  for (const id of found.keys()) if (!matched.has(id)) throw new NtpError('bad-runs', `run ${id} of ${found.get(id)?.dir} is not a run of the sweep`);
  const summary: MergeSummary = { expected, merged: found.size, missing, duplicates: [...duplicates], torn, written: false };
  if (missing.length > 0 && !opts.partial) return summary;

  const marker: MergeMarker = { createdBy: 'ntp sweep merge', inputs: dirs.map((d) => resolve(d)), merged: found.size, expected };
  const merged: SweepMeta = { ...m, shard: null };
  // all or nothing: the directory is written beside `out` and swapped in whole
  await replaceDirectoryAtomic(
    out,
    async (fresh) => {
      await mkdir(join(fresh, 'records'));
      for (const line of lines) {
        if (line.status === 'failed') continue;
        const from = recordsPath((found.get(line.id) as { dir: string }).dir, line.id);
        try {
          await copyFile(from, recordsPath(fresh, line.id));
        } catch (e) {
          throw new NtpError('io', `cannot copy the records of run ${line.id} from ${from}: ${(e as Error).message}`);
        }
      }
      await writeFile(join(fresh, META_FILE), JSON.stringify(merged, null, 1) + '\n');
      await writeFile(join(fresh, RUNS_FILE), lines.map((l) => JSON.stringify(l) + '\n').join(''));
      await writeFile(join(fresh, MERGE_MARKER), JSON.stringify(marker, null, 1) + '\n');
    },
    () => checkOut(out, dirs),
  );
  return { ...summary, written: true };
}

/**
 * Refuses an output directory merge must not replace: one that is (or links to) an input, a
 * symbolic link, a non-empty directory merge did not make, or one a live sweep is running into.
 */
async function checkOut(out: string, dirs: readonly string[]): Promise<void> {
  const real = async (p: string) => realpath(p).catch(() => resolve(p));
  const target = await real(out);
  for (const d of dirs) {
    if ((await real(d)) === target) throw new NtpError('io', `the output directory ${out} is one of the directories to merge (${d}): give a new one`);
  }
  const st = await lstat(out).catch(() => null);
  if (!st) return;
  if (st.isSymbolicLink()) throw new NtpError('io', `the output directory ${out} is a symbolic link: merge replaces the directory, so give the directory itself or a new one`);
  if (!st.isDirectory()) throw new NtpError('io', `the output path ${out} is a file, not a directory`);
  const entries = await readdir(out).catch((e) => {
    throw new NtpError('io', `cannot read the output directory ${out}: ${(e as Error).message}`);
  });
  if (entries.length === 0) return;
  const marker = await readFile(join(out, MERGE_MARKER), 'utf8').then((t) => JSON.parse(t) as Partial<MergeMarker>, () => null);
  if (marker?.createdBy !== 'ntp sweep merge') {
    throw new NtpError('io', `the output directory ${out} is not empty and was not made by ntp sweep merge (no ${MERGE_MARKER}): merge replaces the whole directory, so give a new or empty one`);
  }
  const holder = await liveLockHolder(out);
  if (holder) throw new NtpError('sweep-locked', `the output directory ${out} is locked by ${holder}: a sweep is running into it; wait for it, or give another --out`);
  const allowed = new Set([META_FILE, RUNS_FILE, 'records', MERGE_MARKER, ...DERIVED_ENTRIES]);
  const foreign = entries.find((e) => !allowed.has(e));
  if (foreign !== undefined) throw new NtpError('io', `the output directory ${out} holds ${JSON.stringify(foreign)}, which merge did not write; merge replaces the whole directory, so move it away or give a new --out`);
}
