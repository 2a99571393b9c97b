import { mkdir, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { NtpError } from '../errors.js';
import { makeDirectories, processAlive as alive } from './files.js';

/** A file of an output directory: its name in the directory and its whole text. */
export interface DirectoryFile {
  name: string;
  content: string;
}

const NEW = 'ntp-new';
const OLD = 'ntp-old';

function ioError(action: string, path: string, e: unknown): NtpError {
  const err = e as NodeJS.ErrnoException;
  const why =
    err?.code === 'ENOSPC' ? 'no space left on the device'
    : err?.code === 'EACCES' || err?.code === 'EPERM' ? 'permission denied'
    : err?.code === 'ENOTDIR' || err?.code === 'EEXIST' ? 'a part of the path is a file, not a directory'
    : err?.code === 'EROFS' ? 'read-only file system'
    : (err?.message ?? String(e));
  return new NtpError('io', `cannot ${action} ${JSON.stringify(path)}: ${why}`);
}

/**
 * Removes what a killed run left next to `dir`: its half-written new directories, and its
 * moved-aside old run (put back when `dir` itself is missing, so the old run survives a kill
 * between the two renames). Leftovers of a process still running are left alone.
 */
async function cleanLeftovers(parent: string, base: string, dir: string, dirExists: boolean): Promise<boolean> {
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch {
    return dirExists;
  }
  const pattern = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(${NEW}|${OLD})-(\\d+)-[0-9a-z]+$`);
  let exists = dirExists;
  for (const e of entries) {
    const m = pattern.exec(e);
    if (!m || alive(Number(m[2]))) continue;
    const path = join(parent, e);
    if (m[1] === OLD && !exists) {
      await rename(path, dir).then(() => (exists = true), () => {});
      if (exists) continue;
    }
    await rm(path, { recursive: true, force: true }).catch(() => {});
  }
  return exists;
}

/**
 * Writes a set of files as one directory, all or nothing even under a kill: the files go into a
 * fresh hidden sibling directory, which then replaces `dir` by renames (the old run is moved
 * aside, the new one moved in, the old one deleted). A kill at any instant leaves `dir` as the
 * complete old run, the complete new run, or absent (between the two renames); the next call
 * puts a moved-aside old run back and deletes half-written directories.
 *
 * An existing `dir` is replaced only if it holds nothing but files of this set (a previous run):
 * a directory with other files, the current directory or a root is refused, never swapped away.
 * `owns` may recognise a directory as this command's own output even when it holds other names
 * (an earlier run that drew other figures).
 */
export async function writeDirectoryAtomic(dir: string, files: readonly DirectoryFile[], opts: { owns?: (entries: readonly string[]) => boolean } = {}): Promise<void> {
  const names = new Set(files.map((f) => f.name));
  await replaceDirectoryAtomic(
    dir,
    async (fresh) => {
      for (const f of files) await writeFile(join(fresh, f.name), f.content, 'utf8');
    },
    (current) => {
      const foreign = opts.owns?.(current) ? undefined : current.find((e) => !names.has(e));
      if (foreign !== undefined) {
        throw new NtpError('io', `the output directory ${JSON.stringify(dir)} holds ${JSON.stringify(foreign)}, which this command did not write; it replaces the whole directory, so give an empty or new one`);
      }
    },
  );
}

/**
 * The swap {@link writeDirectoryAtomic} makes, with the content and the check the caller's: `fill`
 * writes the new directory's content into the fresh (empty) directory it is given; `check`, given
 * the entries of an existing `dir` (after a killed call's leftovers are cleaned), throws to refuse
 * replacing it. An NtpError from either is rethrown as it is, after the fresh directory is removed.
 */
export async function replaceDirectoryAtomic(dir: string, fill: (fresh: string) => Promise<void>, check: (current: string[]) => void | Promise<void>): Promise<void> {
  if (dir.trim() === '') throw new NtpError('io', 'the output directory is an empty string');
  const abs = resolve(dir);
  const parent = dirname(abs);
  const base = basename(abs);
  if (abs === parent || abs === process.cwd() || process.cwd().startsWith(abs + '/')) {
    throw new NtpError('io', `the output directory ${JSON.stringify(dir)} is the current directory or one of its parents; give a directory of its own`);
  }
  let createdTop: string | undefined;
  try {
    createdTop = await makeDirectories(parent);
  } catch (e) {
    throw ioError('create the directory', parent, e);
  }
  try {
    await writeInto(dir, abs, parent, base, fill, check);
  } catch (e) {
    // a failed write (a full disk) leaves no parent directory it created behind
    if (createdTop !== undefined) await removeEmptyUpTo(parent, createdTop);
    throw e;
  }
}

/** Removes `dir` and its parents up to `top` (inclusive) while they are empty. */
async function removeEmptyUpTo(dir: string, top: string): Promise<void> {
  for (let d = dir; d === top || d.startsWith(top + sep); d = dirname(d)) {
    try {
      await rmdir(d);
    } catch {
      return;
    }
    if (d === top) return;
  }
}

async function writeInto(dir: string, abs: string, parent: string, base: string, fill: (fresh: string) => Promise<void>, check: (current: string[]) => void | Promise<void>): Promise<void> {
  let current: string[] | null = null;
  try {
    current = await readdir(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new NtpError('io', `the output path ${JSON.stringify(dir)} is a file, not a directory`);
    if (code !== 'ENOENT') throw ioError('read the directory', abs, e);
  }
  const exists = await cleanLeftovers(parent, base, abs, current !== null);
  if (exists && current === null) current = await readdir(abs).catch(() => []);
  if (exists) await check(current ?? []);
  const tag = `${process.pid}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e9).toString(36)}`;
  const fresh = join(parent, `.${base}.${NEW}-${tag}`);
  const aside = join(parent, `.${base}.${OLD}-${tag}`);
  let movedAside = false;
  try {
    await mkdir(fresh);
    await fill(fresh);
    if (exists) {
      await rename(abs, aside);
      movedAside = true;
    }
    await rename(fresh, abs);
  } catch (e) {
    await rm(fresh, { recursive: true, force: true }).catch(() => {});
    if (movedAside) await rename(aside, abs).catch(() => {});
    if (e instanceof NtpError) throw e;
    throw ioError('write the output directory', abs, e);
  }
  if (movedAside) await rm(aside, { recursive: true, force: true }).catch(() => {});
}
