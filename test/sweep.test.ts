import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { NtpError } from '../src/errors.js';
import { DEFAULT_FAMILY, loadFamilies } from '../src/sweep/families.js';
import { mergeSweeps } from '../src/sweep/merge.js';
import { ntpFamily } from '../src/sweep/ntp.js';
import { figureProblems } from '../src/figure/theme.js';
import { vegaLiteWarnings } from '../src/figure/svg.js';
import { bandFigureSpec, stats, summarizeResults, summarizeRuns, summarizeSweep } from '../src/sweep/report.js';
import { runSweep } from '../src/sweep/run.js';
import { countRuns, expandSweep, parseShard, parseSweepFile, runId, shardOf, type SweepFile } from '../src/sweep/spec.js';
import { outcomeKey, readRunsLog, type RunLine } from '../src/sweep/store.js';
import { capture } from './helpers/cli.js';

const families = await loadFamilies();
const expand = (s: SweepFile, extra: { limit?: number; yes?: boolean } = {}) => expandSweep(s, { families, defaultFamily: DEFAULT_FAMILY, ...extra });
const FAULTY = pathToFileURL(fileURLToPath(new URL('./fixtures/faulty-family.mjs', import.meta.url))).href;
const CLI = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ntp-sweep-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const byId = (lines: RunLine[]) => new Map(lines.map((l) => [l.id, l]));
async function linesOf(d: string): Promise<RunLine[]> {
  const log = await readRunsLog(d);
  expect(log.torn).toBeNull();
  return log.lines;
}
async function recordsOf(d: string): Promise<Map<string, string>> {
  const names = await readdir(join(d, 'records'));
  return new Map(await Promise.all(names.map(async (n) => [n, await readFile(join(d, 'records', n), 'utf8')] as [string, string])));
}

describe('sweep files', () => {
  it('expands grid × list in a fixed order with ranges, stable ids and configs', () => {
    const runs = expand({ base: { t0: 5 }, grid: { seed: { from: 1, to: 5, step: 2 }, vocab: [8, 10] }, list: [{ eta0: 0.1 }, { eta0: 0.2 }] });
    expect(runs).toHaveLength(12);
    expect(runs.slice(0, 6).map((r) => [r.config.seed, r.config.vocab])).toEqual([[1, 8], [1, 10], [3, 8], [3, 10], [5, 8], [5, 10]]);
    expect(runs[0].config).toEqual({ t0: 5, seed: 1, vocab: 8, eta0: 0.1, family: 'ntp' });
    expect(runs[11].config).toEqual({ t0: 5, seed: 5, vocab: 10, eta0: 0.2, family: 'ntp' });
    expect(runs.map((r) => r.index)).toEqual([...Array(12).keys()]);
    // the id is a hash of the config alone: key order and the rest of the sweep do not matter
    expect(runs[0].id).toBe(runId({ family: 'ntp', eta0: 0.1, vocab: 8, seed: 1, t0: 5 }));
    expect(runs[0].id).toMatch(/^[0-9a-f]{16}$/);
    expect(expand({ list: [{ vocab: 8, seed: 1, t0: 5, eta0: 0.1 }] })[0].id).toBe(runs[0].id);
    expect(new Set(runs.map((r) => r.id)).size).toBe(12);
  });

  it('splits runs into shards by id: a partition, unchanged when the sweep file is reordered', () => {
    const a = expand({ grid: { seed: { from: 1, to: 30 }, vocab: [8, 10] } });
    const b = expand({ grid: { vocab: [10, 8], seed: { from: 1, to: 30 } } });
    expect(b.map((r) => r.id).sort()).toEqual(a.map((r) => r.id).sort());
    const shardsA = [0, 1, 2].map((i) => a.filter((r) => shardOf(r.id, 3) === i).map((r) => r.id).sort());
    const shardsB = [0, 1, 2].map((i) => b.filter((r) => shardOf(r.id, 3) === i).map((r) => r.id).sort());
    expect(shardsB).toEqual(shardsA);
    expect(shardsA.flat().sort()).toEqual(a.map((r) => r.id).sort());
    for (const s of shardsA) expect(s.length).toBeGreaterThan(10); // 60 runs: none of the 3 is nearly empty
    expect(shardOf('0000000000000007', 3)).toBe(1);
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(() => parseShard('3/3')).toThrow(/--shard must be I\/N with 0 <= I < N/);
  });

  it('refuses bad sweep files with a message naming the problem', () => {
    const bad = (s: unknown, re: RegExp, extra = {}) => {
      expect(() => expand(s as SweepFile, extra)).toThrow(NtpError);
      expect(() => expand(s as SweepFile, extra)).toThrow(re);
    };
    bad({ grid: { vocab: [8], etta0: [0.1] } }, /unknown option "etta0" \(a grid axis\) for family ntp/);
    bad({ base: { steps: 3 } }, /unknown option "steps" for family ntp/);
    bad({ grid: { seed: [] } }, /grid axis "seed" is empty/);
    bad({ grid: { seed: { from: 5, to: 1 } } }, /grid axis "seed" is empty: range from 5 to 1/);
    bad({ grid: { seed: { from: 1, to: 1e7 } } }, /expands to 10000000 runs, more than the limit of 10000.*--yes/);
    bad({ grid: { seed: { from: 1, to: 4 }, vocab: [8, 9] } }, /expands to 8 runs, more than the limit of 5/, { limit: 5 });
    bad({ grid: { eta0: ['fast'] } }, /run 0: option eta0 must be a number \(got "fast"\)/);
    bad({ list: [{ vocab: 8 }, { vocab: 1 }] }, /run 1 \(list entry 1\): option vocab must be an integer >= 2/);
    bad({ grid: { algorithm: ['two-stage', 'adam'] } }, /run 1: option algorithm must be one of two-stage, gd, joint \(got "adam"\)/);
    bad({ base: { family: 'nope' } }, /unknown family "nope" \(known: ntp, cyclic, factorized, recall, autoregressive, factorized-rank\)/);
    bad({ grid: { seed: [1, 2, 1] } }, /run 2 has the same config as run 0/);
    bad({ base: { vocab: 8 }, gird: {} }, /unknown key "gird" in the sweep file/);
    bad({ list: [] }, /"list" is empty/);
    expect(() => parseSweepFile('{"base": ')).toThrow(/is not valid JSON/);
    // counting never expands: 10^12 runs are counted at once
    expect(countRuns({ grid: { seed: { from: 1, to: 1e6 }, t0: { from: 1, to: 1e6 } } })).toBe(1e12);
    expect(expand({ grid: { seed: { from: 1, to: 4 }, vocab: [8, 9] } }, { limit: 5, yes: true })).toHaveLength(8);
  });
});

