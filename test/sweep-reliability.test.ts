// Sweeps that cannot lose data: output directories that cannot be made, merges that would
// overwrite what they did not write, and merges killed at many instants.
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { generateRealizable } from '../src/dataset/random.js';
import { stringifyDataset } from '../src/dataset/format.js';
import { NtpError } from '../src/errors.js';
import { MAX_RUN_BYTES } from '../src/engine/limits.js';
import { DEFAULT_FAMILY, loadFamilies } from '../src/sweep/families.js';
import { RUN_STATUSES } from '../src/family/sweep-family.js';
import { MERGE_MARKER, mergeSweeps } from '../src/sweep/merge.js';
import { runSweep } from '../src/sweep/run.js';
import { checkRunCount, countRuns, expandSweep, HARD_RUN_LIMIT, MAX_SWEEP_DEPTH, parseSweepFile, sweepRuns, type SweepFile } from '../src/sweep/spec.js';
import { autoregressiveFamily } from '../src/tasks/autoregressive/sweep.js';
import { cyclicFamily } from '../src/tasks/cyclic/sweep.js';
import { factorizedFamily } from '../src/tasks/factorized/sweep.js';
import { factorizedRankFamily } from '../src/tasks/factorized/rank-sweep.js';
import { recallFamily } from '../src/tasks/recall/sweep.js';
import { ntpFamily } from '../src/sweep/ntp.js';
import { capture } from './helpers/cli.js';

const families = await loadFamilies();
const expand = (sweep: SweepFile, extra: { yes?: boolean } = {}) => expandSweep(sweep, { families, defaultFamily: DEFAULT_FAMILY, ...extra });
const CLI = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
const SWEEP: SweepFile = { base: { t0: 6, t1: 6, vocab: 6 }, grid: { seed: { from: 1, to: 12 } } };

let dir: string;
let file: string;
let s0: string;
let s1: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ntp-sweeprel-'));
  file = join(dir, 'sweep.json');
  await writeFile(file, JSON.stringify(SWEEP));
  s0 = join(dir, 's0');
  s1 = join(dir, 's1');
  await runSweep(SWEEP, { out: s0, workers: 0, shard: { index: 0, count: 2 } });
  await runSweep(SWEEP, { out: s1, workers: 0, shard: { index: 1, count: 2 } });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every file under a directory with its text, by relative path; null when it does not exist. */
async function snapshot(d: string): Promise<Record<string, string> | null> {
  const names = await readdir(d, { recursive: true }).catch(() => null);
  if (names === null) return null;
  const out: Record<string, string> = {};
  for (const n of names.sort()) {
    const p = join(d, n);
    if ((await stat(p)).isFile()) out[n] = await readFile(p, 'utf8');
  }
  return out;
}

/** A one-line error, no stack trace. */
function oneLine(err: string): void {
  expect(err).toMatch(/^error: /);
  expect(err).not.toMatch(/\n\s+at /);
}

describe('an --out that cannot be made', () => {
  it('sweep run: an empty --out is a malformed command line (2); a path under a file exits 1 in one line, creating nothing', async () => {
    const io = capture();
    expect(await main(['sweep', 'run', file, '--out', ''], io)).toBe(2);
    expect(io.err).toMatch(/option --out (must name a directory|needs a directory name)/);
    const plain = join(dir, 'plain-file');
    await writeFile(plain, 'not a directory\n');
    const io2 = capture();
    expect(await main(['sweep', 'run', file, '--out', join(plain, 'a', 'b'), '--workers', '1'], io2)).toBe(1);
    oneLine(io2.err);
    expect(io2.err).toMatch(/cannot create the output directory .*plain-file\/a\/b.*: a part of the path is a file, not a directory/);
    expect(await readFile(plain, 'utf8')).toBe('not a directory\n');
    // the API refuses an empty out too, before anything starts
    await expect(runSweep(SWEEP, { out: '', workers: 0 })).rejects.toThrow(/option out must name a directory/);
  });

  it('sweep merge: an empty --out exits 2, "." and a path under a file exit 1 in one line, creating nothing', async () => {
    const io = capture();
    expect(await main(['sweep', 'merge', s0, s1, '--out', ''], io)).toBe(2);
    expect(io.err).toMatch(/option --out (must name a directory|needs a directory name)/);
    const dot = capture();
    expect(await main(['sweep', 'merge', s0, s1, '--out', '.'], dot)).toBe(1);
    oneLine(dot.err);
    const plain = join(dir, 'plain-file-2');
    await writeFile(plain, 'x');
    const io2 = capture();
    expect(await main(['sweep', 'merge', s0, s1, '--out', join(plain, 'm')], io2)).toBe(1);
    oneLine(io2.err);
    expect(io2.err).toMatch(/a part of the path is a file, not a directory|is a file, not a directory/);
    expect(await readFile(plain, 'utf8')).toBe('x');
  });
});

