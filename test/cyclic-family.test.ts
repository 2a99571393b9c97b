// The cyclic family through the one-library contract: typed, checked options in every public API
// function; one CLI grammar with its exit codes; plans that refuse absurd sizes before anything is
// allocated; output all or nothing into a directory of its own.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { datasetToJSON } from '../src/dataset/format.js';
import type { Dataset } from '../src/dataset/types.js';
import { NtpError } from '../src/errors.js';
import * as pkg from '../src/index.js';
import { cyclicFamily } from '../src/tasks/cyclic/sweep.js';
import { datasetFromTargets, EXAMPLE_1 } from '../src/tasks/cyclic/examples.js';
import { capture } from './helpers/cli.js';

const { cyclic } = pkg;
const ds1 = () => datasetFromTargets(EXAMPLE_1.vocab, EXAMPLE_1.samples);

let dir: string;
let ex1: string;
let big: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ntp-cyclic-family-'));
  ex1 = join(dir, 'ex1.json');
  await writeFile(ex1, JSON.stringify(datasetToJSON(ds1())));
  // |V| = 20,000: a head's scores alone are 2·|V|² numbers (6.4 GB in f64)
  const V = 20_000;
  const vocab = Array.from({ length: V }, (_, i) => `t${i}`);
  const samples: Array<{ context: string[]; next: string }> = vocab.map((t, i) => ({ context: [t], next: vocab[(i + 1) % V] }));
  samples.push({ context: ['t0', 't1', 't2'], next: 't1' });
  big = join(dir, 'big.json');
  await writeFile(big, JSON.stringify({ vocab, samples }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejects(p: Promise<unknown> | (() => unknown), re: RegExp): Promise<NtpError> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(NtpError);
  expect((err as Error).message).toMatch(re);
  return err as NtpError;
}

describe('the API: options typed and checked', () => {
  it('a misspelled option in each public function is an NtpError naming it, with the suggestion', async () => {
    // @ts-expect-error a misspelled key is a type error
    await rejects(cyclic.train(ds1(), { stepz: 5 }), /unknown option "stepz" of cyclic\.train\(\) \(did you mean "steps"\?\)/);
    // @ts-expect-error a misspelled key is a type error
    await rejects(cyclic.experiment('global', { datasetz: 2 }), /unknown option "datasetz" of cyclic\.experiment\("global"\) \(did you mean "datasets"\?\)/);
    // @ts-expect-error a misspelled key is a type error
    await rejects(pkg.trainCyclic(ds1(), { stepz: 5 }), /unknown option "stepz" of trainCyclic\(\) \(did you mean "steps"\?\)/);
    // @ts-expect-error a misspelled key is a type error
    await rejects(pkg.runGlobalConvergence({ run: { etta: 1 } }), /unknown option "etta" of runGlobalConvergence\(\) \(did you mean "eta"\?\)/);
    await rejects(() => cyclicFamily.validate({ hed: 'gen' }), /unknown option "hed" of the cyclic family \(did you mean "head"\?\)/);
    // @ts-expect-error not an experiment
    await rejects(cyclic.experiment('globl', {}), /unknown experiment "globl" of cyclic \(did you mean "global"\?\)/);
  });

  it('wrong values and options that would be ignored are refused by name', async () => {
    // @ts-expect-error not a head
    await rejects(cyclic.train(ds1(), { head: 'iden' }), /option head must be one of selection, gen, ce-frozen \(got "iden"\)/);
    await rejects(cyclic.train(ds1(), { eta: -1 }), /option eta must be a finite number > 0 \(got -1\)/);
    await rejects(cyclic.train(ds1(), { head: 'selection', t0: 10 }), /option t0 applies only with head ce-frozen \(head is selection\); leave it out/);
    await rejects(cyclic.experiment('global', { length: 7, vocab: 6 }), /option length \(7\) must not exceed vocab \(6\)/);
    await rejects(cyclic.experiment('global', { embedding: 'onehot', d: 8 }), /option d applies only with embedding gaussian \(embedding is onehot\)/);
    await rejects(cyclic.experiment('global', { rho: 0.3 }), /option rho applies only with embedding equicorrelated \(embedding is gaussian\)/);
  });

  it('explicit values are never replaced by defaults: steps 0, seed 0', async () => {
    const r = await cyclic.train(ds1(), { steps: 0, init: 'default', seed: 0 });
    expect(r.config).toMatchObject({ steps: 0, seed: 0, head: 'selection', every: 100 });
    expect(r.records.map((x) => x.step)).toEqual([0]);
    expect(r.status).toBe('completed');
    // seed 0 and seed 1 draw different initializations
    const one = await cyclic.train(ds1(), { steps: 0, init: 'default', seed: 1 });
    expect(one.records[0].norm).not.toBe(r.records[0].norm);
    expect(Array.from(r.W)).toEqual(Array.from(pkg.defaultInit(4, 0)));
  });

  it('a hand-built dataset with a count of 0 or an out-of-range token id is refused, naming the sample', async () => {
    const zero = ds1();
    zero.counts[5] = 0;
    await rejects(cyclic.train(zero), /count|sample 5/);
    const out: Dataset = ds1();
    out.samples[6] = { context: [0, 9, 3], next: 1 };
    await rejects(cyclic.train(out), /sample 6/);
    await rejects(cyclic.train(null as unknown as Dataset), /the dataset must be an object/);
  });

  it('a |V| = 20,000 dataset is refused by its plan, naming the sizes', async () => {
    const { parseDataset } = await import('../src/dataset/format.js');
    const ds = parseDataset(await readFile(big, 'utf8'));
    const e = await rejects(cyclic.train(ds), /cyclic\.train\(\) would need [\d.]+ GiB, more than the 4\.00 GiB a run may hold \(\|V\| = 20000, d = 20000, samples = 20001/);
    expect(e.code).toBe('too-large');
    await rejects(cyclic.experiment('global', { vocab: 100_000, length: 4 }), /would need [\d.]+ GiB.*vocab = 100000/);
  });

  it('the package exports the family as a namespace with train, experiment, definition and options', () => {
    expect(typeof cyclic.train).toBe('function');
    expect(typeof cyclic.experiment).toBe('function');
    expect(cyclic.definition.name).toBe('cyclic');
    expect(Object.keys(cyclic.definition.experiments)).toEqual(['global']);
    expect(Object.keys(cyclic.options)).toEqual(['head', 'optimizer', 'eta', 'steps', 'init', 't0', 'eta0', 'seed', 'every', 'precision', 'backend', 'threads']);
  });
});

describe('ntp cyclic: one grammar, exit codes, output', () => {
  const run = async (args: string[]) => {
    const io = capture();
    const code = await main(['cyclic', ...args], io);
    return { code, io };
  };

  it('a malformed command line exits 2 naming the flag: unknown (with did-you-mean), bad choice, out of range, a negative value parsed as a value', async () => {
    const out = join(dir, 'never');
    for (const [args, re] of [
      [['train', '--data', ex1, '--stepz', '5'], /unknown option --stepz for "ntp cyclic train" \(did you mean "--steps"\?\)/],
      [['experiment', 'global', '--dataset', '2'], /unknown option --dataset for "ntp cyclic experiment global" \(did you mean "--datasets"\?\)/],
      [['train', '--data', ex1, '--optimizer', 'adam'], /option --optimizer must be one of ngd, gd \(got "adam"\)/],
      [['experiment', 'global', '--datasets', '0'], /option --datasets must be an integer in \[1, /],
      [['train', '--data', ex1, '--eta', '-1'], /option --eta must be a finite number > 0 \(got -1\)/],
      [['experiment', 'global', '--embedding', 'onehot', '--d', '8'], /option --d applies only with --embedding gaussian \(--embedding is onehot/],
      [['train', '--data', ex1, '--t0', '100'], /option --t0 applies only with --head ce-frozen \(--head is selection\)/],
      [['train', '--data', ex1, '--workers', '2'], /unknown option --workers for "ntp cyclic train"/],
      [['experiment', 'globl'], /unknown experiment "globl" of cyclic \(did you mean "global"\?\)/],
      [['train'], /"ntp cyclic train" needs --data FILE/],
    ] as const) {
      const { code, io } = await run([...args, '--out', out]);
      expect(code, args.join(' ')).toBe(2);
      expect(io.err).toMatch(re);
      expect(io.err).not.toMatch(/needs a value/);
      expect(io.err).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(out)).toBe(false);
    }
  });

  it('too-large sizes exit 1 naming them, before anything is allocated, and create no output directory', async () => {
    const out = join(dir, 'big-out');
    const t = await run(['train', '--data', big, '--out', out]);
    expect(t.code).toBe(1);
    expect(t.io.err).toMatch(/^error: "ntp cyclic train" would need [\d.]+ GiB, more than the 4\.00 GiB a run may hold \(\|V\| = 20000, d = 20000, samples = 20001, context tokens = 20003, records = 42\); use smaller sizes\n$/);
    expect(existsSync(out)).toBe(false);
    const e = await run(['experiment', 'global', '--vocab', '100000', '--out', out]);
    expect(e.code).toBe(1);
    expect(e.io.err).toMatch(/"ntp cyclic experiment global" would need [\d.]+ GiB.*\(vocab = 100000, d = 8, samples = 6, length = 4, datasets = 10, records = 820\)/);
    const r = await run(['experiment', 'global', '--datasets', '1000000000', '--steps', '1000000000', '--every', '1', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.io.err).toMatch(/datasets = 1000000000/);
    expect(existsSync(out)).toBe(false);
  }, 20_000);

  it('--json prints one parseable object, and the directory holds the JSON and a figure', async () => {
    const out = join(dir, 'json');
    const { code, io } = await run(['train', '--data', ex1, '--steps', '40', '--every', '20', '--optimizer', 'gd', '--eta', '5', '--json', '--out', out]);
    expect(code).toBe(0);
    const j = JSON.parse(io.out);
    expect(j).toMatchObject({ out, family: 'cyclic', command: 'train', status: 'completed', orbit: null, steps: 40 });
    expect(j.records.map((r: { step: number }) => r.step)).toEqual([0, 20, 40]);
    const files = (await readdir(out)).sort();
    expect(files[0]).toBe('run.json');
    expect(files[1]).toMatch(/^run\.(svg|vl\.json)$/);
    expect(j.files).toEqual(files.map((f) => join(out, f)));
    const written = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(written.records).toEqual(j.records);
    // the graph-SVM of §7.10.1: column q of W_svm is (3/4, 3/4, −1/4, −5/4)
    expect([3, 7, 11, 15].map((k) => written.svm.W[k])).toEqual([0.75, 0.75, -0.25, -1.25].map((x) => expect.closeTo(x, 12)));
    // the same command again replaces its own earlier output
    expect((await run(['train', '--data', ex1, '--steps', '20', '--out', out, '--no-figure'])).code).toBe(0);
    expect(await readdir(out)).toEqual(['run.json']);
  });

  it('--out . and --out \'\' are refused, and so is a directory holding files the command did not write', async () => {
    for (const o of ['.', '']) {
      const { code, io } = await run(['train', '--data', ex1, '--steps', '10', '--out', o]);
      expect(code, o).toBe(2);
      expect(io.err).toMatch(o === '' ? /--out needs a directory name/ : /is the current directory/);
    }
    const foreign = join(dir, 'foreign');
    await mkdir(foreign);
    await writeFile(join(foreign, 'notes.txt'), 'mine');
    const { code, io } = await run(['experiment', 'global', '--datasets', '1', '--steps', '10', '--workers', '1', '--out', foreign]);
    expect(code).toBe(1);
    expect(io.err).toContain('holds "notes.txt", which "ntp cyclic experiment global" did not write');
    expect(await readdir(foreign)).toEqual(['notes.txt']);
  });

  it('a diverged run exits 1 and says so; its records up to there are written, without NaN', async () => {
    const out = join(dir, 'diverged');
    const { code, io } = await run(['train', '--data', ex1, '--precision', 'f32', '--optimizer', 'gd', '--eta', '1e12', '--steps', '50', '--every', '10', '--out', out, '--no-figure']);
    expect(code).toBe(1);
    expect(io.err).toContain('error: the run diverged');
    const j = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(j.status).toBe('diverged');
    expect(j.steps).toBeLessThan(50);
  });

  it('help is derived from the schema; the family help lists train and the experiment', async () => {
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    expect(h.io.out).toContain('Usage: ntp cyclic COMMAND [options]');
    expect(h.io.out).toMatch(/experiment NAME +one of the papers' experiments: global/);
    const t = await run(['train', '--help']);
    expect(t.io.out).toMatch(/--head NAME +the stage-2 head/);
    expect(t.io.out).toContain('--data FILE');
    expect(t.io.out).not.toContain('--workers');
    const g = await run(['experiment', 'global', '--help']);
    expect(g.io.out).toContain('--workers N');
    expect(g.io.out).not.toContain('--data FILE');
  });
});
