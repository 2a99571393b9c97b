// The command line as a user meets it: help and version, negative values, machine-readable
// output, reproducible result files, and the warnings that replace silent nulls.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { runMaxMargin } from '../src/cli/maxmargin.js';
import { runPredict } from '../src/cli/predict.js';
import { runTrain } from '../src/cli/train.js';
import { formatSeconds, ProgressBar, progressLine } from '../src/cli/progress.js';
import { fromArrays, stringifyDataset } from '../src/dataset/format.js';
import { generateRealizable } from '../src/dataset/random.js';
import { svopExample } from '../src/dataset/svop.js';
import { formatJSON } from '../src/io/json.js';
import { train } from '../src/train/run.js';
import { MIN_NORMAL, precisionExhaustedAt } from '../src/train/precision.js';
import { capture } from './helpers/cli.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ntp-polish-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

describe('ntp: help, version, usage', () => {
  it('prints the version; "help train" is train\'s help; bare ntp prints usage on stderr with exit 2', async () => {
    const v = capture();
    expect(await main(['--version'], v)).toBe(0);
    expect(v.out).toBe(`${pkg.version}\n`);
    const h = capture();
    expect(await main(['help', 'train'], h)).toBe(0);
    expect(h.out).toMatch(/^Usage: ntp train \[options\]/);
    expect(h.out).toContain('--no-figure');
    const bare = capture();
    expect(await main([], bare)).toBe(2);
    expect(bare.out).toBe('');
    expect(bare.err).toMatch(/^Usage: ntp COMMAND/);
  });

  it('reads a negative number after a flag as its value, so the range check names it', async () => {
    for (const [argv, text] of [
      [['--t0', '-5'], 'option t0 must be an integer >= 0, got -5'],
      [['--eta0', '-1'], 'option eta0 must be a positive finite number, got -1'],
      [['--eta1', '-.5'], 'option eta1 must be a positive finite number, got -0.5'],
    ] as const) {
      const io = capture();
      expect(await runTrain([...argv, '--no-figure', '--out', join(dir, 'never')], io), argv.join(' ')).toBe(1);
      expect(io.err).toContain(text);
    }
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('ntp train: output', () => {
  it('--json prints one object; trajectory.json has seed, data hash and version, no timings, and is identical for identical runs', async () => {
    const data = join(dir, 'svop.json');
    const text = stringifyDataset(svopExample());
    await writeFile(data, text);
    const files: string[] = [];
    for (const out of ['a', 'b']) {
      const io = capture();
      expect(await runTrain(['--data', data, '--t0', '100', '--t1', '100', '--seed', '7', '--no-figure', '--json', '--out', join(dir, out)], io)).toBe(0);
      const s = JSON.parse(io.out);
      expect(s.run).toEqual({ seed: 7, data: { path: data, sha256: createHash('sha256').update(text).digest('hex') }, package: { name: 'ntp-dynamics', version: pkg.version } });
      expect(s.final.stage2.step).toBe(100);
      expect(s.generalization).toEqual({ correct: 9, cases: 9, accuracy: 1, rankingHolds: 1 });
      expect(s.maxMargin.kktResidual).toBeLessThan(1e-12);
      expect(typeof s.trainingMs).toBe('number');
      expect(s.files.map((f: string) => f.slice(join(dir, out).length + 1)).sort()).toEqual(['maxmargin.json', 'model.json', 'trajectory.csv', 'trajectory.json']);
      files.push(await readFile(join(dir, out, 'trajectory.json'), 'utf8'));
    }
    expect(files[1]).toBe(files[0]);
    const t = JSON.parse(files[0]);
    expect(t.run.seed).toBe(7);
    expect(JSON.stringify(t)).not.toMatch(/trainingMs|Ms"/);
    // the generated dataset is recorded by its recipe, and a different seed changes the record
    const io = capture();
    expect(await runTrain(['--t0', '10', '--t1', '10', '--seed', '3', '--no-figure', '--out', join(dir, 'g')], io)).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'g', 'trajectory.json'), 'utf8')).run.data).toEqual({ generated: { vocab: 20, seed: 3 } });
  });

  it('--no-figure writes no figure; the default run writes figure.svg', async () => {
    expect(await runTrain(['--t0', '10', '--t1', '10', '--no-figure', '--out', join(dir, 'n')], capture())).toBe(0);
    expect((await readdir(join(dir, 'n'))).sort()).toEqual(['maxmargin.json', 'model.json', 'trajectory.csv', 'trajectory.json']);
  });

  it('warns, with the reason, when the data are not realizable, instead of a silent null', async () => {
    const data = join(dir, 'bad.json');
    // S is followed by V in one sample and by O in another: the collocation is not a function
    await writeFile(data, stringifyDataset(fromArrays(['S', 'V', 'O'], [
      { context: ['S'], next: 'V' }, { context: ['V'], next: 'O' }, { context: ['O'], next: 'S' }, { context: ['S'], next: 'O' },
    ])));
    const io = capture();
    expect(await runTrain(['--data', data, '--t0', '20', '--t1', '20', '--no-figure', '--out', join(dir, 'o')], io)).toBe(0);
    expect(io.err).toContain('warning: the dataset is not realizable (Assumption 1 fails)');
    expect(io.err).toContain('maxmargin.json holds null');
    expect(io.err).toMatch(/\n {2}- .*"S"/);
    expect(JSON.parse(await readFile(join(dir, 'o', 'maxmargin.json'), 'utf8'))).toBeNull();
  });

  it('flags "precision exhausted" at the first record whose loss is subnormal', async () => {
    const r = await train(svopExample(), { t0: 2000, eta0: 1, t1: 5, every: 1, backend: 'js' });
    const at = precisionExhaustedAt(r.stage1, 'f64');
    expect(at).not.toBeNull();
    const i = r.stage1.indexOf(at!);
    expect(r.stage1[i - 1].loss).toBeGreaterThanOrEqual(MIN_NORMAL.f64);
    expect(at!.loss).toBeLessThan(MIN_NORMAL.f64);
    expect(r.warnings.find((w) => w.startsWith('precision exhausted during stage 1'))).toContain(`at step ${at!.step}:`);
    // the paper's run stays normal and gets no such warning
    const paper = await train(svopExample(), { backend: 'js' });
    expect(paper.warnings.filter((w) => w.includes('precision'))).toEqual([]);
  });
});

describe('JSON for people and programs', () => {
  it('maxmargin and predict --json print a row per line, not a number per line, and parse back exactly', async () => {
    const data = join(dir, 'g.json');
    const ds = generateRealizable({ vocab: 30, seed: 2 });
    await writeFile(data, stringifyDataset(ds));
    const io = capture();
    expect(await runMaxMargin([data], io), io.err).toBe(0);
    const mm = JSON.parse(io.out);
    expect(io.out.trim().split('\n').length).toBeLessThan(2 * 30 + 20);
    expect(formatJSON(mm)).toBe(io.out);
    expect(JSON.parse(formatJSON(mm))).toEqual(JSON.parse(JSON.stringify(mm, null, 1)));
    const out = join(dir, 'm');
    expect(await runTrain(['--data', data, '--t0', '10', '--t1', '10', '--no-figure', '--out', out], capture())).toBe(0);
    const p = capture();
    expect(await runPredict(['--model', join(out, 'model.json'), '--json', `${ds.vocab[0]} ${ds.vocab[1]}`], p), p.err).toBe(0);
    expect(p.out.trim().split('\n')).toHaveLength(7 + 2); // braces, context, next, probability, attention's brackets, a line per position
    expect(JSON.parse(p.out).attention).toHaveLength(2);
  });

  it('formatJSON keeps flat containers on one line and nests the rest', () => {
    expect(formatJSON({ a: [1, 2], b: { c: null, d: 'x' }, e: [[1], []] })).toBe('{\n "a": [1, 2],\n "b": {"c": null, "d": "x"},\n "e": [\n  [1],\n  []\n ]\n}\n');
  });
});

describe('progress bar', () => {
  it('shows count, percentage, rate, ETA and loss, and fits the terminal', () => {
    expect(progressLine(250, 1000, 0.5, 2, 100)).toBe('training [########----------------------] 250/1000 25%  125 steps/s  ETA 6.0s  loss 5.000e-1');
    for (const cols of [40, 60, 80]) expect(progressLine(1234, 100000, 1e-3, 1, cols).length).toBeLessThan(cols);
    expect(formatSeconds(185)).toBe('3m05s');
    expect(formatSeconds(7440)).toBe('2h04m');
  });

  it('redraws at most every interval on the same line and ends it with a newline', () => {
    let out = '';
    let t = 0;
    const bar = new ProgressBar((s) => (out += s), () => 80, () => t, 100);
    for (let step = 0; step <= 1000; step += 10) {
      t = step; // 1 ms per step
      bar.update(step, 1000, 1);
    }
    bar.finish();
    const frames = out.split('\r').filter(Boolean);
    expect(frames).toHaveLength(11); // steps 0, 100, …, 1000
    expect(frames[10]).toMatch(/^training \[#+\] 1000\/1000 100% {2}1\.0k steps\/s {2}ETA 0\.0s/);
    expect(out.endsWith('\n')).toBe(true);
    expect(out).not.toMatch(/\x1b\[\?(25|7)[lh]/);
  });

  it('is drawn on stderr when stderr is a terminal, even with stdout piped', async () => {
    const captured = capture();
    Object.assign(captured, { stderrIsTTY: true, columns: 100 });
    expect(await runTrain(['--t0', '50', '--t1', '50', '--no-figure', '--out', join(dir, 'p')], captured)).toBe(0);
    expect(captured.err).toMatch(/\rtraining \[#+\] 100\/100 100%/);
    expect(captured.out).not.toContain('training [');
    const plain = capture();
    expect(await runTrain(['--t0', '50', '--t1', '50', '--no-figure', '--out', join(dir, 'q')], plain)).toBe(0);
    expect(plain.err).toBe('');
  });
});
