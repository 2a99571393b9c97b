import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runTrain } from '../src/cli/train.js';
import { writeDirectoryAtomic } from '../src/io/output-dir.js';
import { capture } from './helpers/cli.js';

const CLI = new URL('../dist/src/cli/main.js', import.meta.url).pathname;
const FILES = ['figure.svg', 'maxmargin.json', 'model.json', 'trajectory.csv', 'trajectory.json'];

async function snapshot(dir: string): Promise<Map<string, string> | null> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return null;
  }
  const m = new Map<string, string>();
  // the training time is the one field that differs between identical runs
  for (const n of names) m.set(n, (await readFile(join(dir, n), 'utf8')).replace(/"trainingMs": [0-9.e+-]+/, '"trainingMs": 0'));
  return m;
}

function trainArgs(out: string, seed: number): string[] {
  return [CLI, 'train', '--t0', '30', '--t1', '30', '--every', '10', '--seed', String(seed), '--out', out];
}

describe('the output directory is the old run, the new run, or absent: never a mix', () => {
  it('killing a real `ntp train` at 20 instants (8 over the run, 12 inside its write) leaves one complete run or none', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ntp-kill-'));
    const out = join(root, 'run');
    const run = promisify(execFile);
    await run(process.execPath, trainArgs(join(root, 'ref-new'), 2));
    const fresh = (await snapshot(join(root, 'ref-new')))!;
    await run(process.execPath, trainArgs(out, 1));
    const old = (await snapshot(out))!;
    expect([...old.keys()]).toEqual(FILES);
    expect(old.get('model.json')).not.toBe(fresh.get('model.json'));
    // a full run's length sets the delays: from start-up to just past the renames
    const t = performance.now();
    await run(process.execPath, trainArgs(join(root, 'timing'), 2));
    const T = performance.now() - t;
    const seen = { old: 0, new: 0, absent: 0 };
    const KILLS = 20;
    for (let i = 0; i < KILLS; i++) {
      const child = spawn(process.execPath, trainArgs(out, 2), { stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      let when: string;
      if (i < 8) {
        // kills spread over the run, from start-up (the old run stays) to twice its length (the new run is in)
        const delay = T * (0.05 + (1.95 * i) / 7);
        await new Promise((r) => setTimeout(r, delay));
        when = `after ${delay.toFixed(0)} ms`;
      } else {
        // kills inside the write: watch for the first file being written, then wait 0…11 more looks
        const extra = i - 8;
        const deadline = performance.now() + 5 * T;
        let looks = -1;
        while (performance.now() < deadline) {
          const writing = readdirSync(root).some((e) => e.startsWith('.run.')) || (existsSync(out) && readdirSync(out).some((e) => e.startsWith('.')));
          if (writing && looks < 0) looks = 0;
          if (looks >= 0 && looks++ >= extra) break;
        }
        when = `${extra} looks into the write`;
      }
      child.kill('SIGKILL');
      await exited;
      const now = await snapshot(out);
      if (now === null) seen.absent++;
      else {
        expect([...now.keys()], `killed ${when}`).toEqual(FILES);
        const isOld = [...now].every(([k, v]) => old.get(k) === v);
        const isNew = [...now].every(([k, v]) => fresh.get(k) === v);
        expect(isOld || isNew, `killed ${when}: a mix of runs`).toBe(true);
        if (isOld) seen.old++;
        else seen.new++;
      }
      // start again from the old run
      await rm(out, { recursive: true, force: true });
      await mkdir(out);
      for (const [k, v] of old) await writeFile(join(out, k), v);
    }
    expect(seen.old + seen.new + seen.absent).toBe(KILLS);
    // the delays span the run: some kills come before the new run is in place, some after
    expect(seen.old).toBeGreaterThan(0);
    expect(seen.new).toBeGreaterThan(0);
    await run(process.execPath, trainArgs(out, 1));
    // the killed runs' half-written directories are gone after the next complete run
    expect((await readdir(root)).filter((e) => e.startsWith('.run.'))).toEqual([]);
  }, 120_000);

  it('a run killed between its renames is put back, and half-written directories are removed', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ntp-left-'));
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.once('exit', r));
    const dead = child.pid!;
    // what a kill between "old run aside" and "new run in" leaves: no run, the old one aside, a new one
    await mkdir(join(root, `.run.ntp-old-${dead}-a1`));
    await writeFile(join(root, `.run.ntp-old-${dead}-a1`, 'model.json'), 'old');
    await mkdir(join(root, `.run.ntp-new-${dead}-a1`));
    await writeFile(join(root, `.run.ntp-new-${dead}-a1`, 'model.json'), 'half');
    await writeDirectoryAtomic(join(root, 'run'), [{ name: 'model.json', content: 'new' }]);
    expect(await readdir(root)).toEqual(['run']);
    expect(await readFile(join(root, 'run', 'model.json'), 'utf8')).toBe('new');
  });

  it('refuses to swap away a directory with other files, the current directory, or --out ""', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ntp-foreign-'));
    await writeFile(join(root, 'notes.txt'), 'mine');
    await expect(writeDirectoryAtomic(root, [{ name: 'model.json', content: 'x' }])).rejects.toThrow(/holds "notes.txt", which this command did not write/);
    expect(await readdir(root)).toEqual(['notes.txt']);
    await expect(writeDirectoryAtomic('.', [{ name: 'model.json', content: 'x' }])).rejects.toThrow(/current directory/);
    const io = capture();
    expect(await runTrain(['--t0', '2', '--t1', '2', '--out', ''], io)).toBe(2);
    expect(io.err).toMatch(/option --out needs a directory name/);
  });
});