describe('merge never replaces what it did not write', () => {
  it('refuses another sweep\'s directory, a user\'s runs.jsonl, a symlink to an input, and a directory a live sweep locks', async () => {
    const before0 = await snapshot(s0);
    const io = capture();
    expect(await main(['sweep', 'merge', s1, '--out', s0, '--partial'], io)).toBe(1);
    oneLine(io.err);
    expect(io.err).toMatch(/is not empty and was not made by ntp sweep merge/);
    expect(await snapshot(s0)).toEqual(before0);

    const user = join(dir, 'user');
    await mkdir(user);
    await writeFile(join(user, 'runs.jsonl'), 'my own notes\n');
    await expect(mergeSweeps([s0, s1], user)).rejects.toThrow(/not made by ntp sweep merge/);
    expect(await snapshot(user)).toEqual({ 'runs.jsonl': 'my own notes\n' });

    const link = join(dir, 'link-to-s0');
    await symlink(s0, link);
    await expect(mergeSweeps([s0, s1], link)).rejects.toThrow(/is one of the directories to merge/);
    expect(await snapshot(s0)).toEqual(before0);
    const elsewhere = join(dir, 'link-elsewhere');
    await mkdir(join(dir, 'empty-target'));
    await symlink(join(dir, 'empty-target'), elsewhere);
    await expect(mergeSweeps([s0, s1], elsewhere)).rejects.toThrow(/is a symbolic link/);

    // a merged directory a sweep is completing (`ntp sweep run` into it) is locked by a live process
    const m = join(dir, 'm-locked');
    await mergeSweeps([s0], m, { partial: true });
    const lock = JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() }) + '\n';
    await writeFile(join(m, 'sweep.lock'), lock);
    const held = await snapshot(m);
    await expect(mergeSweeps([s0, s1], m)).rejects.toThrow(new RegExp(`locked by process ${process.pid}`));
    expect(await snapshot(m)).toEqual(held);
    // the same lock of a dead process does not stop it
    await writeFile(join(m, 'sweep.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), started: 'then' }) + '\n');
    const s = await mergeSweeps([s0, s1], m);
    expect(s).toMatchObject({ written: true, merged: 12, expected: 12 });
  });

  it('replaces its own earlier output whole, and marks it with the inputs', async () => {
    const m = join(dir, 'm-again');
    await mergeSweeps([s0], m, { partial: true });
    const first = await snapshot(m);
    const inS0 = (await readFile(join(s0, 'runs.jsonl'), 'utf8')).trimEnd().split('\n').length;
    expect(JSON.parse(first?.[MERGE_MARKER] ?? '{}')).toEqual({ createdBy: 'ntp sweep merge', inputs: [s0], merged: inS0, expected: 12 });
    await mergeSweeps([s0, s1], m);
    const second = (await snapshot(m)) as Record<string, string>;
    expect(JSON.parse(second[MERGE_MARKER])).toEqual({ createdBy: 'ntp sweep merge', inputs: [s0, s1], merged: 12, expected: 12 });
    expect(second['runs.jsonl'].trimEnd().split('\n')).toHaveLength(12);
    expect(Object.keys(second).filter((k) => k.startsWith('records/'))).toHaveLength(12);
    // a file a user put there is never swapped away
    await writeFile(join(m, 'notes.txt'), 'mine');
    await expect(mergeSweeps([s0, s1], m)).rejects.toThrow(/holds "notes.txt", which merge did not write/);
    expect(await readFile(join(m, 'notes.txt'), 'utf8')).toBe('mine');
  });
});