describe('the ntp family', () => {
  it('gives exactly what ntp train --vocab V --seed S gives', async () => {
    const out = join(dir, 'train');
    expect(await main(['train', '--vocab', '12', '--seed', '7', '--t0', '60', '--t1', '40', '--eta0', '0.1', '--every', '20', '--out', out], capture())).toBe(0);
    const t = JSON.parse(await readFile(join(out, 'trajectory.json'), 'utf8'));
    const r = await ntpFamily.run({ vocab: 12, seed: 7, t0: 60, t1: 40, eta0: 0.1 }, 20);
    expect(r.status).toBe('completed');
    expect(r.records).toEqual([...t.stage1.map((x: object) => ({ stage: 1, ...x })), ...t.stage2.map((x: object) => ({ stage: 2, ...x }))]);
    expect(r.final).toEqual(t.stage2[t.stage2.length - 1]);
    expect(r.final.step).toBe(40);
    expect(r.extra?.rates).toEqual(t.rates);
    expect(r.extra?.generalization).toEqual({ accuracy: t.generalization.accuracy, rankingHolds: t.generalization.rankingHolds });
  });

  it('reports numerical trouble as the status of the run, not an exception', async () => {
    // a float32 step beyond its range is refused: the run stops at step 0 with W_ov = 0
    const r = await ntpFamily.run({ vocab: 8, t0: 50, t1: 50, eta0: 1e40, precision: 'f32', algorithm: 'gd' }, 10);
    expect(r.status).toBe('overflow');
    expect(r.final).toEqual({ step: 0, loss: r.final.loss, norm: 0, cosine: null });
    expect(r.final.loss).toBeCloseTo(Math.log(8), 6);
  });
});

const SMALL: SweepFile = { base: { t0: 40, t1: 30 }, grid: { seed: { from: 1, to: 3 }, vocab: [8, 12] } };

