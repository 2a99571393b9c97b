import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { fromArrays, stringifyDataset } from '../src/dataset/format.js';
import { capture } from './helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'ntp-factorized-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const rows = [
  { context: ['x'], next: 'y' }, { context: ['y'], next: 'z' }, { context: ['z'], next: 'x' },
  { context: ['y', 'x'], next: 'z' }, { context: ['y', 'z'], next: 'z' },
];
const data = join(tmp, 'worked.json');
writeFileSync(data, stringifyDataset(fromArrays(['x', 'y', 'z'], rows)));
/** the worked example with its tokens embedded at scale 1e30: past float32's range once multiplied */
const huge = join(tmp, 'huge.json');
writeFileSync(huge, JSON.stringify({ ...JSON.parse(readFileSync(data, 'utf8')), embedding: [[1e30, 0, 0], [0, 1e30, 0], [0, 0, 1e30]] }));

const run = async (args: string[]) => {
  const io = capture();
  const code = await main(['factorized', ...args], io);
  return { code, out: io.out, err: io.err };
};

describe('ntp factorized train', () => {
  it('--json prints one object (status, SVM certificates, records); the directory holds it and the figure', async () => {
    const out = join(tmp, 'train');
    const r = await run(['train', '--data', data, '--steps', '400', '--json', '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.family).toBe('factorized');
    expect(j.command).toBe('train');
    expect(j.status).toBe('completed');
    expect(Math.abs(j.frobenius.norm - 1)).toBeLessThan(1e-12);
    expect(j.frobenius.kktResidual).toBeLessThan(1e-12);
    expect(j.nuclear.status).toBe('certified');
    expect(j.records.map((x: { step: number }) => x.step)).toEqual([0, 100, 200, 300, 400]);
    expect(j.files.map((f: string) => f.slice(out.length + 1)).sort()).toEqual(['figure.svg', 'trajectory.json']);
    expect(readdirSync(out).sort()).toEqual(['figure.svg', 'trajectory.json']);
    expect(JSON.parse(readFileSync(join(out, 'trajectory.json'), 'utf8')).status).toBe('completed');
    expect(readFileSync(join(out, 'figure.svg'), 'utf8')).toMatch(/^<svg/);
    // its own earlier output is replaced
    expect((await run(['train', '--data', data, '--steps', '10', '--no-figure', '--out', out])).code).toBe(0);
    expect(readdirSync(out)).toEqual(['trajectory.json']);
  });

  it('prints the cosines, ranks and certificates for a person', async () => {
    const r = await run(['train', '--data', data, '--out', join(tmp, 'person'), '--no-figure']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/converged after 300 stage-1 and \d+ stage-2 steps/);
    expect(r.out).toMatch(/cos\(K_f·Q_fᵀ, W_\*\) = 0\.99/);
    expect(r.out).toMatch(/kktResidual 0\.00e\+0; W_\*: ν\* ≥ 1\.15470\d, rank 1, certified/);
  });

  it('malformed command lines exit 2 naming the flag, before anything is written', async () => {
    for (const [args, re] of [
      [['--stesp', '5'], /unknown option --stesp for "ntp factorized train" \(did you mean "--steps"\?\)/],
      [['--init', 'zero'], /option --init must be one of pytorch, k-gaussian \(got "zero"\)/],
      [['--t0', '0'], /option --t0 must be an integer in \[1, /],
      // a negative number is the flag's value, refused by its range
      [['--eta', '-1'], /option --eta must be a finite number in \(0, 1000000000000\] \(got -1\)/],
      [['--m', '4'], /option --m .* must be <= d = 3, got 4/],
    ] as const) {
      const out = join(tmp, 'bad');
      const r = await run(['train', '--data', data, ...args, '--out', out]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(re);
      expect(existsSync(out)).toBe(false);
    }
    const noData = await run(['train', '--out', join(tmp, 'bad')]);
    expect(noData.code).toBe(2);
    expect(noData.err).toMatch(/needs --data FILE/);
  });

  it('--out "" and --out . are refused (2); a directory holding other files is refused (1) and left as it was', async () => {
    expect((await run(['train', '--data', data, '--out', ''])).code).toBe(2);
    const dot = await run(['train', '--data', data, '--out', '.']);
    expect(dot.code).toBe(2);
    expect(dot.err).toMatch(/current directory/);
    const foreign = join(tmp, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    const r = await run(['train', '--data', data, '--out', foreign]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/holds "notes.txt", which "ntp factorized train" did not write/);
    expect(readdirSync(foreign)).toEqual(['notes.txt']);
  });

  it('a run that diverges exits 1, saying so, with its records written', async () => {
    const out = join(tmp, 'diverged');
    const r = await run(['train', '--data', huge, '--precision', 'f32', '--steps', '50', '--no-figure', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the run diverged/);
    expect(JSON.parse(readFileSync(join(out, 'trajectory.json'), 'utf8')).status).toBe('diverged');
  });
});

describe('ntp factorized experiment', () => {
  it('too-large sizes exit 1 in well under a second, naming them, with no output directory', async () => {
    for (const [args, re] of [
      [['local', '--n', '10000', '--T', '10000'], /"ntp factorized experiment local" would need .* GiB, more than the 4.00 GiB a run may hold \(runs = 100, n = 10000, T = 10000, d = 10/],
      [['rank', '--runs', '1000000'], /"ntp factorized experiment rank" would need .* GiB, .*\(instances = 40000000, runs = 1000000/],
    ] as const) {
      const out = join(tmp, 'huge');
      const t0 = performance.now();
      const r = await run(['experiment', ...args, '--out', out]);
      expect(performance.now() - t0).toBeLessThan(500);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(re);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('rank --json: one object; rank.json, rank.md and the figure written', async () => {
    const out = join(tmp, 'rank');
    const r = await run(['experiment', 'rank', '--ns', '5', '--Ts', '5', '--ds', '2,6', '--runs', '2', '--workers', '1', '--json', '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.status).toBe('completed');
    expect(j.points).toHaveLength(4);
    expect(j.summary[0]).toHaveProperty('rankStar');
    expect(readdirSync(out).sort()).toEqual(['rank.json', 'rank.md', 'rank.svg']);
  });

  it('unknown experiment: exit 2 with the nearest name', async () => {
    const r = await run(['experiment', 'lokal']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown experiment "lokal" of factorized \(did you mean "local"\?\)/);
  });
});

describe('old spellings, read for one release with a note', () => {
  it('ntp factorized local … --lr X is ntp factorized experiment local … --eta X', async () => {
    const args = ['--runs', '1', '--n', '3', '--T', '4', '--d', '4', '--steps', '20', '--every', '10', '--workers', '1', '--json', '--no-figure'];
    const old = await run(['local', ...args, '--lr', '0.05', '--out', join(tmp, 'old')]);
    expect(old.code).toBe(0);
    expect(old.err).toMatch(/note: "ntp factorized local" is now "ntp factorized experiment local"/);
    expect(old.err).toMatch(/note: --lr is deprecated .* use --eta/);
    const now = await run(['experiment', 'local', ...args, '--eta', '0.05', '--out', join(tmp, 'new')]);
    expect(now.err).not.toMatch(/note:/);
    const strip = (s: string) => {
      const j = JSON.parse(s);
      delete j.out;
      delete j.files;
      delete j.elapsedMs;
      return j;
    };
    expect(strip(old.out)).toEqual(strip(now.out));
    expect(strip(now.out).config.eta).toBe(0.05);
  });

  it('ntp factorized rank is ntp factorized experiment rank', async () => {
    const r = await run(['rank', '--ns', '5', '--Ts', '5', '--ds', '3', '--runs', '1', '--workers', '1', '--no-figure', '--out', join(tmp, 'oldrank')]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/note: "ntp factorized rank" is now "ntp factorized experiment rank"/);
  });
});
