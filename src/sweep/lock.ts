import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { NtpError } from '../errors.js';
import { processAlive as alive } from '../io/files.js';

export const LOCK_FILE = 'sweep.lock';

/** What a lock file holds: who runs a sweep into the directory. */
interface LockOwner {
  pid: number;
  host: string;
  started: string;
}

/**
 * A lock file without a whole owner line is one being written (open, then write) or one whose
 * writer was killed in between: held while this young, stale after.
 */
const PARTIAL_LOCK_MS = 10_000;

/** A held lock: {@link SweepLock.release} removes it. */
export interface SweepLock {
  /** the pid of a dead sweep whose lock this one took over (-1: a lock left unwritten), or null */
  readonly tookOverFrom: number | null;
  release(): Promise<void>;
}

async function readOwner(path: string): Promise<{ text: string; owner: LockOwner | null } | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const o = JSON.parse(text) as LockOwner;
    return { text, owner: Number.isInteger(o?.pid) && typeof o.host === 'string' ? o : null };
  } catch {
    // a process killed between creating and writing the file leaves it empty or partial
    return { text, owner: null };
  }
}

/**
 * Takes `dir/sweep.lock` (created with O_EXCL, holding this pid and host), so that two sweeps
 * never append to one runs.jsonl at once. A lock whose process is dead (a sweep killed with
 * SIGKILL) is taken over and reported in `tookOverFrom`; a live one, or one of another host
 * (whose process cannot be checked from here), is refused with an error naming it.
 */
export async function lockSweepDir(dir: string): Promise<SweepLock> {
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  const mine = JSON.stringify(me) + '\n';
  let tookOverFrom: number | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const h = await open(path, 'wx');
      try {
        await h.writeFile(mine);
      } finally {
        await h.close();
      }
      return {
        tookOverFrom,
        async release() {
          // only our own lock: never one a later sweep took over
          if ((await readOwner(path))?.text === mine) await unlink(path).catch(() => {});
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new NtpError('io', `cannot create ${JSON.stringify(path)}: ${(e as Error).message}`);
    }
    const held = await readOwner(path);
    if (!held) continue; // released meanwhile
    const { owner } = held;
    if (owner && owner.host !== me.host) {
      throw new NtpError('sweep-locked', `${dir} is locked by process ${owner.pid} on host ${owner.host} (${path}, since ${owner.started}): another sweep is running into this directory; if it is gone, delete ${path}`);
    }
    if (!owner && (await stat(path).then((st) => Date.now() - st.mtimeMs < PARTIAL_LOCK_MS, () => false))) {
      throw new NtpError('sweep-locked', `${dir} is being locked by another sweep starting into this directory (${path}); wait for it, or use another --out`);
    }
    if (owner && alive(owner.pid)) {
      throw new NtpError('sweep-locked', `${dir} is locked by process ${owner.pid} (${path}, since ${owner.started}): another sweep is running into this directory; wait for it, or use another --out`);
    }
    // stale: moved aside by one rename, which only one of two contenders can win
    const aside = `${path}.stale-${process.pid}`;
    try {
      await rename(path, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    const moved = await readOwner(aside);
    if (moved?.text !== held.text) {
      // a live lock was created between the read and the rename: give it back
      await rename(aside, path);
      continue;
    }
    await unlink(aside).catch(() => {});
    tookOverFrom = owner?.pid ?? -1;
  }
  throw new NtpError('sweep-locked', `cannot lock ${dir}: ${path} keeps changing (several sweeps starting into this directory at once?)`);
}

/**
 * Who holds `dir/sweep.lock` and is (or may be) still running, as a phrase naming it; null when
 * the directory has no lock or only a dead process's. A lock of another host counts as held
 * (its process cannot be checked from here), as does a young lock file still being written.
 */
export async function liveLockHolder(dir: string): Promise<string | null> {
  const path = join(dir, LOCK_FILE);
  let held;
  try {
    held = await readOwner(path);
  } catch (e) {
    throw new NtpError('io', `cannot read ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  if (!held) return null;
  const { owner } = held;
  if (!owner) return (await stat(path).then((st) => Date.now() - st.mtimeMs < PARTIAL_LOCK_MS, () => false)) ? `a sweep starting into it (${path})` : null;
  if (owner.host !== hostname()) return `process ${owner.pid} on host ${owner.host} (${path}, since ${owner.started})`;
  return alive(owner.pid) ? `process ${owner.pid} (${path}, since ${owner.started})` : null;
}