describe('a merge killed at any instant', () => {
  it('leaves the complete old or the complete new output (the old set aside between two renames), and the next merge leaves no temporaries', async () => {
    const out = join(dir, 'killed', 'out');
    const oldRef = join(dir, 'old-ref');
    const newRef = join(dir, 'new-ref');
    await mergeSweeps([s0], oldRef, { partial: true });
    await mergeSweeps([s0, s1], newRef);
    const norm = (x: Record<string, string> | null) => x && { ...x, [MERGE_MARKER]: JSON.parse(x[MERGE_MARKER] ?? 'null')?.merged };
    const oldSnap = norm(await snapshot(oldRef));
    const newSnap = norm(await snapshot(newRef));
    expect(oldSnap).not.toEqual(newSnap);
    const merge = () => spawn(process.execPath, [CLI, 'sweep', 'merge', s0, s1, '--out', out], { stdio: 'ignore' });
    const reset = async () => {
      await rm(join(dir, 'killed'), { recursive: true, force: true });
      await mkdir(join(dir, 'killed'));
      await cp(oldRef, out, { recursive: true });
    };
    // how long a whole merge takes here, to spread the kills over it
    await reset();
    const t0 = performance.now();
    const whole = merge();
    expect(await new Promise((r) => whole.on('exit', r))).toBe(0);
    const T = performance.now() - t0;
    expect(norm(await snapshot(out))).toEqual(newSnap);
    const outcomes = { old: 0, new: 0, aside: 0 };
    const K = 16;
    for (let k = 0; k < K; k++) {
      await reset();
      const child = merge();
      const exited = new Promise((r) => child.on('exit', r));
      await new Promise((r) => setTimeout(r, (T * (k + 0.5)) / K));
      child.kill('SIGKILL');
      await exited;
      const now = norm(await snapshot(out));
      if (now === null) {
        // killed between the two renames: the old output is whole beside it, and comes back
        const aside = (await readdir(join(dir, 'killed'))).filter((e) => e.startsWith('.out.ntp-old-'));
        expect(aside).toHaveLength(1);
        expect(norm(await snapshot(join(dir, 'killed', aside[0])))).toEqual(oldSnap);
        outcomes.aside++;
      } else if (JSON.stringify(now) === JSON.stringify(oldSnap)) outcomes.old++;
      else {
        expect(now).toEqual(newSnap);
        outcomes.new++;
      }
      // the next merge cleans up after the killed one
      await mergeSweeps([s0, s1], out);
      expect(norm(await snapshot(out))).toEqual(newSnap);
      expect((await readdir(join(dir, 'killed'))).sort()).toEqual(['out']);
    }
    expect(outcomes.old + outcomes.new + outcomes.aside).toBe(K);
  }, 240_000);
});

describe('run counts', () => {
  it('a 10^15-run grid is counted as a product and refused at once, even with --yes, naming the count', async () => {
    const huge: SweepFile = { grid: { seed: { from: 1, to: 1e15 }, eta0: [0.1, 0.2] } };
    const t = performance.now();
    expect(countRuns(huge)).toBe(2e15);
    expect(() => expand(huge, { yes: true })).toThrow(/the sweep expands to 2000000000000000 runs, more than the 10000000 any sweep may have \(even with --yes\)/);
    // axes whose product passes 2^53 are still counted (as a float) and refused
    expect(() => expand({ grid: { seed: { from: 1, to: 1e12 }, d: { from: 1, to: 1e12 } } }, { yes: true })).toThrow(/expands to 1\.000e\+24 runs/);
    expect(performance.now() - t).toBeLessThan(1000);
    expect(checkRunCount({ grid: { seed: { from: 1, to: HARD_RUN_LIMIT } } }, { yes: true })).toBe(HARD_RUN_LIMIT);
    expect(() => checkRunCount({ grid: { seed: { from: 1, to: HARD_RUN_LIMIT + 1 } } }, { yes: true })).toThrow(/10000001 runs/);
    const f = join(dir, 'huge.json');
    await writeFile(f, JSON.stringify(huge));
    const io = capture();
    expect(await main(['sweep', 'run', f, '--out', join(dir, 'huge'), '--yes'], io)).toBe(1);
    oneLine(io.err);
    expect(io.err).toMatch(/2000000000000000 runs/);
    await expect(readdir(join(dir, 'huge'))).rejects.toThrow();
  }, 60_000);

  it('expands lazily: the first runs of a 10^6-run grid come without the rest being made', () => {
    const it = sweepRuns({ grid: { seed: { from: 1, to: 1e6 } }, base: { t0: 3 } }, { families, defaultFamily: DEFAULT_FAMILY, yes: true });
    const first = [it.next().value, it.next().value];
    expect(first.map((r) => r?.config.seed)).toEqual([1, 2]);
    expect(first.map((r) => r?.index)).toEqual([0, 1]);
    expect(first[0]?.id).toBe(expand({ base: { t0: 3, seed: 1 } })[0].id);
  });
});

