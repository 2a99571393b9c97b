import { createHash } from 'node:crypto';
import { NtpError } from '../errors.js';
import type { SweepFamily } from './family.js';

/** A value an option of a run takes in a sweep file (a family validates its own types). */
export type ConfigValue = string | number | boolean | null | ConfigValue[] | { [key: string]: ConfigValue };

/** One run's options, as the family's `run` reads them (plus `family`). */
export type RunConfig = Record<string, ConfigValue>;

/**
 * An integer range on a grid axis, both ends included: `{ "from": 1, "to": 100 }` is the seeds
 * 1, 2, …, 100 (`step` defaults to 1).
 */
export interface AxisRange {
  from: number;
  to: number;
  step?: number;
}

/**
 * A sweep file: a base config plus axes. `grid` takes every combination of its axes' values (the
 * first axis varies slowest); `list` gives whole configs. With both, every list entry is
 * combined with every grid point. The options are those of the family's single run (for the core
 * family `ntp`: `train()`'s options plus `vocab`, `seed` and `data`), and `family` itself.
 */
export interface SweepFile {
  base?: RunConfig;
  grid?: Record<string, ConfigValue[] | AxisRange>;
  list?: RunConfig[];
}

/** A run of an expanded sweep: its stable id, its position in the sweep and its config. */
export interface SweepRun {
  /** hash of the resolved config (16 hex digits): the same config has the same id in every sweep */
  id: string;
  /** position in the expanded sweep (grid order, then list order) */
  index: number;
  config: RunConfig;
}

/** Runs a sweep may expand to without `yes` (a typo such as a seed range to 10^7 is refused). */
export const DEFAULT_RUN_LIMIT = 10_000;

/** Options of {@link expandSweep}. */
export interface ExpandOptions {
  /** largest number of runs accepted (default {@link DEFAULT_RUN_LIMIT}) */
  limit?: number;
  /** accept any number of runs */
  yes?: boolean;
  /** the family names and their options; `family` defaults to `defaultFamily` */
  families: ReadonlyMap<string, SweepFamily>;
  defaultFamily: string;
}

const TOP_KEYS = ['base', 'grid', 'list'];

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isRange(x: unknown): x is AxisRange {
  return isPlainObject(x) && 'from' in x && 'to' in x;
}

/** Checks an axis (a list of values or a range) and returns its number of values. */
function axisLength(name: string, axis: unknown): number {
  if (Array.isArray(axis)) {
    if (axis.length === 0) throw new NtpError('bad-sweep', `grid axis "${name}" is empty: give it at least one value`);
    return axis.length;
  }
  if (isRange(axis)) {
    const extra = Object.keys(axis).filter((k) => !['from', 'to', 'step'].includes(k));
    if (extra.length) throw new NtpError('bad-sweep', `grid axis "${name}": unknown range key "${extra[0]}" (a range is { "from", "to", "step" })`);
    const step = axis.step ?? 1;
    for (const [k, v] of [['from', axis.from], ['to', axis.to], ['step', step]] as const) {
      if (!Number.isSafeInteger(v)) throw new NtpError('bad-sweep', `grid axis "${name}": range ${k} must be an integer (got ${JSON.stringify(v)})`);
    }
    if (step < 1) throw new NtpError('bad-sweep', `grid axis "${name}": range step must be >= 1 (got ${step})`);
    if (axis.to < axis.from) throw new NtpError('bad-sweep', `grid axis "${name}" is empty: range from ${axis.from} to ${axis.to}`);
    return Math.floor((axis.to - axis.from) / step) + 1;
  }
  throw new NtpError('bad-sweep', `grid axis "${name}" must be a list of values or a range { "from", "to" } (got ${JSON.stringify(axis)})`);
}

function axisValueAt(axis: ConfigValue[] | AxisRange, i: number): ConfigValue {
  return Array.isArray(axis) ? axis[i] : axis.from + i * (axis.step ?? 1);
}

