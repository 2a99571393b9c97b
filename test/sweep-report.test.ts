// `ntp sweep report`: runs grouped by their whole config minus the seed, the JSON it prints, and
// figures without the optional charting packages (vega and vega-lite are mocked away here, as a
// default install lacks them; test/sweep.test.ts draws the SVGs).
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { NtpError } from '../src/errors.js';
import { summarizeRuns } from '../src/sweep/report.js';
import { runSweep } from '../src/sweep/run.js';
import { readRunsLog, type RunLine } from '../src/sweep/store.js';
import { capture } from './helpers/cli.js';

vi.mock('../src/figure/svg.js', () => ({
  renderVegaLiteSvg: async () => {
    throw new NtpError('missing-peer', 'drawing figures needs the optional peer dependencies vega and vega-lite (importing vega failed: not installed)');
  },
}));

let dir: string;
let sweepDir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ntp-sweep-report-'));
  sweepDir = join(dir, 'runs');
  // a vocab × algorithm grid over 3 seeds, plus a list entry that leaves t1 unset
  await runSweep({ base: { t0: 5 }, grid: { vocab: [6, 8], algorithm: ['two-stage', 'gd'], seed: [1, 2, 3] }, list: [{ t1: 5 }, {}] }, { out: sweepDir, workers: 0, every: 5 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('sweep report groups', () => {
  it('a vocab × algorithm grid gives one group per cell (never two algorithms averaged), with "default" for an unset option', async () => {
    const lines = (await readRunsLog(sweepDir)).lines;
    expect(lines).toHaveLength(24);
    const r = summarizeRuns(lines, new Map());
    expect(r.varying).toEqual(['vocab', 'algorithm', 't1']);
    expect(r.groups).toHaveLength(8);
    for (const g of r.groups) {
      expect(g.n).toBe(3);
      expect(g.config.t1 === 5 || g.config.t1 === 'default').toBe(true);
      const mine = lines.filter((l: RunLine) => l.config.vocab === g.config.vocab && l.config.algorithm === g.config.algorithm && (l.config.t1 ?? 'default') === g.config.t1);
      expect(mine).toHaveLength(3);
      expect(new Set(mine.map((l) => l.config.seed))).toEqual(new Set([1, 2, 3]));
      expect(g.final.loss.mean).toBe(mean(mine.map((l) => l.final.loss as number)));
      expect(g.final.loss.min).toBe(Math.min(...mine.map((l) => l.final.loss as number)));
    }
    // the grid alone (4 cells) gives 4 groups
    expect(summarizeRuns(lines.filter((l) => l.config.t1 === 5), new Map()).groups).toHaveLength(4);
  });

  it('--json prints exactly the report object on stdout, the same report.json holds; --no-figure writes report.json alone', async () => {
    const out = join(dir, 'rep-json');
    const io = capture();
    expect(await main(['sweep', 'report', sweepDir, '--out', out, '--json', '--no-figure'], io)).toBe(0);
    const printed = JSON.parse(io.out);
    expect(io.out.trimEnd().split('\n')).toHaveLength(1);
    expect(Object.keys(printed)).toEqual(['runs', 'failed', 'varying', 'groups']);
    expect(printed.groups).toHaveLength(8);
    expect(Object.keys(printed.groups[0])).toEqual(['config', 'n', 'failed', 'statuses', 'final', 'series']);
    expect(Object.keys(printed.groups[0].final.loss).sort()).toEqual(['max', 'mean', 'min', 'n', 'std']);
    // the series are grouped the same way: step 0 of stage 1 is log |V| for every run of a group
    const g8 = printed.groups.find((g: { config: { vocab: number } }) => g.config.vocab === 8);
    expect(g8.series[0]).toMatchObject({ stage: 1, step: 0 });
    expect(g8.series[0].metrics.loss.n).toBe(3);
    expect(JSON.parse(await readFile(join(out, 'report.json'), 'utf8'))).toEqual(printed);
    expect(await readdir(out)).toEqual(['report.json']);
    expect(io.err).toMatch(/^wrote .*report\.json and no figures\n$/);
  });

  it('without vega and vega-lite the figures are written as Vega-Lite specs, with a note on stderr', async () => {
    const out = join(dir, 'rep-vl');
    const io = capture();
    expect(await main(['sweep', 'report', sweepDir, '--out', out], io)).toBe(0);
    expect(io.out).toMatch(/^24 runs, 0 failed, 8 groups by vocab, algorithm, t1 \(seeds pooled\)\n\nvocab = 6, algorithm = two-stage, t1 = 5: 3 runs \(/);
    expect(io.out).toContain('t1 = default: 3 runs');
    expect(io.out).not.toContain('null');
    expect(io.err).toMatch(/note: the optional packages vega and vega-lite are not installed, so the band figures were written as their Vega-Lite specs/);
    const files = (await readdir(out)).sort();
    expect(files).toContain('loss.vl.json');
    expect(files.every((f) => f === 'report.json' || f.endsWith('.vl.json'))).toBe(true);
    const spec = JSON.parse(await readFile(join(out, 'loss.vl.json'), 'utf8'));
    expect(spec.$schema).toContain('vega-lite');
    expect(new Set(spec.data.values.map((v: { group: string }) => v.group)).size).toBe(8);
  });
});

describe('sweep report --out', () => {
  it('replaces its own earlier report whole, and refuses the current directory (exit 2) and a directory of other files (exit 1)', async () => {
    const out = join(dir, 'rep');
    for (let i = 0; i < 2; i++) {
      const io = capture();
      expect(await main(['sweep', 'report', sweepDir, '--out', out, '--no-figure'], io)).toBe(0);
    }
    expect(await readdir(out)).toEqual(['report.json']);
    const mine = join(dir, 'mine');
    await mkdir(mine);
    await writeFile(join(mine, 'report.json'), '{"notes": "mine"}');
    const io = capture();
    expect(await main(['sweep', 'report', sweepDir, '--out', mine, '--no-figure'], io)).toBe(1);
    expect(io.err).toMatch(/holds "report.json", which "ntp sweep report" did not write/);
    expect(await readFile(join(mine, 'report.json'), 'utf8')).toBe('{"notes": "mine"}');
    const cwd = process.cwd();
    process.chdir(mine);
    try {
      const io2 = capture();
      expect(await main(['sweep', 'report', sweepDir, '--out', '.', '--no-figure'], io2)).toBe(2);
      expect(io2.err).toMatch(/option --out "\." is the current directory/);
    } finally {
      process.chdir(cwd);
    }
    expect(await readFile(join(mine, 'report.json'), 'utf8')).toBe('{"notes": "mine"}');
  });
});