describe('sweep file validation', () => {
  it('refuses nesting past the limit by an NtpError naming the path, at any depth (10^5 too)', () => {
    const deep = (n: number) => `{"base":{"vocab":${'['.repeat(n)}1${']'.repeat(n)}}}`;
    for (const n of [MAX_SWEEP_DEPTH, 100, 1e5]) {
      let err: unknown;
      try {
        parseSweepFile(deep(n));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NtpError);
      expect((err as Error).message).toMatch(new RegExp(`more than ${MAX_SWEEP_DEPTH} deep at base\\.vocab(\\[0\\])+`));
    }
    // a value nested within the limit gets as far as the family, which names the option
    expect(() => expand(parseSweepFile(deep(3)))).toThrow(/option vocab must be an integer/);
    // an object built by the API, cyclic even, is refused the same way
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => expand({ base: { vocab: cyclic as never } })).toThrow(/more than 12 deep at base\.vocab\.self\.self/);
  });

  it('refuses a key given twice in one object, naming it and where', () => {
    expect(() => parseSweepFile('{"base": {"eta0": 0.1,\n "eta0": 1}}')).toThrow(/the key "eta0" appears twice in one object \(line 2, column 2\)/);
    expect(() => parseSweepFile('{"grid": {"seed": [1]}, "grid": {"seed": [2]}}')).toThrow(/the key "grid" appears twice/);
    // the same key in two different objects is fine
    expect(countRuns(parseSweepFile('{"base": {"seed": 1}, "list": [{"t0": 3}, {"t0": 4}]}'))).toBe(2);
  });

  it('refuses __proto__ and other reserved names as reserved, not as whatever they would turn the config into', () => {
    expect(() => parseSweepFile('{"grid": {"__proto__": [1, 2]}}')).toThrow(/"grid": "__proto__" is a reserved name, not an option/);
    expect(() => parseSweepFile('{"base": {"__proto__": {"vocab": 5}}}')).toThrow(/"base": "__proto__" is a reserved name/);
    expect(() => parseSweepFile('{"list": [{"t0": 2}, {"constructor": 1}]}')).toThrow(/list entry 1: "constructor" is a reserved name/);
    // a name that is no option is refused as unknown
    expect(() => expand(parseSweepFile('{"grid": {"proto": [1, 2]}}'))).toThrow(/unknown option "proto" \(a grid axis\) for family ntp/);
  });

  it('plans each family\'s sizes in validation: a run too large is refused before any run, naming the sizes', async () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['autoregressive', { length: 1e6 }, /length = 1000000, d = 3/],
      ['cyclic', { samples: 1e9 }, /samples = 1000000000/],
      ['factorized', { n: 10000, T: 10000, d: 10000 }, /n = 10000, T = 10000, d = 10000/],
      ['ntp', { d: 1e6 }, /vocab = 20, d = 1000000/],
      ['recall', { context: 1e7 }, /tokens exceed/],
    ];
    for (const [family, config, sizes] of cases) {
      let err: unknown;
      try {
        expand({ base: { family, ...config } });
      } catch (e) {
        err = e;
      }
      expect(err, `${family} ${JSON.stringify(config)}`).toBeInstanceOf(NtpError);
      expect((err as Error).message).toMatch(/^run 0: /);
      expect((err as Error).message).toMatch(sizes);
      if (family !== 'recall') expect((err as Error).message).toMatch(/more than the 4\.00 GiB (one run may take|a run may hold)/);
    }
    expect(MAX_RUN_BYTES).toBe(2 ** 32);
    // the defaults of every family pass
    for (const family of ['ntp', 'cyclic', 'factorized', 'recall', 'autoregressive']) expect(() => expand({ base: { family } })).not.toThrow();
    // on the command line: exit 1 before any run, nothing written
    const f = join(dir, 'too-long.json');
    await writeFile(f, JSON.stringify({ base: { family: 'autoregressive', length: 1e6 }, grid: { seed: [1, 2] } }));
    const io = capture();
    expect(await main(['sweep', 'run', f, '--out', join(dir, 'too-long'), '--workers', '1'], io)).toBe(1);
    oneLine(io.err);
    expect(io.err).toMatch(/run 0: .*length = 1000000/);
    await expect(readdir(join(dir, 'too-long'))).rejects.toThrow();
  });
});

