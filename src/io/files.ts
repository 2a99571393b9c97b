import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { NtpError } from '../errors.js';

/** A file to write: its path and its whole text. */
export interface OutputFile {
  path: string;
  content: string;
}

function ioError(action: string, path: string, e: unknown): NtpError {
  const err = e as NodeJS.ErrnoException;
  const why =
    err?.code === 'ENOENT'
      ? 'no such file or directory'
      : err?.code === 'EACCES' || err?.code === 'EPERM'
        ? 'permission denied'
        : err?.code === 'EISDIR'
          ? 'it is a directory'
          : err?.code === 'ENOTDIR'
            ? 'a parent of it is not a directory'
            : err?.code === 'ENOSPC'
              ? 'no space left on the device'
              : (err?.message ?? String(e));
  return new NtpError('io', `cannot ${action} ${JSON.stringify(path)}: ${why}`);
}

/**
 * Reads a UTF-8 text file; a missing file or other failure becomes an NtpError naming the path,
 * so the CLI prints one line instead of a stack trace.
 */
export async function readTextFile(path: string): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code === 'ENOENT') throw new NtpError('io', `file not found: ${JSON.stringify(path)}`);
    throw ioError('read', path, e);
  }
  return decodeUtf8(bytes, path);
}

/**
 * Strict UTF-8: a byte sequence that is not UTF-8 is refused with its offset, not replaced by
 * U+FFFD (a token "caf\xe9" would otherwise be saved as "caf�" and never match its source).
 */
export function decodeUtf8(bytes: Uint8Array, path: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // the decoder does not say where; find the first bad byte by decoding growing prefixes
    let lo = 0;
    let hi = bytes.length;
    const ok = (n: number) => {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
        return true;
      } catch {
        return false;
      }
    };
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (ok(mid)) lo = mid;
      else hi = mid;
    }
    // the decoder fails at the byte that breaks a sequence; name the sequence's lead byte
    let k = hi - 1;
    while (k > 0 && hi - 1 - k < 3 && (bytes[k] & 0xc0) !== 0xc0 && bytes[k - 1] >= 0x80) k--;
    throw new NtpError('io', `${JSON.stringify(path)} is not UTF-8 text: invalid byte 0x${bytes[k].toString(16).padStart(2, '0')} at byte offset ${k}`);
  }
}

let tempCounter = 0;

/**
 * Writes several files all-or-nothing as far as the file system allows: parent directories are
 * created, every file is first written under a temporary name in its own directory (so the final
 * rename stays on one file system and is atomic), then all are renamed into place. If anything
 * fails, the temporaries, the files already renamed and the directories this call created are
 * removed, and an NtpError naming the path is thrown. (A file that existed before and was already
 * replaced cannot be restored; that needs a rename to fail after another succeeded, which is rare.)
 */
export async function writeFilesAtomic(files: readonly OutputFile[]): Promise<void> {
  const seen = new Set<string>();
  for (const f of files) {
    const abs = resolve(f.path);
    if (seen.has(abs)) throw new NtpError('io', `file ${JSON.stringify(f.path)} is given twice`);
    seen.add(abs);
  }
  const createdDirs: string[] = [];
  const temps: string[] = [];
  const renamed: string[] = [];
  let current = '';
  let action = 'write';
  try {
    for (const f of files) {
      current = f.path;
      action = 'create the directory of';
      const dir = dirname(resolve(f.path));
      const made = await mkdir(dir, { recursive: true });
      if (made !== undefined) createdDirs.push(made);
      action = 'write';
      const tmp = join(dir, `.${basename(f.path)}.${process.pid}.${Date.now()}.${tempCounter++}.tmp`);
      temps.push(tmp);
      await writeFile(tmp, f.content, 'utf8');
    }
    action = 'rename a temporary file onto';
    for (let i = 0; i < files.length; i++) {
      current = files[i].path;
      await rename(temps[i], files[i].path);
      renamed.push(files[i].path);
    }
  } catch (e) {
    const renamedSet = new Set(renamed);
    for (let i = 0; i < temps.length; i++) if (!renamedSet.has(files[i].path)) await rm(temps[i], { force: true }).catch(() => {});
    for (const p of renamed) await rm(p, { force: true }).catch(() => {});
    await removeCreatedDirs(createdDirs);
    throw ioError(action, current, e);
  }
}

/** Removes, deepest first, the now empty directories that mkdir -p created. */
async function removeCreatedDirs(createdTops: readonly string[]): Promise<void> {
  for (const top of [...createdTops].reverse()) {
    // mkdir returns the top-most directory it created; empty children were created below it.
    await removeEmptyTree(top);
  }
}

async function removeEmptyTree(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  for (const e of entries) await removeEmptyTree(join(dir, e));
  await rmdir(dir).catch(() => {});
}
