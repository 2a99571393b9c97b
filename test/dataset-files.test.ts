import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NtpError } from '../src/errors.js';
import { readTextFile, writeFilesAtomic } from '../src/io/files.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ntp-files-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFilesAtomic', () => {
  it('creates parent directories and writes every file, leaving no temporaries', async () => {
    await writeFilesAtomic([
      { path: join(dir, 'a', 'b', 'one.json'), content: '{"x":1}\n' },
      { path: join(dir, 'two.txt'), content: 'héllo' },
    ]);
    expect(await readFile(join(dir, 'a', 'b', 'one.json'), 'utf8')).toBe('{"x":1}\n');
    expect(await readFile(join(dir, 'two.txt'), 'utf8')).toBe('héllo');
    expect((await readdir(dir)).sort()).toEqual(['a', 'two.txt']);
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['one.json']);
  });

  it('replaces an existing file', async () => {
    const p = join(dir, 'f.txt');
    await writeFile(p, 'old');
    await writeFilesAtomic([{ path: p, content: 'new' }]);
    expect(await readFile(p, 'utf8')).toBe('new');
  });

  it('removes everything it wrote when one file fails', async () => {
    // A path whose parent is a regular file cannot be created.
    await writeFile(join(dir, 'blocker'), 'x');
    const err = await writeFilesAtomic([
      { path: join(dir, 'new', 'ok.json'), content: 'ok' },
      { path: join(dir, 'blocker', 'bad.json'), content: 'bad' },
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NtpError);
    expect((err as NtpError).code).toBe('io');
    expect((err as Error).message).toContain(JSON.stringify(join(dir, 'blocker', 'bad.json')));
    // The first file's temporary and the directory created for it are gone.
    expect((await readdir(dir)).sort()).toEqual(['blocker']);
  });

  it('removes already renamed files when a later rename fails', async () => {
    // The target is an existing non-empty directory: writing the temporary works, the rename fails.
    await mkdir(join(dir, 'taken'));
    await writeFile(join(dir, 'taken', 'inside'), 'x');
    const err = await writeFilesAtomic([
      { path: join(dir, 'first.json'), content: '1' },
      { path: join(dir, 'taken'), content: '2' },
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NtpError);
    expect((err as Error).message).toContain('"' + join(dir, 'taken') + '"');
    expect((await readdir(dir)).sort()).toEqual(['taken']);
  });

  it('rejects the same path twice', async () => {
    const p = join(dir, 'x');
    await expect(writeFilesAtomic([{ path: p, content: '1' }, { path: p, content: '2' }])).rejects.toThrow(/is given twice/);
  });
});

describe('readTextFile', () => {
  it('reads UTF-8 text', async () => {
    const p = join(dir, 'r.txt');
    await writeFile(p, 'ünïcode');
    expect(await readTextFile(p)).toBe('ünïcode');
  });

  it('turns a missing file into an NtpError naming the path', async () => {
    const p = join(dir, 'missing.json');
    const err = await readTextFile(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NtpError);
    expect((err as Error).message).toBe(`file not found: ${JSON.stringify(p)}`);
  });

  it('names the path when it is a directory', async () => {
    await expect(readTextFile(dir)).rejects.toThrow(`cannot read ${JSON.stringify(dir)}: it is a directory`);
  });
});