describe('run statuses', () => {
  it('every family reports completed | converged | diverged | overflow | stopped; a run that takes all its steps is completed', async () => {
    const runs: Array<[string, () => Promise<{ status: string }>]> = [
      ['ntp', () => ntpFamily.run({ vocab: 6, t0: 5, t1: 5 }, 5)],
      ['cyclic', () => cyclicFamily.run({ steps: 10 }, 5)],
      ['factorized', () => factorizedFamily.run({ steps: 10 }, 5)],
      ['factorized-rank', () => factorizedRankFamily.run({ n: 5, T: 5, d: 3, seed: 1 }, 5)],
      ['recall', () => recallFamily.run({ vocab: 8, triggers: 2, outputs: 2, context: 16, batch: 8, evalSize: 8, testSize: 8, steps: 5 }, 5)],
      ['autoregressive', () => autoregressiveFamily.run({ d: 2, length: 6, steps: 5, batch: 8, trainSequences: 32, testSequences: 8 }, 5)],
    ];
    for (const [name, run] of runs) {
      const { status } = await run();
      expect(RUN_STATUSES, name).toContain(status);
      if (name !== 'factorized-rank') expect(status, name).toBe('completed');
    }
  }, 120_000);

  it('a family module saying "running" is recorded as completed; a status outside the vocabulary fails the run naming it', async () => {
    const mod = join(dir, 'status-family.mjs');
    await writeFile(mod, `export const family = { name: 'says', options: ['say', 'seed'], validate() {}, async run(c) { return { status: c.say, final: { x: 1 }, records: [] }; } };\n`);
    const out = join(dir, 'statuses');
    const s = await runSweep({ base: { family: 'says' }, grid: { say: ['running', 'converged', 'weird'] } }, { out, workers: 0, modules: [mod] });
    expect(s).toMatchObject({ total: 3, failed: 1 });
    const lines = (await readFile(join(out, 'runs.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.config.say, l.status])).toEqual([['running', 'completed'], ['converged', 'converged'], ['weird', 'failed']]);
    expect(lines[2].error).toBe('the family says ended the run with status "weird", not one of completed, converged, diverged, overflow, stopped');
  });
});

describe('resuming a sweep', () => {
  it('retries on resume a run that failed because its data file was missing, once the file is there', async () => {
    const data = join(dir, 'late-data.json');
    const out = join(dir, 'late');
    const sweep: SweepFile = { base: { data, t0: 5, t1: 5 }, grid: { seed: [1, 2] } };
    const first = await runSweep(sweep, { out, workers: 0 });
    expect(first).toMatchObject({ total: 2, failed: 2 });
    const failed = (await readFile(join(out, 'runs.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(failed.map((l) => [l.status, l.retry])).toEqual([['failed', true], ['failed', true]]);
    expect(failed[0].error).toMatch(/file not found/);
    await writeFile(data, stringifyDataset(generateRealizable({ vocab: 6, seed: 4 })));
    const notices: string[] = [];
    const second = await runSweep(sweep, { out, workers: 0, onNotice: (m) => notices.push(m) });
    expect(second).toMatchObject({ total: 2, done: 2, failed: 0, resumed: 0 });
    expect(notices.join('\n')).toMatch(/2 runs failed for a missing or unreadable input earlier: running them again/);
    const lines = (await readFile(join(out, 'runs.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.status)).toEqual(['completed', 'completed']);
    // the retried runs are recorded now: a third call has nothing to do
    const third = await runSweep(sweep, { out, workers: 0 });
    expect(third).toMatchObject({ done: 2, resumed: 2 });
  });

  it('re-runs a run whose records file was deleted, so the report works after the resume', async () => {
    const out = join(dir, 'lost-record');
    const sweep: SweepFile = { base: { t0: 5, t1: 5, vocab: 6 }, grid: { seed: [1, 2, 3] } };
    await runSweep(sweep, { out, workers: 0 });
    const lines = (await readFile(join(out, 'runs.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
    const lost = lines[1];
    const record = await readFile(join(out, 'records', `${lost.id}.json`), 'utf8');
    await rm(join(out, 'records', `${lost.id}.json`));
    const notices: string[] = [];
    const s = await runSweep(sweep, { out, workers: 0, onNotice: (m) => notices.push(m) });
    expect(s).toMatchObject({ total: 3, done: 3, resumed: 2, failed: 0 });
    expect(notices.join('\n')).toContain(`the records file of run ${lost.id} is missing`);
    // the run again gives what it gave, and it has one line
    expect(await readFile(join(out, 'records', `${lost.id}.json`), 'utf8')).toBe(record);
    const after = (await readFile(join(out, 'runs.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(after.map((l) => l.id).sort()).toEqual(lines.map((l) => l.id).sort());
    expect(await main(['sweep', 'report', out, '--no-figure'], capture())).toBe(0);
  });

  it('warns naming the line number of a torn last line it drops', async () => {
    const out = join(dir, 'torn');
    const f = join(dir, 'torn.json');
    await writeFile(f, JSON.stringify({ base: { t0: 5, t1: 5, vocab: 6 }, grid: { seed: [1, 2, 3] } }));
    expect(await main(['sweep', 'run', f, '--out', out, '--workers', '1'], capture())).toBe(0);
    const text = await readFile(join(out, 'runs.jsonl'), 'utf8');
    const rows = text.trimEnd().split('\n');
    await writeFile(join(out, 'runs.jsonl'), rows.slice(0, 2).join('\n') + '\n' + rows[2].slice(0, 40));
    const io = capture();
    expect(await main(['sweep', 'run', f, '--out', out, '--workers', '1'], io)).toBe(0);
    expect(io.err).toMatch(/warning: .*runs\.jsonl: line 3 is torn \(an interrupted write\); dropped it, its run is run again/);
    expect((await readFile(join(out, 'runs.jsonl'), 'utf8')).trimEnd().split('\n')).toHaveLength(3);
  });

  it('SIGTERM stops a sweep like Ctrl-C, leaving no temporary files and no lock; temporaries of a killed sweep go on the next start', async () => {
    const out = join(dir, 'sigterm');
    const f = join(dir, 'sigterm.json');
    await writeFile(f, JSON.stringify({ base: { t0: 300, t1: 300, vocab: 16 }, grid: { seed: { from: 1, to: 8 } } }));
    const child = spawn(process.execPath, [CLI, 'sweep', 'run', f, '--out', out, '--workers', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await readFile(join(out, 'runs.jsonl'), 'utf8').catch(() => '')).split('\n').length < 2) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(err).toMatch(/terminated: stopping/);
    const left = await readdir(out);
    expect(left).not.toContain('sweep.lock');
    expect((await readdir(join(out, 'records'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    // what a SIGKILL mid-write leaves: a temporary records file, removed by the next start
    const stray = join(out, 'records', `.0123456789abcdef.json.${2 ** 22 + 7}.${Date.now()}.0.tmp`);
    await writeFile(stray, '{"id":');
    expect(await main(['sweep', 'run', f, '--out', out, '--workers', '1'], capture())).toBe(0);
    expect((await readdir(join(out, 'records'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect((await readdir(join(out, 'records'))).filter((n) => n.endsWith('.json'))).toHaveLength(8);
  }, 120_000);
});