/** JSON with object keys sorted at every level: the same config always prints the same. */
export function canonicalJSON(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonicalJSON).join(',')}]`;
  if (isPlainObject(x)) {
    return `{${Object.keys(x)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJSON(x[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(x);
}

/** The stable id of a resolved config: the first 16 hex digits of SHA-256 of its canonical JSON. */
export function runId(config: RunConfig): string {
  return createHash('sha256').update(canonicalJSON(config)).digest('hex').slice(0, 16);
}

/** Parses a sweep file's text (JSON), naming the file's problem. */
export function parseSweepFile(text: string, source = 'the sweep file'): SweepFile {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (e) {
    throw new NtpError('bad-sweep', `${source} is not valid JSON: ${(e as Error).message}`);
  }
  return checkSweepShape(x);
}

function checkSweepShape(x: unknown): SweepFile {
  if (!isPlainObject(x)) throw new NtpError('bad-sweep', 'a sweep file is a JSON object { "base": {…}, "grid": {…}, "list": […] }');
  const unknown = Object.keys(x).find((k) => !TOP_KEYS.includes(k));
  if (unknown !== undefined) throw new NtpError('bad-sweep', `unknown key "${unknown}" in the sweep file (expected base, grid, list)`);
  if (x.base !== undefined && !isPlainObject(x.base)) throw new NtpError('bad-sweep', '"base" must be an object of options');
  if (x.grid !== undefined && !isPlainObject(x.grid)) throw new NtpError('bad-sweep', '"grid" must be an object { "option": [values…] }');
  if (x.list !== undefined) {
    if (!Array.isArray(x.list)) throw new NtpError('bad-sweep', '"list" must be an array of configs');
    if (x.list.length === 0) throw new NtpError('bad-sweep', '"list" is empty: give at least one config, or leave it out');
    x.list.forEach((c, i) => {
      if (!isPlainObject(c)) throw new NtpError('bad-sweep', `list entry ${i} must be an object of options`);
    });
  }
  return x as SweepFile;
}

/** Number of runs a sweep expands to, computed without expanding it. */
export function countRuns(sweep: SweepFile): number {
  const s = checkSweepShape(sweep);
  let n = s.list ? s.list.length : 1;
  for (const [name, axis] of Object.entries(s.grid ?? {})) n *= axisLength(name, axis);
  return n;
}

function familyOf(config: RunConfig, where: string, opts: ExpandOptions): SweepFamily {
  const name = config.family ?? opts.defaultFamily;
  const family = typeof name === 'string' ? opts.families.get(name) : undefined;
  if (!family) {
    throw new NtpError('bad-sweep', `${where}: unknown family ${JSON.stringify(name)} (known: ${[...opts.families.keys()].join(', ')})`);
  }
  return family;
}

function checkOptionNames(config: RunConfig, family: SweepFamily, where: string, origin: (key: string) => string): void {
  for (const key of Object.keys(config)) {
    if (key === 'family') continue;
    if (!family.options.includes(key)) {
      throw new NtpError('bad-sweep', `${where}: unknown option "${key}" ${origin(key)}for family ${family.name} (options: ${family.options.join(', ')})`);
    }
  }
}

/**
 * Expands a sweep into its runs, in a fixed order (grid order with the first axis slowest, then
 * list order), each with its resolved config and stable id. Refuses, before expanding, a sweep
 * larger than the limit; checks every option name against its family and calls the family's
 * `validate` on every config, so a mistake is reported before any run starts. Duplicate configs
 * (the same id twice) are an error: they would be one run.
 */
export function expandSweep(sweep: SweepFile, opts: ExpandOptions): SweepRun[] {
  const s = checkSweepShape(sweep);
  const limit = opts.limit ?? DEFAULT_RUN_LIMIT;
  const total = countRuns(s);
  if (total > limit && !opts.yes) {
    throw new NtpError('too-many-runs', `the sweep expands to ${total} runs, more than the limit of ${limit}; check the grid's axes, or pass --yes (API: yes: true) to run them all`);
  }
  const grid = Object.entries(s.grid ?? {}) as [string, ConfigValue[] | AxisRange][];
  const lengths = grid.map(([name, axis]) => axisLength(name, axis));
  const list = s.list ?? [{}];
  const base = s.base ?? {};
  const axisOrigin = (key: string) => (Object.hasOwn(s.grid ?? {}, key) ? '(a grid axis) ' : '');
  const gridPoints = lengths.reduce((a, b) => a * b, 1);
  const runs: SweepRun[] = [];
  const seen = new Map<string, number>();
  for (let l = 0; l < list.length; l++) {
    for (let g = 0; g < gridPoints; g++) {
      const config: RunConfig = { ...base };
      let rest = g;
      for (let a = grid.length - 1; a >= 0; a--) {
        config[grid[a][0]] = axisValueAt(grid[a][1], rest % lengths[a]);
        rest = Math.floor(rest / lengths[a]);
      }
      Object.assign(config, list[l]);
      const index = runs.length;
      const where = `run ${index}${s.list ? ` (list entry ${l})` : ''}`;
      const family = familyOf(config, where, opts);
      config.family = family.name;
      checkOptionNames(config, family, where, axisOrigin);
      try {
        family.validate(familyOptions(config));
      } catch (e) {
        // a family's validate reports a bad config, whatever class it throws
        if (e instanceof Error) throw new NtpError('bad-sweep', `${where}: ${e.message}`);
        throw e;
      }
      const id = runId(config);
      const twin = seen.get(id);
      if (twin !== undefined) throw new NtpError('bad-sweep', `${where} has the same config as run ${twin} (id ${id}): a value is repeated on an axis or in the list`);
      seen.set(id, index);
      runs.push({ id, index, config });
    }
  }
  return runs;
}

/** Parses a shard `I/N` (0 ≤ I < N). */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count)) throw new NtpError('usage', `option --shard must be I/N with 0 <= I < N (got ${JSON.stringify(text)})`);
  return { index, count };
}

/**
 * The shard a run belongs to: its id (a hash) read as a number modulo the count, so the split
 * depends on the configs only, not on their order in the sweep file.
 */
export function shardOf(id: string, count: number): number {
  return Number(BigInt(`0x${id}`) % BigInt(count));
}

/** A run's config as its family sees it: the options without the `family` key the engine reads. */
export function familyOptions(config: RunConfig): RunConfig {
  const { family: _family, ...options } = config;
  return options;
}
