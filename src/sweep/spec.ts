import { createHash } from 'node:crypto';
import { NtpError } from '../errors.js';
import { findDuplicateKey } from '../io/json-keys.js';
import type { SweepFamily } from '../family/sweep-family.js';

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

/**
 * Runs no sweep may expand to, even with `yes`. Each run leaves a line of about 1 KB in
 * runs.jsonl and a records file, and a resume holds every run's id in memory: 10^7 runs are
 * already ~10 GB of log and hours of bookkeeping before any training, so a larger grid is a typo
 * (a seed range to 10^15) or wants splitting into several sweep files.
 */
export const HARD_RUN_LIMIT = 10_000_000;

/**
 * Deepest nesting of arrays and objects in a sweep file (the file itself is level 1; an option's
 * value in `base` is at level 3). Options are numbers, strings or short lists; a deeper value is
 * a generated or corrupted file, and walking it by recursion would overflow the stack.
 */
export const MAX_SWEEP_DEPTH = 12;

/**
 * Names that are never options: as keys of a plain object they reach its prototype (`__proto__`)
 * or shadow its methods, so a config holding them would not be the config written.
 */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf']);

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

/**
 * Parses a sweep file's text (JSON), naming the file's problem. A key given twice in one object
 * is refused (JSON.parse would keep the last silently, so `"eta0": 0.1, …, "eta0": 1` would run
 * whichever came last).
 */
export function parseSweepFile(text: string, source = 'the sweep file'): SweepFile {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (e) {
    throw new NtpError('bad-sweep', `${source} is not valid JSON: ${(e as Error).message}`);
  }
  checkDepth(x);
  const dup = findDuplicateKey(text);
  if (dup) throw new NtpError('bad-sweep', `${source}: the key ${JSON.stringify(dup.key)} appears twice in one object (line ${dup.line}, column ${dup.column}); JSON keeps only the last, so give it once`);
  return checkSweepShape(x);
}

const pathOf = (parent: string, key: string | number): string =>
  typeof key === 'number' ? `${parent}[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? (parent ? `${parent}.${key}` : key) : `${parent}[${JSON.stringify(key)}]`;

/**
 * Refuses a value nested deeper than {@link MAX_SWEEP_DEPTH}, naming where; walks with its own
 * stack (no recursion), so any depth is refused rather than overflowing the call stack, and a
 * cyclic object (API) is refused as too deep.
 */
function checkDepth(root: unknown): void {
  const stack: Array<{ x: unknown; depth: number; path: string }> = [{ x: root, depth: 1, path: '' }];
  while (stack.length) {
    const { x, depth, path } = stack.pop() as { x: unknown; depth: number; path: string };
    if (typeof x !== 'object' || x === null) continue;
    if (depth > MAX_SWEEP_DEPTH) {
      throw new NtpError('bad-sweep', `the sweep file nests arrays or objects more than ${MAX_SWEEP_DEPTH} deep at ${path}: an option's value is a number, a string or a short list`);
    }
    if (Array.isArray(x)) x.forEach((v, i) => stack.push({ x: v, depth: depth + 1, path: pathOf(path, i) }));
    else for (const k of Object.keys(x)) stack.push({ x: (x as Record<string, unknown>)[k], depth: depth + 1, path: pathOf(path, k) });
  }
}

function checkNames(options: Record<string, unknown>, where: string): void {
  for (const k of Object.keys(options)) {
    if (RESERVED_NAMES.has(k)) throw new NtpError('bad-sweep', `${where}: ${JSON.stringify(k)} is a reserved name, not an option (a key that would reach the config object's prototype or methods)`);
  }
}

