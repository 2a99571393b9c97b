import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTrain } from '../src/cli/train.js';
import { writeDirectoryAtomic } from '../src/io/output-dir.js';
import { capture } from './helpers/cli.js';

// Killing real processes at many instants, ntp train among them: reliability-kill.test.ts
describe('the output directory is the old run, the new run, or absent: never a mix', () => {
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
