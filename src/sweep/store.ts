import { open, readdir, readFile, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { NtpError } from '../errors.js';
import { readTextFile, writeFilesAtomic } from '../io/files.js';
import type { MetricValue, RunRecord, RunStatus } from '../family/sweep-family.js';
import { canonicalJSON, type RunConfig, type SweepFile } from './spec.js';

/** One line of runs.jsonl: a finished run (or a failed one, with its error). */
export interface RunLine {
  id: string;
  /** position in the expanded sweep */
  index: number;
  config: RunConfig;
  /** how the run ended (`completed`, `converged`, `diverged`, `overflow`, `stopped`), or `failed` (it threw) */
  status: RunStatus | 'failed';
  /** the last record's metrics (for `ntp`: the last stage-2 record); empty for a failed run */
  final: Record<string, MetricValue>;
  /** fitted rates, when the family reports them (`extra.rates`) */
  rates: unknown;
  /** the rest of the family's `extra` */
  extra?: Record<string, unknown>;
  /** the exception's message, for a failed run */
  error?: string;
  /** a failed run that failed to read an input (a missing data file): run again on resume */
  retry?: boolean;
  /** milliseconds the run took in its worker (the only field that varies between repeats) */
  wallMs: number;
}

/** DIR/records/ID.json: a run's records at the sweep's interval. */
export interface RunRecordsFile {
  id: string;
  records: RunRecord[];
}

/** DIR/sweep.json: what the directory holds the runs of. */
export interface SweepMeta {
  sweep: SweepFile;
  every: number;
  /** the shard this directory runs, or null for all runs */
  shard: { index: number; count: number } | null;
  /** extra family modules */
  modules: string[];
}

export const RUNS_FILE = 'runs.jsonl';
export const META_FILE = 'sweep.json';
export const recordsPath = (dir: string, id: string): string => join(dir, 'records', `${id}.json`);

/** What {@link readRunsLog} found. */
export interface RunsLog {
  lines: RunLine[];
  /** the torn last line that was dropped (a sweep killed while writing it), if any */
  torn: string | null;
  /** its line number (1-based), or null */
  tornLine: number | null;
  /** bytes of the file up to the end of the last whole line */
  goodBytes: number;
}

/**
 * Reads runs.jsonl. Every line is written whole with its newline by one write, so only the last
 * line can be torn (the process was killed mid-write): a last line without its newline is
 * dropped, its run counted as not done. Any other bad line is an error naming its line number.
 * A missing file is an empty log.
 */
export async function readRunsLog(dir: string): Promise<RunsLog> {
  const path = join(dir, RUNS_FILE);
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], torn: null, tornLine: null, goodBytes: 0 };
    throw new NtpError('io', `cannot read ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  const end = buf.lastIndexOf(0x0a) + 1;
  const torn = end < buf.length ? buf.subarray(end).toString('utf8') : null;
  const text = buf.subarray(0, end).toString('utf8');
  const lines: RunLine[] = [];
  const rows = text.split('\n');
  rows.pop();
  rows.forEach((row, i) => {
    let x: RunLine;
    try {
      x = JSON.parse(row) as RunLine;
    } catch {
      throw new NtpError('bad-runs', `${path}: line ${i + 1} is not JSON (${JSON.stringify(row.slice(0, 60))}); the file was edited or corrupted`);
    }
    if (typeof x?.id !== 'string' || typeof x.status !== 'string') throw new NtpError('bad-runs', `${path}: line ${i + 1} has no run id or status`);
    lines.push(x);
  });
  return { lines, torn, tornLine: torn === null ? null : rows.length + 1, goodBytes: end };
}

/** Cuts a torn last line off runs.jsonl, so appends start on a line of their own. */
export async function dropTornLine(dir: string, log: RunsLog): Promise<void> {
  if (log.torn !== null) await truncate(join(dir, RUNS_FILE), log.goodBytes);
}

/**
 * Rewrites runs.jsonl with `lines` only (by a temporary file and a rename, so a kill leaves the
 * old file or the new one): how a resume forgets runs it will run again.
 */
export async function rewriteRunsLog(dir: string, lines: readonly RunLine[]): Promise<void> {
  await writeFilesAtomic([{ path: join(dir, RUNS_FILE), content: lines.map((l) => JSON.stringify(l) + '\n').join('') }]);
}

/**
 * Removes the temporary files of records writes a killed sweep left in DIR/records (written as
 * `.ID.json.PID.TIME.N.tmp`, then renamed); call it holding the directory's lock.
 */
export async function removeRecordTemporaries(dir: string): Promise<number> {
  const names = await readdir(join(dir, 'records')).catch(() => [] as string[]);
  const temps = names.filter((n) => /^\..+\.json\.\d+\.\d+\.\d+\.tmp$/.test(n));
  for (const n of temps) await rm(join(dir, 'records', n), { force: true });
  return temps.length;
}

/** Ids of the runs whose records file DIR/records/ID.json exists. */
export async function recordedIds(dir: string): Promise<Set<string>> {
  const names = await readdir(join(dir, 'records')).catch(() => [] as string[]);
  return new Set(names.filter((n) => /^[0-9a-f]{16}\.json$/.test(n)).map((n) => n.slice(0, 16)));
}

/** Appends run lines to runs.jsonl one write each, in the order they are given. */
export class RunsWriter {
  private chain: Promise<void> = Promise.resolve();
  private constructor(private readonly handle: import('node:fs/promises').FileHandle) {}

  static async open(dir: string): Promise<RunsWriter> {
    return new RunsWriter(await open(join(dir, RUNS_FILE), 'a'));
  }

  /**
   * Writes the run's records file (atomically), then its line: a line in runs.jsonl always has
   * its records beside it.
   */
  append(dir: string, line: RunLine, records: RunRecord[] | null): Promise<void> {
    const next = this.chain.then(async () => {
      if (records) await writeFilesAtomic([{ path: recordsPath(dir, line.id), content: JSON.stringify({ id: line.id, records } satisfies RunRecordsFile) + '\n' }]);
      await this.handle.write(JSON.stringify(line) + '\n');
    });
    this.chain = next.catch(() => {});
    return next;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.handle.close();
  }
}

/** Reads DIR/sweep.json, or null when the directory has none. */
export async function readMeta(dir: string): Promise<SweepMeta | null> {
  const path = join(dir, META_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new NtpError('io', `cannot read ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as SweepMeta;
  } catch {
    throw new NtpError('bad-runs', `${path} is not JSON`);
  }
}

/** Reads a run's records file. */
export async function readRecords(dir: string, id: string): Promise<RunRecord[]> {
  const path = recordsPath(dir, id);
  let parsed: RunRecordsFile;
  try {
    parsed = JSON.parse(await readTextFile(path)) as RunRecordsFile;
  } catch (e) {
    if (e instanceof NtpError) throw e;
    throw new NtpError('bad-runs', `${path} is not JSON`);
  }
  return parsed.records;
}

/** True when two metas describe the same sweep (shards aside). */
export function sameSweep(a: SweepMeta, b: SweepMeta): boolean {
  return canonicalJSON(a.sweep) === canonicalJSON(b.sweep) && a.every === b.every && canonicalJSON(a.modules) === canonicalJSON(b.modules);
}

/** A run line without its wall time: what must agree between repeats of a run. */
export function outcomeKey(line: RunLine): string {
  const { wallMs: _ignored, ...rest } = line;
  return canonicalJSON(rest);
}
