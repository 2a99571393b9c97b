// Every command that writes, killed with SIGKILL at many instants while it replaces an older
// output: what is left at the output path is the old output, the new one, or nothing, never a
// mix; and the next complete run leaves no temporary entry behind. (`ntp sweep merge` has its
// own kill test in sweep-reliability.)
import { execFile, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const CLI = new URL('../dist/src/cli/main.js', import.meta.url).pathname;
const run = promisify(execFile);
let root: string;

/** The output as text, file by file (one file or a directory), with the wall-clock fields zeroed. */
async function snapshot(path: string): Promise<Map<string, string> | null> {
  let s;
  try {
    s = await stat(path);
  } catch {
    return null;
  }
  const names = s.isDirectory() ? (await readdir(path)).sort() : [''];
  const m = new Map<string, string>();
  for (const n of names) m.set(n, (await readFile(join(path, n), 'utf8')).replace(/"(elapsedMs|trainingMs)": [0-9.e+-]+/g, '"$1": 0'));
  return m;
}

interface WriterCase {
  name: string;
  /** the command line writing to `out`; `which` 0 is the old output, 1 the new one */
  args: (out: string, which: 0 | 1) => string[];
}

const cases: WriterCase[] = [
  { name: 'ntp train', args: (out, w) => ['train', '--t0', '30', '--t1', '30', '--every', '10', '--seed', w ? '2' : '1', '--out', out] },
  { name: 'ntp recall train', args: (out, w) => ['recall', 'train', '--steps', w ? '60' : '40', '--out', out] },
  { name: 'ntp autoregressive train', args: (out, w) => ['autoregressive', 'train', '--steps', w ? '30' : '20', '--out', out] },
  { name: 'ntp cyclic train', args: (out, w) => ['cyclic', 'train', '--data', join(root, 'cyclic.txt'), '--steps', w ? '60' : '40', '--out', out] },
  { name: 'ntp cyclic experiment global', args: (out, w) => ['cyclic', 'experiment', 'global', '--datasets', '2', '--steps', w ? '60' : '40', '--out', out] },
  { name: 'ntp factorized train', args: (out, w) => ['factorized', 'train', '--data', join(root, 'data.txt'), '--steps', w ? '30' : '20', '--out', out] },
  { name: 'ntp factorized experiment local', args: (out, w) => ['factorized', 'experiment', 'local', '--n', '4', '--T', '4', '--steps', w ? '30' : '20', '--out', out] },
  { name: 'ntp generate', args: (out, w) => ['generate', '--vocab', '8', '--seed', w ? '2' : '1', '--out', out] },
  { name: 'ntp text', args: (out, w) => ['text', join(root, 'words.txt'), '--window', w ? '3' : '2', '--out', out] },
  { name: 'ntp autoregressive reference', args: (out, w) => ['autoregressive', 'reference', '--sequences', w ? '64' : '32', '--out', out] },
  { name: 'ntp sweep report', args: (out, w) => ['sweep', 'report', join(root, w ? 'sweep-b' : 'sweep-a'), '--out', out, '--no-figure'] },
];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ntp-kill-all-'));
  await run(process.execPath, [CLI, 'example', 'cyclic-1', '--out', join(root, 'cyclic.txt')]);
  await run(process.execPath, [CLI, 'generate', '--vocab', '8', '--seed', '3', '--out', join(root, 'data.txt')]);
  await writeFile(join(root, 'words.txt'), 'the cat sat on the mat and the dog sat on the log\n'.repeat(200));
  const tiny = new URL('fixtures/sweep-tiny.json', import.meta.url).pathname;
  await run(process.execPath, [CLI, 'sweep', 'run', tiny, '--out', join(root, 'sweep-a'), '--workers', '1']);
  await run(process.execPath, [CLI, 'sweep', 'run', tiny, '--out', join(root, 'sweep-b'), '--workers', '1', '--every', '1']);
}, 60_000);

/** Entries beside or inside `out` that a write in progress (or a killed one) leaves. */
function temporaries(out: string): string[] {
  const name = basename(out);
  const beside = readdirSync(dirname(out)).filter((e) => e.startsWith(`.${name}.`));
  return [...beside, ...inside(out).filter((e) => e.startsWith('.'))];
}

/** The entries of directory `out`; none if it is a file or absent, also when a running write moves it away between the look and the listing. */
function inside(out: string): string[] {
  try {
    return statSync(out).isDirectory() ? readdirSync(out) : [];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

describe('a writing command killed at any instant leaves the old output, the new one, or none', () => {
  for (const c of cases) {
    it(`${c.name}: 12 kills (6 over the run, 6 inside its write)`, async () => {
      const dir = await mkdtemp(join(root, 'case-'));
      const file = c.name.includes('generate') || c.name.includes('text');
      const out = join(dir, file ? 'out.json' : 'out');
      const ref = join(dir, file ? 'ref.json' : 'ref');
      const t = performance.now();
      await run(process.execPath, [CLI, ...c.args(ref, 1)]);
      const T = performance.now() - t;
      const fresh = (await snapshot(ref))!;
      const start = join(dir, 'start');
      await run(process.execPath, [CLI, ...c.args(out, 0)]);
      await cp(out, start, { recursive: true });
      const old = (await snapshot(out))!;
      expect([...old.keys()]).toEqual([...fresh.keys()]);
      expect([...old.values()]).not.toEqual([...fresh.values()]);
      const seen = { old: 0, new: 0, absent: 0 };
      for (let i = 0; i < 12; i++) {
        const child = spawn(process.execPath, [CLI, ...c.args(out, 1)], { stdio: 'ignore' });
        const exited = new Promise((r) => child.once('exit', r));
        let when: string;
        if (i < 6) {
          const delay = T * (0.1 + (1.9 * i) / 5);
          await new Promise((r) => setTimeout(r, delay));
          when = `after ${delay.toFixed(0)} ms`;
        } else {
          const extra = i - 6;
          const deadline = performance.now() + 5 * T;
          let looks = -1;
          while (performance.now() < deadline) {
            if (looks < 0 && temporaries(out).length > 0) looks = 0;
            if (looks >= 0 && looks++ >= extra) break;
          }
          when = `${extra} looks into the write`;
        }
        child.kill('SIGKILL');
        await exited;
        const now = await snapshot(out);
        if (now === null) seen.absent++;
        else {
          expect([...now.keys()], `killed ${when}`).toEqual([...old.keys()]);
          const isOld = [...now].every(([k, v]) => old.get(k) === v);
          const isNew = [...now].every(([k, v]) => fresh.get(k) === v);
          expect(isOld || isNew, `killed ${when}: a mix of outputs`).toBe(true);
          if (isOld) seen.old++;
          else seen.new++;
        }
        await rm(out, { recursive: true, force: true });
        await cp(start, out, { recursive: true });
      }
      expect(seen.old).toBeGreaterThan(0);
      // a complete run after the kills cleans what the killed ones left
      await run(process.execPath, [CLI, ...c.args(out, 1)]);
      expect(await snapshot(out)).toEqual(fresh);
      expect(temporaries(out)).toEqual([]);
      await rm(dir, { recursive: true, force: true });
    }, 180_000);
  }
});
