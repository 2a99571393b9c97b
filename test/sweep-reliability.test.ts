// Sweeps that cannot lose data: output directories that cannot be made, merges that would
// overwrite what they did not write, and merges killed at many instants.
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { MERGE_MARKER, mergeSweeps } from '../src/sweep/merge.js';
import { runSweep } from '../src/sweep/run.js';
import type { SweepFile } from '../src/sweep/spec.js';
import { capture } from './helpers/cli.js';

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
    expect(io.err).toMatch(/option --out must name a directory/);
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
    expect(io.err).toMatch(/option --out must name a directory/);
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