function checkSweepShape(x: unknown): SweepFile {
  if (!isPlainObject(x)) throw new NtpError('bad-sweep', 'a sweep file is a JSON object { "base": {…}, "grid": {…}, "list": […] }');
  checkDepth(x);
  const unknown = Object.keys(x).find((k) => !TOP_KEYS.includes(k));
  if (unknown !== undefined) throw new NtpError('bad-sweep', `unknown key "${unknown}" in the sweep file (expected base, grid, list)`);
  if (x.base !== undefined && !isPlainObject(x.base)) throw new NtpError('bad-sweep', '"base" must be an object of options');
  if (x.grid !== undefined && !isPlainObject(x.grid)) throw new NtpError('bad-sweep', '"grid" must be an object { "option": [values…] }');
  if (x.list !== undefined) {
    if (!Array.isArray(x.list)) throw new NtpError('bad-sweep', '"list" must be an array of configs');
    if (x.list.length === 0) throw new NtpError('bad-sweep', '"list" is empty: give at least one config, or leave it out');
    x.list.forEach((c, i) => {
      if (!isPlainObject(c)) throw new NtpError('bad-sweep', `list entry ${i} must be an object of options`);
      checkNames(c, `list entry ${i}`);
    });
  }
  if (isPlainObject(x.base)) checkNames(x.base, '"base"');
  if (isPlainObject(x.grid)) checkNames(x.grid, '"grid"');
  return x as SweepFile;
}

/**
 * Number of runs a sweep expands to, computed from its axes' lengths as a product without
 * expanding anything (a float: a 10^15-run grid counts as 10^15, exactly enough to refuse it).
 */
export function countRuns(sweep: SweepFile): number {
  const s = checkSweepShape(sweep);
  let n = s.list ? s.list.length : 1;
  for (const [name, axis] of Object.entries(s.grid ?? {})) n *= axisLength(name, axis);
  return n;
}

/**
 * Refuses a sweep of more runs than `limit` (unless `yes`) or than {@link HARD_RUN_LIMIT} (even
 * with `yes`), naming the count; returns the count. Call it before anything is allocated.
 */
export function checkRunCount(sweep: SweepFile, opts: { limit?: number; yes?: boolean }): number {
  const total = countRuns(sweep);
  const limit = opts.limit ?? DEFAULT_RUN_LIMIT;
  const count = total <= Number.MAX_SAFE_INTEGER ? String(total) : total.toExponential(3);
  if (total > HARD_RUN_LIMIT) {
    throw new NtpError('too-many-runs', `the sweep expands to ${count} runs, more than the ${HARD_RUN_LIMIT} any sweep may have (even with --yes): check the grid's axes, or split it into several sweep files`);
  }
  if (total > limit && !opts.yes) {
    throw new NtpError('too-many-runs', `the sweep expands to ${count} runs, more than the limit of ${limit}; check the grid's axes, or pass --yes (API: yes: true) to run them all`);
  }
  return total;
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
  return [...sweepRuns(sweep, opts)];
}

/**
 * The runs of {@link expandSweep} one at a time, each validated as it comes: a caller that
 * streams runs holds none but the current one (and the ids seen, to refuse duplicates). The
 * count is checked before the first run is made.
 */
export function* sweepRuns(sweep: SweepFile, opts: ExpandOptions): Generator<SweepRun> {
  const s = checkSweepShape(sweep);
  checkRunCount(s, opts);
  const grid = Object.entries(s.grid ?? {}) as [string, ConfigValue[] | AxisRange][];
  const lengths = grid.map(([name, axis]) => axisLength(name, axis));
  const list = s.list ?? [{}];
  const base = s.base ?? {};
  const axisOrigin = (key: string) => (Object.hasOwn(s.grid ?? {}, key) ? '(a grid axis) ' : '');
  const gridPoints = lengths.reduce((a, b) => a * b, 1);
  const seen = new Map<string, number>();
  let index = 0;
  for (let l = 0; l < list.length; l++) {
    for (let g = 0; g < gridPoints; g++, index++) {
      const config: RunConfig = { ...base };
      // the axes' positions from the last (fastest) axis, set in the file's order so a config
      // lists its options as the sweep file does (the id sorts them anyway)
      const at = new Array<number>(grid.length);
      let rest = g;
      for (let a = grid.length - 1; a >= 0; a--) {
        at[a] = rest % lengths[a];
        rest = Math.floor(rest / lengths[a]);
      }
      for (let a = 0; a < grid.length; a++) config[grid[a][0]] = axisValueAt(grid[a][1], at[a]);
      Object.assign(config, list[l]);
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
      yield { id, index, config };
    }
  }
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
