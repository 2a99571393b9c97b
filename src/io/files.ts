import { constants as bufferConstants } from 'node:buffer';
import { mkdir, open, readdir, rename, rm, rmdir, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, parse, resolve, sep } from 'node:path';
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
              : err?.code === 'EROFS'
                ? 'read-only file system'
                : (err?.message ?? String(e));
  return new NtpError('io', `cannot ${action} ${JSON.stringify(path)}: ${why}`);
}

/** Whether a process of this host with this pid runs (EPERM: it runs, as someone else). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the temporary files of `path` that a killed writer left (named `.NAME.PID.….tmp`, PID dead). */
async function removeDeadTemporaries(dir: string, name: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  const prefix = `.${name}.`;
  for (const e of entries) {
    if (!e.startsWith(prefix) || !e.endsWith('.tmp')) continue;
    const pid = Number(e.slice(prefix.length).split('.')[0]);
    if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) await rm(join(dir, e), { force: true }).catch(() => {});
  }
}

/**
 * `mkdir -p`, one directory at a time: returns the top-most directory it created (undefined if
 * `dir` existed). Node's `mkdir(dir, { recursive: true })` never returns where a parent refuses a
 * child with ENOENT (under /proc it retries the same two calls for ever); here such a parent is an
 * error like any other.
 */
export async function makeDirectories(dir: string): Promise<string | undefined> {
  const abs = resolve(dir);
  const root = parse(abs).root;
  const parts = abs.slice(root.length).split(sep).filter((p) => p !== '');
  let path = root;
  let first: string | undefined;
  for (const part of parts) {
    path = join(path, part);
    try {
      await mkdir(path);
      first ??= path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const s = await stat(path);
      if (!s.isDirectory()) throw Object.assign(new Error(`${path} is not a directory`), { code: 'ENOTDIR' });
    }
  }
  return first;
}

/** Bytes a data, model or sweep file may have: far past any real one, and read before a device without end fills the memory. */
export const MAX_FILE_BYTES = 2 ** 30;

/** UTF-16 code units a JavaScript string can hold (V8: 2^29 − 24 on 64-bit). */
export const MAX_STRING_LENGTH: number = bufferConstants.MAX_STRING_LENGTH;

const CHUNK = 2 ** 20;

/**
 * Reads a UTF-8 text file; a missing file or other failure becomes an NtpError naming the path,
 * so the CLI prints one line instead of a stack trace. Reads at most `maxBytes` (streaming, so a
 * device without end such as /dev/zero is refused at the cap, not read until memory runs out),
 * and refuses text longer than a string can hold before decoding it.
 */
export async function readTextFile(path: string, maxBytes = MAX_FILE_BYTES): Promise<string> {
  return decodeUtf8(await readCapped(path, maxBytes), path);
}

function tooBig(path: string, maxBytes: number): NtpError {
  return new NtpError('too-large', `${JSON.stringify(path)} is larger than ${maxBytes.toLocaleString('en-US')} bytes, the most a file read by ntp may have`);
}

/** The file's bytes, read in chunks and refused past `maxBytes` (a regular file's size is checked before reading). */
async function readCapped(path: string, maxBytes: number): Promise<Uint8Array> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code === 'ENOENT') throw new NtpError('io', `file not found: ${JSON.stringify(path)}`);
    throw ioError('read', path, e);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw ioError('read', path, Object.assign(new Error('directory'), { code: 'EISDIR' }));
    if (st.isFile() && st.size > maxBytes) throw tooBig(path, maxBytes);
    if (st.isFile()) {
      // one buffer of the file's size, +1 to see it grow while read
      const buf = new Uint8Array(Math.min(maxBytes + 1, st.size + 1));
      let total = 0;
      for (;;) {
        if (total > maxBytes) throw tooBig(path, maxBytes);
        if (total === buf.length) return concat([buf, await readStream(fh, path, maxBytes - total, maxBytes)]);
        const { bytesRead } = await fh.read(buf, total, buf.length - total, null);
        if (bytesRead === 0) return buf.subarray(0, total);
        total += bytesRead;
      }
    }
    return await readStream(fh, path, maxBytes, maxBytes);
  } catch (e) {
    if (e instanceof NtpError) throw e;
    throw ioError('read', path, e);
  } finally {
    await fh.close().catch(() => {});
  }
}

/**
 * A pipe's or device's bytes in chunks, refused once past `maxBytes`: at most the cap is held,
 * so /dev/zero costs one cap of memory, not what it would take to fill the machine.
 */
async function readStream(fh: FileHandle, path: string, maxBytes: number, cap: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const buf = new Uint8Array(Math.min(CHUNK, maxBytes + 1 - total));
    const { bytesRead } = await fh.read(buf, 0, buf.length, null);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > maxBytes) throw tooBig(path, cap);
    chunks.push(buf.subarray(0, bytesRead));
  }
  return concat(chunks);
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * UTF-16 code units the bytes decode to, if they are UTF-8: one per sequence, two per 4-byte
 * sequence (bytes less continuation bytes 10xxxxxx, plus leads 11110xxx). Four bytes at a time:
 * a 600 MB file is measured in a fraction of the time its decoding would take.
 */
export function utf16Length(bytes: Uint8Array): number {
  let cont = 0;
  let four = 0;
  let i = 0;
  if (bytes.byteOffset % 4 === 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
    for (let k = 0; k < words.length; k++) {
      const w = words[k];
      if ((w & 0x80808080) === 0) continue;
      // bit 7 of each byte: set for 10xxxxxx; set for 1111xxxx (the only leads of 4-byte sequences)
      const c = w & ~(w << 1) & 0x80808080;
      const f = w & (w << 1) & (w << 2) & (w << 3) & 0x80808080;
      cont += (Math.imul((c >>> 7) & 0x01010101, 0x01010101) >>> 24);
      four += (Math.imul((f >>> 7) & 0x01010101, 0x01010101) >>> 24);
    }
    i = words.length * 4;
  }
  for (; i < bytes.length; i++) {
    const b = bytes[i];
    if ((b & 0xc0) === 0x80) cont++;
    else if (b >= 0xf0) four++;
  }
  return bytes.length - cont + four;
}

/**
 * Strict UTF-8: a byte sequence that is not UTF-8 is refused with its offset, not replaced by
 * U+FFFD (a token "caf\xe9" would otherwise be saved as "caf�" and never match its source).
 * Text longer than a string can hold is refused as too large (with its size) before decoding:
 * the decoder would fail on it too, and its failure is not bad UTF-8.
 */
export function decodeUtf8(bytes: Uint8Array, path: string): string {
  if (bytes.length > MAX_STRING_LENGTH) {
    const units = utf16Length(bytes);
    if (units > MAX_STRING_LENGTH) {
      throw new NtpError('too-large', `${JSON.stringify(path)} (${bytes.length.toLocaleString('en-US')} bytes) decodes to ${units.toLocaleString('en-US')} characters, more than the ${MAX_STRING_LENGTH.toLocaleString('en-US')} a JavaScript string can hold`);
    }
  }
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
      const made = await makeDirectories(dir);
      if (made !== undefined) createdDirs.push(made);
      else await removeDeadTemporaries(dir, basename(f.path));
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
