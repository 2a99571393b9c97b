// An empty path is a malformed command line (exit 2); a command that fails to write (a full disk)
// removes the parent directories it created; trainCyclic checks a hand-built dataset.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { NtpError } from '../src/errors.js';
import { svopExample } from '../src/dataset/svop.js';
import { trainCyclic } from '../src/tasks/cyclic/train.js';
import { makeDirectories } from '../src/io/files.js';
import { capture } from './helpers/cli.js';

describe('an empty path on the command line', () => {
  for (const args of [['generate', '--out', ''], ['example', 'svop', '--out', ''], ['train', '--data', ''], ['cyclic', '--out-dir', ''], ['autoregressive', 'train', '--out', '']]) {
    it(`ntp ${args.join(' ')} exits 2 naming the option`, async () => {
      const io = capture();
      expect(await main(args, io)).toBe(2);
      expect(io.err).toMatch(/^error: option --[a-z-]+ needs a directory name( or file name)? \(got an empty string/m);
      expect(io.out).toBe('');
    });
  }
});

// a 64 KiB tmpfs: root can mount one in this sandbox; elsewhere the test is skipped
const base = mkdtempSync(join(tmpdir(), 'ntp-full-'));
const tiny = join(base, 'tiny');
let mounted = false;
beforeAll(() => {
  mkdirSync(tiny);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', tiny], { stdio: 'ignore' });
    mounted = true;
  } catch {
    mounted = false;
  }
});
afterAll(() => {
  if (mounted) execFileSync('umount', [tiny]);
  rmSync(base, { recursive: true, force: true });
});

describe('a full disk', () => {
  it('leaves no parent directory behind: ntp generate (one file) and ntp train (a directory)', async (ctx) => {
    if (!mounted) ctx.skip();
    for (const args of [['generate', '--vocab', '300', '--out', join(tiny, 'a', 'b', 'c', 'ds.json')], ['train', '--vocab', '300', '--out', join(tiny, 'x', 'y', 'run')]]) {
      const io = capture();
      expect(await main(args, io)).toBe(1);
      expect(io.err).toMatch(/no space left on the device/);
      expect(readdirSync(tiny)).toEqual([]);
    }
  }, 120_000);
});

describe('a read-only file system', () => {
  it('every writer exits 1 saying so, with no stack trace', async (ctx) => {
    if (!mounted) ctx.skip();
    const ro = join(base, 'ro');
    mkdirSync(ro);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', ro], { stdio: 'ignore' });
    } catch {
      ctx.skip();
    }
    try {
      for (const args of [
        ['generate', '--vocab', '8', '--out', join(ro, 'g.txt')],
        ['recall', 'train', '--steps', '1', '--out', join(ro, 'r')],
        ['train', '--vocab', '8', '--t0', '2', '--t1', '2', '--out', join(ro, 't')],
        ['sweep', 'run', join(__dirname, 'fixtures', 'sweep-tiny.json'), '--out', join(ro, 's')],
      ]) {
        const io = capture();
        expect(await main(args, io), args.join(' ')).toBe(1);
        expect(io.err, args.join(' ')).toMatch(/^error: cannot (create|write)[^\n]*: read-only file system\n$/);
      }
    } finally {
      execFileSync('umount', [ro]);
    }
  }, 60_000);
});

describe('trainCyclic checks a hand-built dataset as train() does', () => {
  it('refuses no samples, a count of 0 and an id out of range with NtpError naming them', async () => {
    const ds = svopExample();
    const cases: Array<[unknown, RegExp]> = [
      [{ ...ds, samples: [], counts: [] }, /no samples|empty/],
      [{ ...ds, counts: ds.counts.map((c, i) => (i === 0 ? 0 : c)) }, /sample 0: count must be a positive integer \(got 0\)/],
      [{ ...ds, samples: ds.samples.map((s, i) => (i === 2 ? { ...s, next: 9 } : s)) }, /sample 2: next token id 9 is out of range/],
      [null, /the dataset must be an object/],
    ];
    for (const [bad, pattern] of cases) {
      const err = await trainCyclic(bad as never).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(NtpError);
      expect((err as Error).message).toMatch(pattern);
    }
  });
});

describe('a parent directory that refuses a child (under /proc)', () => {
  // Node's own recursive mkdir retries such a parent for ever; every writer must fail instead.
  it('makeDirectories fails with ENOENT instead of looping, and creates what it can', async () => {
    await expect(makeDirectories('/proc/ntp-no-such/out')).rejects.toMatchObject({ code: 'ENOENT' });
    const dir = mkdtempSync(join(tmpdir(), 'ntp-mk-'));
    expect(await makeDirectories(join(dir, 'a', 'b'))).toBe(join(dir, 'a'));
    expect(await makeDirectories(join(dir, 'a', 'b'))).toBeUndefined();
    rmSync(dir, { recursive: true });
  });
  for (const args of [
    ['generate', '--vocab', '8', '--out', '/proc/ntp-no-such/d.txt'],
    ['recall', 'train', '--steps', '1', '--out', '/proc/ntp-no-such/r'],
    ['sweep', 'run', join(__dirname, 'fixtures', 'sweep-tiny.json'), '--out', '/proc/ntp-no-such/s'],
  ]) {
    it(`ntp ${args.slice(0, 2).join(' ')} --out /proc/…: exit 1 naming the directory`, async () => {
      const io = capture();
      expect(await main(args, io)).toBe(1);
      expect(io.err).toMatch(/cannot (create|write)[^\n]*\/proc\/ntp-no-such/);
    }, 20_000);
  }
});