describe('running a sweep', () => {
  it('gives bit-identical per-run results serially, on 2 workers and as 3 merged shards', async () => {
    const serial = await runSweep(SMALL, { out: join(dir, 'serial'), workers: 0, every: 10 });
    expect(serial).toMatchObject({ total: 6, done: 6, failed: 0, resumed: 0, interrupted: false });
    const two = await runSweep(SMALL, { out: join(dir, 'two'), workers: 2, every: 10 });
    expect(two.done).toBe(6);
    const shardDirs: string[] = [];
    let sum = 0;
    for (let i = 0; i < 3; i++) {
      shardDirs.push(join(dir, `shard${i}`));
      const s = await runSweep(SMALL, { out: shardDirs[i], workers: 1, every: 10, shard: { index: i, count: 3 } });
      sum += s.total;
    }
    expect(sum).toBe(6);
    const m = await mergeSweeps(shardDirs, join(dir, 'merged'));
    expect(m).toMatchObject({ expected: 6, merged: 6, missing: [], duplicates: [], written: true });

    const ref = await linesOf(join(dir, 'serial'));
    const refKeys = new Map(ref.map((l) => [l.id, outcomeKey(l)]));
    expect(ref.map((l) => l.status)).toEqual(Array(6).fill('completed'));
    for (const d of ['two', 'merged']) {
      const lines = await linesOf(join(dir, d));
      expect(lines).toHaveLength(6);
      expect(new Map(lines.map((l) => [l.id, outcomeKey(l)]))).toEqual(refKeys);
      expect(await recordsOf(join(dir, d))).toEqual(await recordsOf(join(dir, 'serial')));
    }
    // merged runs are in sweep order
    expect((await linesOf(join(dir, 'merged'))).map((l) => l.index)).toEqual([0, 1, 2, 3, 4, 5]);
    // each run is what its family's run gives for its config
    const one = ref.find((l) => l.config.seed === 2 && l.config.vocab === 12) as RunLine;
    const direct = await ntpFamily.run(one.config, 10);
    expect(one.final).toEqual(direct.final);
    expect(one.rates).toEqual(direct.extra?.rates);
  });

  it('merge refuses runs whose outcomes disagree, the runs of another sweep, and its own input as output', async () => {
    const edited = join(dir, 'edited');
    await runSweep(SMALL, { out: edited, workers: 0, every: 10, shard: { index: 0, count: 3 } });
    const rows = (await readFile(join(edited, 'runs.jsonl'), 'utf8')).trimEnd().split('\n').map((r) => JSON.parse(r));
    rows[0].final.loss *= 1 + 8 * Number.EPSILON; // a few ulps: bit-identical or not is all that counts
    await writeFile(join(edited, 'runs.jsonl'), rows.map((r) => JSON.stringify(r) + '\n').join(''));
    await expect(mergeSweeps([join(dir, 'serial'), edited], join(dir, 'm-conflict'))).rejects.toThrow(new RegExp(`run ${rows[0].id} has different outcomes in .*serial and .*edited`));
    const other = join(dir, 'other');
    await runSweep({ ...SMALL, base: { t0: 40, t1: 31 } }, { out: other, workers: 0, every: 10, shard: { index: 0, count: 3 } });
    await expect(mergeSweeps([join(dir, 'serial'), other], join(dir, 'm-other'))).rejects.toThrow(/holds the runs of another sweep than/);
    await expect(mergeSweeps([join(dir, 'serial')], join(dir, 'serial'))).rejects.toThrow(/is one of the directories to merge/);
    await expect(readdir(join(dir, 'm-conflict'))).rejects.toThrow();
  });

  it('resumes: a rerun skips recorded runs; another sweep or interval in the same directory is refused', async () => {
    const again = await runSweep(SMALL, { out: join(dir, 'serial'), workers: 0, every: 10 });
    expect(again).toMatchObject({ total: 6, done: 6, resumed: 6 });
    expect(await linesOf(join(dir, 'serial'))).toHaveLength(6);
    await expect(runSweep(SMALL, { out: join(dir, 'serial'), workers: 0, every: 5 })).rejects.toThrow(/was run with --every 10, not 5/);
    await expect(runSweep({ ...SMALL, base: { t0: 41, t1: 30 } }, { out: join(dir, 'serial'), workers: 0 })).rejects.toThrow(/holds the runs of another sweep/);
  });

  it('stops when its signal aborts: queued runs are not started, and a resume runs only them', async () => {
    const d = join(dir, 'aborted');
    const stop = new AbortController();
    const big: SweepFile = { base: { t0: 300, t1: 300, vocab: 16 }, grid: { seed: { from: 1, to: 8 } } };
    const s = await runSweep(big, { out: d, workers: 0, every: 10, signal: stop.signal, onProgress: (p) => p.done === 2 && stop.abort() });
    // in this thread a run starts only once the one before is written: the stop comes before run 3
    expect(s).toMatchObject({ total: 8, done: 2, interrupted: true });
    expect(await linesOf(d)).toHaveLength(2);
    const rest = await runSweep(big, { out: d, workers: 0, every: 10 });
    expect(rest).toMatchObject({ total: 8, done: 8, resumed: 2, interrupted: false });
    const lines = await linesOf(d);
    expect(new Set(lines.map((l) => l.id)).size).toBe(8);
    const one = lines[7];
    expect(one.final).toEqual((await ntpFamily.run(one.config, 10)).final);
  });

  it('locks its directory: a second sweep into it at once fails naming the first; a dead sweep\'s lock is taken over with a notice', async () => {
    const d = join(dir, 'locked');
    const sweep: SweepFile = { base: { t0: 20, t1: 20, vocab: 8 }, grid: { seed: { from: 1, to: 3 } } };
    const both = await Promise.allSettled([runSweep(sweep, { out: d, workers: 0 }), runSweep(sweep, { out: d, workers: 0 })]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = both.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(NtpError);
    expect(refused.reason.code).toBe('sweep-locked');
    expect(refused.reason.message).toMatch(new RegExp(`^${d} is locked by process ${process.pid} \\(${d}/sweep\\.lock, since .*\\): another sweep is running into this directory`));
    expect(await linesOf(d)).toHaveLength(3); // each run once
    expect(await readdir(d)).not.toContain('sweep.lock'); // released

    // a sweep killed with SIGKILL leaves its lock: the next one takes it over and says so
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number;
    const lockOf = (pid: number, host = hostname()) => JSON.stringify({ pid, host, started: '2026-11-26T00:00:00.000Z' }) + '\n';
    await writeFile(join(d, 'sweep.lock'), lockOf(dead));
    const notices: string[] = [];
    const s = await runSweep({ ...sweep, grid: { seed: { from: 1, to: 3 } } }, { out: d, workers: 0, onNotice: (m) => notices.push(m) });
    expect(s).toMatchObject({ done: 3, resumed: 3, tookOverLockFrom: dead });
    expect(notices).toEqual([`took over the lock of ${d} (sweep.lock) left by process ${dead}, which is no longer running`]);
    expect(await readdir(d)).not.toContain('sweep.lock');

    // a live lock (here this very process) and one of another host are refused, by the CLI with exit 1
    const file = join(dir, 'locked.json');
    await writeFile(file, JSON.stringify(sweep));
    for (const [content, message] of [[lockOf(process.pid), `is locked by process ${process.pid} (`], [lockOf(1, 'elsewhere.example'), 'is locked by process 1 on host elsewhere.example']]) {
      await writeFile(join(d, 'sweep.lock'), content);
      const io = capture();
      expect(await main(['sweep', 'run', file, '--out', d, '--workers', '1'], io)).toBe(1);
      expect(io.err).toContain(message);
      expect(await readFile(join(d, 'sweep.lock'), 'utf8')).toBe(content); // not someone else's to remove
    }
    await rm(join(d, 'sweep.lock'));
  });

  it('a sweep run in one directory in pieces equals the sweep run at once', async () => {
    const d = join(dir, 'pieces');
    const stop = new AbortController();
    expect(await runSweep(SMALL, { out: d, workers: 0, every: 10, signal: stop.signal, onProgress: (p) => p.done === 1 && stop.abort() })).toMatchObject({ done: 1, interrupted: true });
    expect(await runSweep(SMALL, { out: d, workers: 2, every: 10 })).toMatchObject({ done: 6, resumed: 1 });
    expect(new Map((await linesOf(d)).map((l) => [l.id, outcomeKey(l)]))).toEqual(new Map((await linesOf(join(dir, 'serial'))).map((l) => [l.id, outcomeKey(l)])));
  });

  it('drops a torn last line and runs its run again; a corrupt line elsewhere is an error naming it', async () => {
    const d = join(dir, 'torn');
    await runSweep(SMALL, { out: d, workers: 0, every: 10 });
    const text = await readFile(join(d, 'runs.jsonl'), 'utf8');
    const rows = text.trimEnd().split('\n');
    // a sweep killed while writing its last line: the line stops half-way, without its newline
    await writeFile(join(d, 'runs.jsonl'), rows.slice(0, 5).join('\n') + '\n' + rows[5].slice(0, 70));
    const log = await readRunsLog(d);
    expect(log.lines).toHaveLength(5);
    expect(log.torn).toBe(rows[5].slice(0, 70));
    const s = await runSweep(SMALL, { out: d, workers: 0, every: 10 });
    expect(s).toMatchObject({ droppedTornLine: true, resumed: 5, done: 6 });
    const lines = await linesOf(d);
    expect(lines.map((l) => l.id).sort()).toEqual(rows.map((r) => JSON.parse(r).id).sort());
    expect(outcomeKey(lines[5])).toBe(outcomeKey(JSON.parse(rows[5])));

    await writeFile(join(d, 'runs.jsonl'), rows[0] + '\n' + '{"id": garbage\n' + rows[1] + '\n');
    await expect(readRunsLog(d)).rejects.toThrow(/runs\.jsonl: line 2 is not JSON/);
  });

  it('records a run that throws and a worker that dies as failed runs, runs the rest, and does not retry them', async () => {
    const d = join(dir, 'faulty');
    const sweep: SweepFile = { base: { family: 'faulty' }, grid: { x: [1, 2, 3] }, list: [{ mode: 'ok' }, { mode: 'throw' }, { mode: 'exit' }] };
    await expect(runSweep(sweep, { out: d, workers: 2 })).rejects.toThrow(/unknown family "faulty"/);
    await expect(runSweep({ ...sweep, grid: { x: [1, 'two'] } }, { out: d, workers: 2, modules: [FAULTY] })).rejects.toThrow(/^run 1 \(list entry 0\): option x must be a number \(got "two"\)$/);
    const s = await runSweep(sweep, { out: join(d, 'x'), workers: 2, modules: [FAULTY], every: 4 });
    expect(s).toMatchObject({ total: 9, done: 9, failed: 6 });
    const lines = await linesOf(join(d, 'x'));
    const of = (mode: string) => lines.filter((l) => l.config.mode === mode).sort((a, b) => (a.config.x as number) - (b.config.x as number));
    expect(of('ok').map((l) => [l.status, l.final.x2])).toEqual([['completed', 1], ['completed', 4], ['completed', 9]]);
    expect(of('throw').map((l) => [l.status, l.error])).toEqual([1, 2, 3].map((x) => ['failed', `boom at x = ${x}`]));
    for (const l of of('exit')) {
      expect(l.status).toBe('failed');
      expect(l.error).toMatch(/the worker running it died/);
    }
    const records = JSON.parse(await readFile(join(d, 'x', 'records', `${of('ok')[1].id}.json`), 'utf8'));
    expect(records.records).toEqual([{ step: 0, x: 2 }, { step: 4, x: 4 }]);
    const again = await runSweep(sweep, { out: join(d, 'x'), workers: 2, modules: [FAULTY], every: 4 });
    expect(again).toMatchObject({ done: 9, resumed: 9, failed: 6 });
    expect(await loadFamilies([FAULTY])).toHaveProperty('size', 7);
  });

  it('loses at most the runs in flight when SIGKILLed, and a resume completes it with no duplicate', async () => {
    const d = join(dir, 'killed');
    const file = join(dir, 'kill.json');
    const sweep: SweepFile = { base: { t0: 300, t1: 300, vocab: 16 }, grid: { seed: { from: 1, to: 8 } } };
    await writeFile(file, JSON.stringify(sweep));
    const child = spawn(process.execPath, [CLI, 'sweep', 'run', file, '--out', d, '--workers', '1'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    let n = 0;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      n = await readFile(join(d, 'runs.jsonl'), 'utf8').then((t) => t.split('\n').length - 1, () => 0);
      if (n >= 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await exited;
    expect(n).toBeGreaterThanOrEqual(2);
    const before = (await readRunsLog(d)).lines.length;
    expect(before).toBeLessThan(8); // killed mid-sweep
    const s = await runSweep(sweep, { out: d, workers: 2 });
    expect(s).toMatchObject({ total: 8, done: 8, failed: 0, resumed: before, tookOverLockFrom: child.pid });
    const lines = await linesOf(d);
    expect(lines).toHaveLength(8);
    expect(new Set(lines.map((l) => l.id)).size).toBe(8);
    expect((await readdir(join(d, 'records'))).filter((f) => f.endsWith('.json'))).toHaveLength(8);
    // a resumed sweep is the same sweep: the runs killed in flight give what they give uninterrupted
    const seed3 = lines.find((l) => l.config.seed === 3) as RunLine;
    expect(seed3.final).toEqual((await ntpFamily.run(seed3.config, 10)).final);
  });
});

describe('ntp sweep (CLI)', () => {
  it('stops on SIGINT with exit 130, keeping the finished runs; a rerun completes the sweep', async () => {
    const d = join(dir, 'sigint');
    const file = join(dir, 'sigint.json');
    const sweep: SweepFile = { base: { t0: 300, t1: 300, vocab: 16 }, grid: { seed: { from: 1, to: 8 } } };
    await writeFile(file, JSON.stringify(sweep));
    const child = spawn(process.execPath, [CLI, 'sweep', 'run', file, '--out', d, '--workers', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await readFile(join(d, 'runs.jsonl'), 'utf8').catch(() => '')).split('\n').length < 2) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(err).toMatch(/interrupted: stopping; runs in flight are lost, rerun the same command to resume/);
    const kept = (await linesOf(d)).length;
    expect(kept).toBeGreaterThanOrEqual(1);
    expect(kept).toBeLessThan(8);
    const io = capture();
    expect(await main(['sweep', 'run', file, '--out', d, '--workers', '2'], io)).toBe(0);
    expect(io.out).toContain(`8/8 runs recorded in ${d}/runs.jsonl: ${8 - kept} run now, ${kept} earlier, 0 failed`);
    expect(new Set((await linesOf(d)).map((l) => l.id)).size).toBe(8);
  });

  it('runs, merges shards, reports missing and duplicate runs, and writes a report with band figures', async () => {
    const file = join(dir, 'cli.json');
    await writeFile(file, JSON.stringify({ base: { t0: 30, t1: 30 }, grid: { seed: { from: 1, to: 3 }, eta0: [0.05, 0.1] } }));
    const shards = [0, 1].map((i) => join(dir, `cli-s${i}`));
    for (let i = 0; i < 2; i++) {
      const io = capture();
      expect(await main(['sweep', 'run', file, '--out', shards[i], '--shard', `${i}/2`, '--workers', '1', '--every', '10'], io)).toBe(0);
      expect(io.out).toMatch(new RegExp(`runs recorded in .*\\(shard ${i}/2\\): \\d+ run now, 0 earlier, 0 failed`));
    }
    const partial = capture();
    expect(await main(['sweep', 'merge', shards[0], shards[0], '--out', join(dir, 'cli-m0')], partial)).toBe(1);
    expect(partial.err).toMatch(/error: \d of 6 runs are missing: [0-9a-f]{16}/);
    expect(partial.err).toMatch(/runs were found in more than one directory, with the same outcome/);
    await expect(readdir(join(dir, 'cli-m0'))).rejects.toThrow();
    const io = capture();
    expect(await main(['sweep', 'merge', ...shards, '--out', join(dir, 'cli-m')], io)).toBe(0);
    expect(io.out).toMatch(/merged 6 of 6 runs from 2 directories/);

    const rep = capture();
    expect(await main(['sweep', 'report', join(dir, 'cli-m')], rep)).toBe(0);
    expect(rep.out).toMatch(/^6 runs, 0 failed, 2 groups by eta0 \(seeds pooled\)\n\neta0 = 0\.05: 3 runs \(3 completed\)\n {2}final loss /);
    const files = (await readdir(join(dir, 'cli-m', 'report'))).sort();
    expect(files).toEqual(['accuracy.svg', 'cosine.svg', 'loss.svg', 'norm.svg', 'optimalAttention.svg', 'report.json']);
    expect(await readFile(join(dir, 'cli-m', 'report', 'loss.svg'), 'utf8')).toMatch(/^<svg/);
    const report = JSON.parse(await readFile(join(dir, 'cli-m', 'report', 'report.json'), 'utf8'));
    const lines = await linesOf(join(dir, 'cli-m'));
    const losses = lines.filter((l) => l.config.eta0 === 0.1).map((l) => l.final.loss as number);
    const g = report.groups.find((v: { config: { eta0: number } }) => v.config.eta0 === 0.1);
    expect(g.config).toEqual({ t0: 30, t1: 30, eta0: 0.1, family: 'ntp' });
    expect(g.final.loss.mean).toBeCloseTo(losses.reduce((a, b) => a + b) / 3, 15);
    expect(g.final.loss.min).toBe(Math.min(...losses));
    // stage 1 step 0 is W_ov = 0 for every run: the loss is log |V| = log 20 with no spread
    const first = g.series[0];
    expect(first).toMatchObject({ stage: 1, step: 0 });
    expect(first.metrics.loss.mean).toBeCloseTo(Math.log(20), 12);
    expect(first.metrics.loss.std).toBeLessThan(1e-12);
  });

  it('runs a family from --family-module and exits 1 naming the failed runs', async () => {
    const file = join(dir, 'faulty-cli.json');
    await writeFile(file, JSON.stringify({ base: { family: 'faulty' }, grid: { x: [1, 2] }, list: [{ mode: 'ok' }, { mode: 'throw' }] }));
    const io = capture();
    expect(await main(['sweep', 'run', file, '--out', join(dir, 'faulty-cli'), '--workers', '1', '--family-module', fileURLToPath(FAULTY)], io)).toBe(1);
    expect(io.out).toMatch(/4\/4 runs recorded in .*: 4 run now, 0 earlier, 2 failed/);
    expect(io.err).toContain('error: 2 runs failed; their errors are in runs.jsonl ("status": "failed")');
  });

  it('exits 1 on a bad sweep file and 2 on a malformed command line, writing nothing', async () => {
    const file = join(dir, 'huge.json');
    await writeFile(file, JSON.stringify({ grid: { seed: { from: 1, to: 1e7 } } }));
    const io = capture();
    expect(await main(['sweep', 'run', file, '--out', join(dir, 'huge')], io)).toBe(1);
    expect(io.err).toMatch(/the sweep expands to 10000000 runs, more than the limit of 10000; .* pass --yes/);
    await expect(readdir(join(dir, 'huge'))).rejects.toThrow();
    await writeFile(file, JSON.stringify({ grid: { seed: [1], vocabb: [8] } }));
    const io2 = capture();
    expect(await main(['sweep', 'run', file, '--out', join(dir, 'huge')], io2)).toBe(1);
    expect(io2.err).toMatch(/unknown option "vocabb" \(a grid axis\)/);
    expect(await main(['sweep', 'run', file], capture())).toBe(2);
    expect(await main(['sweep', 'run', file, '--out', 'x', '--shard', '2/2'], capture())).toBe(2);
    expect(await main(['sweep', 'fly'], capture())).toBe(2);
  });
});

describe('the scheduler examples', () => {
  it('Kubernetes: the ConfigMap holds a valid sweep and the shard count equals the completions', async () => {
    const yaml = await readFile(new URL('../examples/k8s/sweep-job.yaml', import.meta.url), 'utf8');
    const json = /sweep\.json: \|\n\s+(\{.*\})\n/.exec(yaml)?.[1] as string;
    expect(expand(parseSweepFile(json))).toHaveLength(200);
    const completions = Number(/completions: (\d+)/.exec(yaml)?.[1]);
    expect(completions).toBe(4);
    expect(yaml).toContain(`--shard "$JOB_COMPLETION_INDEX/${completions}"`);
    expect(yaml).toMatch(/completionMode: Indexed/);
  });

  it('Slurm: the job array passes its task id and count as the shard', async () => {
    const sbatch = await readFile(new URL('../examples/slurm/sweep.sbatch', import.meta.url), 'utf8');
    expect(sbatch).toContain('--shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT"');
    expect(sbatch).toMatch(/^#SBATCH --array=0-\d+$/m);
  });
});

describe('sweep report', () => {
  it('computes mean, sample std, min and max; groups by the whole config minus the seed', async () => {
    expect(stats([1, 2, 3, 4, null, NaN])).toEqual({ n: 4, mean: 2.5, std: Math.sqrt(5 / 3), min: 1, max: 4 });
    expect(stats([7])).toEqual({ n: 1, mean: 7, std: 0, min: 7, max: 7 });
    expect(stats([null])).toBeNull();
    const line = (id: string, seed: number, eta0: number, loss: number): RunLine => ({ id, index: 0, config: { family: 'ntp', seed, eta0 }, status: 'completed', final: { loss }, rates: null, wallMs: 1 });
    const lines = [line('a', 1, 0.1, 1), line('b', 2, 0.1, 3), line('c', 1, 0.2, 5), { ...line('d', 2, 0.2, 0), status: 'failed' as const, final: {} }];
    const recs = new Map([
      ['a', [{ stage: 1, step: 0, loss: 2 }, { stage: 2, step: 0, loss: 1 }]],
      ['b', [{ stage: 1, step: 0, loss: 4 }]],
      ['c', [{ stage: 1, step: 0, loss: 6 }]],
    ]);
    const r = summarizeRuns(lines, recs);
    expect(r).toMatchObject({ runs: 4, failed: 1, varying: ['eta0'] });
    const [v1, v2] = r.groups;
    expect(v1).toMatchObject({ config: { family: 'ntp', eta0: 0.1 }, n: 2, failed: 0, final: { loss: { n: 2, mean: 2, min: 1, max: 3 } } });
    expect(v1.final.loss.std).toBeCloseTo(Math.SQRT2, 15);
    expect(v1.series).toEqual([
      { stage: 1, step: 0, metrics: { loss: { n: 2, mean: 3, std: Math.SQRT2, min: 2, max: 4 } } },
      { stage: 2, step: 0, metrics: { loss: { n: 1, mean: 1, std: 0, min: 1, max: 1 } } },
    ]);
    expect(v2).toMatchObject({ config: { family: 'ntp', eta0: 0.2 }, n: 2, failed: 1, statuses: { completed: 1, failed: 1 }, final: { loss: { n: 1, mean: 5 } } });
    // the same statistics straight from results, as an experiment looping over seeds gets them
    expect(summarizeResults([{ final: { loss: 1 }, records: recs.get('a') ?? [] }, { final: { loss: 3 }, records: recs.get('b') ?? [] }])).toEqual({ final: v1.final, series: v1.series });
    // only seeds vary: one group of all runs
    const one = summarizeRuns([line('a', 1, 0.1, 1), line('b', 2, 0.1, 3)], new Map());
    expect(one.varying).toEqual([]);
    expect(one.groups.map((g) => [g.config, g.n])).toEqual([[{ family: 'ntp', eta0: 0.1 }, 2]]);
    // the band is mean ± std clipped to [min, max]: 3 ± √2 is cut to [2, 4]
    type Rows = { data: { values: Array<Record<string, unknown>> } };
    const spec = bandFigureSpec(r, 'loss') as unknown as Rows;
    expect(spec.data.values[0]).toEqual({ group: 'eta0 = 0.1', stage: 'stage 1', step: 0, mean: 3, lo: 2, hi: 4 });
    expect(spec.data.values.find((v) => v.group === 'eta0 = 0.2')).toEqual({ group: 'eta0 = 0.2', stage: 'stage 1', step: 0, mean: 6, lo: 6, hi: 6 });
    // the report's figure is in the house theme (colour and dash, step axis, title) and Vega-Lite has nothing to warn about
    expect(figureProblems(spec)).toEqual([]);
    expect(await vegaLiteWarnings(spec as never)).toEqual([]);
    // within [min, max] the band is mean ± std; the cosine is drawn as 1 − cos, so its band flips
    const g4 = { config: { d: 4 }, n: 3, failed: 0, statuses: {}, final: {}, series: [{ stage: 2, step: 10, metrics: { norm: { n: 3, mean: 3, std: 0.5, min: 1, max: 5 }, cosine: { n: 3, mean: 0.75, std: 0.125, min: 0.5, max: 1 } } }] };
    const byD = { varying: ['d'], groups: [g4] };
    expect((bandFigureSpec(byD, 'norm') as unknown as Rows).data.values).toEqual([{ group: 'd = 4', stage: 'stage 2', step: 10, mean: 3, lo: 2.5, hi: 3.5 }]);
    expect((bandFigureSpec(byD, 'cosine') as unknown as Rows).data.values).toEqual([{ group: 'd = 4', stage: 'stage 2', step: 10, mean: 0.25, lo: 0.125, hi: 0.375 }]);
    expect(bandFigureSpec(byD, 'accuracy')).toBeNull();
  });

  it('refuses a directory that is not a sweep', async () => {
    await expect(summarizeSweep(join(dir, 'nothing'))).rejects.toThrow(/is not a sweep directory/);
  });
});
