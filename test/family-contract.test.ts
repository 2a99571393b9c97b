// The one-library contract (src/family/): options schemas, the flag grammar, the output protocol,
// the limits planner and the result vocabulary, on a small family defined here.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NtpError } from '../src/errors.js';
import { experimentFunction, trainFunction } from '../src/family/api.js';
import { runFamilyCli } from '../src/cli/family.js';
import { defineCommand, defineFamily } from '../src/family/definition.js';
import { parseFlags } from '../src/cli/family-flags.js';
import { checkPlan } from '../src/family/limits.js';
import { outputFiles } from '../src/family/output.js';
import { bandOf, worstStatus } from '../src/family/result.js';
import { didYouMean, opt, optionsTable, resolveOptions, withDefaults } from '../src/family/schema.js';
import { capture } from './helpers/cli.js';
import { main } from '../src/cli/main.js';

const schema = {
  model: opt.choice(['a', 'b'] as const, 'which model', { default: 'a' }),
  alpha: opt.number('noise', { default: 0.5, min: 0, max: 1, exclusiveMax: true }),
  steps: opt.int('steps', { default: 10, min: 0, max: 1000 }),
  eta: opt.number('step size', { default: 0.1, min: 0, exclusiveMin: true }),
  width: opt.int('width', { default: { compute: (o) => 2 * (o.steps as number), text: '2·steps' }, min: 1 }),
  tied: opt.bool('tied weights', { default: true }),
  layers: opt.intList('depths', { default: [1, 2], min: 1 }),
  theta: opt.number('angle', { optional: true }),
};

/** A toy run: the loss e^{-eta·t}·(1 + alpha), records every step; eta ≥ 100 "diverges". */
const toyTrain = defineCommand({
  summary: 'a toy run',
  options: schema,
  jsonName: 'trajectory',
  plan: (o) => ({ bytes: o.steps * o.width * 8, sizes: { steps: o.steps, width: o.width } }),
  run: async (o, ctx) => {
    const losses: number[] = [];
    for (let t = 0; t <= o.steps; t++) {
      losses.push(o.eta >= 100 ? Infinity : Math.exp(-o.eta * t) * (1 + o.alpha));
      ctx.progress(t, o.steps, losses[t]);
    }
    return { config: o, losses };
  },
  present: (r) => ({
    status: Number.isFinite(r.losses[r.losses.length - 1]) ? 'completed' : 'diverged',
    json: r,
    lines: [`final loss ${r.losses[r.losses.length - 1]}`],
    figures: [{ name: 'loss', spec: { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', data: { values: r.losses.map((y, x) => ({ x, y })) }, mark: 'line', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } } }],
  }),
});
const toy = defineFamily({
  name: 'toy',
  title: 'a toy family',
  paper: 'nobody 2026',
  theory: 'docs/theory/core.md',
  train: toyTrain,
  experiments: { twice: { ...toyTrain, options: withDefaults(schema, { steps: 20 }) } },
});

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ntp-contract-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('options schema', () => {
  it('fills defaults, computes dependent ones, never replaces an explicit value (alpha: 0 stays 0)', () => {
    const o = resolveOptions(schema, { alpha: 0, steps: 3 }, { fn: 'toy.train()' });
    expect(o).toEqual({ model: 'a', alpha: 0, steps: 3, eta: 0.1, width: 6, tied: true, layers: [1, 2], theta: undefined });
    expect(resolveOptions(schema, { width: 1, tied: false }, { fn: 'f' })).toMatchObject({ width: 1, tied: false });
  });

  it('an option that applies only with some values of another is refused elsewhere, and help and docs say so', async () => {
    const s2 = {
      method: opt.choice(['ckd', 'ls'] as const, 'the predictor', { default: 'ckd' }),
      depth: opt.int('depth', { min: 1, optional: true, only: { method: ['ckd'] } }),
      kernel: opt.choice(['linear', 'exp'] as const, 'kernel', { default: 'linear', only: { method: ['ckd'] } }),
    };
    expect(resolveOptions(s2, { method: 'ckd', depth: 3, kernel: 'exp' }, { fn: 'f' })).toEqual({ method: 'ckd', depth: 3, kernel: 'exp' });
    expect(() => resolveOptions(s2, { method: 'ls', depth: 3 }, { fn: 'f' })).toThrow(/^option depth applies only with method ckd \(method is ls\); leave it out$/);
    expect(() => resolveOptions(s2, { method: 'ls', kernel: 'exp' }, { fn: 'f' })).toThrow(/option kernel applies only with method ckd/);
    // a resolved object handed on carries the default, which changes nothing
    expect(resolveOptions(s2, { method: 'ls', kernel: 'linear' }, { fn: 'f' })).toEqual({ method: 'ls', depth: undefined, kernel: 'linear' });
    expect(optionsTable(s2)).toMatch(/\| `--depth` \| `depth` \| .* \| depth \(only with --method ckd\) \|/);
    // the families declare theirs: the CLI refuses with exit 2, naming both flags
    for (const [args, re] of [
      [['autoregressive', 'reference', '--method', 'ls', '--depth', '3'], /^error: option --depth applies only with --method ckd or transformer \(--method is ls\)/],
      [['autoregressive', 'train', '--theta', '1'], /^error: option --theta applies only with --process rotation \(--process is haar\)/],
      [['recall', 'train', '--backend', 'js', '--threads', '2'], /^error: option --threads applies only with --backend wasm \(--backend is js\)/],
    ] as Array<[string[], RegExp]>) {
      const io = capture();
      expect(await main(args, io), args.join(' ')).toBe(2);
      expect(io.err).toMatch(re);
    }
  });

  it('an unknown key is named with the nearest known one; a wrong type or range names the option', () => {
    expect(() => resolveOptions(schema, { stesp: 5 }, { fn: 'toy.train()' })).toThrow(/unknown option "stesp" of toy\.train\(\) \(did you mean "steps"\?\)/);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ alpha: 1 }, /option alpha must be a finite number in \[0, 1\) \(got 1\)/],
      [{ steps: 2.5 }, /option steps must be an integer in \[0, 1000\]/],
      [{ steps: '5' }, /option steps must be an integer .* \(got "5"\)/],
      [{ eta: 0 }, /option eta must be a finite number > 0/],
      [{ eta: NaN }, /option eta must be a finite number > 0 \(got NaN\)/],
      [{ model: 'c' }, /option model must be one of a, b \(got "c"\)/],
      [{ tied: 1 }, /option tied must be true or false/],
      [{ layers: [] }, /option layers must be a non-empty list of integers >= 1/],
    ];
    for (const [input, re] of cases) {
      const e = (() => {
        try {
          resolveOptions(schema, input, { fn: 'f' });
        } catch (err) {
          return err;
        }
      })();
      expect(e, JSON.stringify(input)).toBeInstanceOf(NtpError);
      expect((e as Error).message).toMatch(re);
    }
    expect(() => resolveOptions(schema, undefined, { fn: 'f' })).not.toThrow();
    expect(() => resolveOptions(schema, null, { fn: 'f' })).toThrow(/the options of f must be an object \(got null\)/);
    expect(() => resolveOptions(schema, 3, { fn: 'f' })).toThrow(/the options of f must be an object \(got number\)/);
    expect(() => resolveOptions(schema, [], { fn: 'f' })).toThrow(/got an array/);
  });

  it('did-you-mean finds near names only', () => {
    expect(didYouMean('modle', ['model', 'alpha'])).toBe(' (did you mean "model"?)');
    expect(didYouMean('zzzzzz', ['model', 'alpha'])).toBe('');
  });

  it('the docs table lists every option with its flag, values and default', () => {
    const t = optionsTable(schema);
    expect(t.split('\n').filter((l) => l.startsWith('| `--')).length).toBe(8);
    expect(t).toContain('| `--width` | `width` | an integer >= 1 | 2·steps | width |');
    expect(t).toContain('| `--alpha` | `alpha` | a finite number in [0, 1) | 0.5 | noise |');
  });

  it('the typed API: misspelled keys are type errors and run-time NtpErrors', async () => {
    const train = trainFunction('toy.train()', toyTrain);
    // @ts-expect-error misspelled
    await expect(train({ stpes: 3 })).rejects.toThrow(/did you mean "steps"/);
    const r = await train({ steps: 2, eta: 1 });
    expect(r.losses).toEqual([1.5, 1.5 * Math.exp(-1), 1.5 * Math.exp(-2)]);
    const experiment = experimentFunction('toy', toy.experiments);
    expect((await experiment('twice', {})).losses.length).toBe(21);
    // @ts-expect-error not an experiment
    await expect(experiment('thrice')).rejects.toThrow(/unknown experiment "thrice" of toy/);
  });
});

describe('the flag grammar', () => {
  it('reads values, negatives, lists, bools and --no-bools; last value wins', () => {
    const p = parseFlags(['--alpha', '-0', '--eta=2', '--layers', '1,4', '--no-tied', '--steps', '3', '--steps', '4', '--theta', '-1.5'], schema, [], 'toy train');
    expect(p.values).toEqual({ alpha: -0, eta: 2, layers: [1, 4], tied: false, steps: 4, theta: -1.5 });
  });

  it('names every mistake: unknown flag with a suggestion, missing value, not a number, bad choice, integer past 2^53', () => {
    const bad: [string[], RegExp][] = [
      [['--stpes', '3'], /unknown option --stpes for "ntp toy train" \(did you mean "--steps"\?\)/],
      [['--steps'], /option --steps needs a value/],
      [['--steps', '--eta', '1'], /option --steps needs a value/],
      [['--steps', 'ten'], /option --steps must be an integer \(got "ten"\)/],
      [['--eta', '1e400'], /option --eta must be a finite number \(got "1e400"\)/],
      [['--model', 'c'], /option --model must be one of a, b \(got "c"\)/],
      [['--steps', '1e20'], /option --steps must be an integer of at most 2\^53/],
      [['--layers', '1,,2'], /option --layers must be a comma-separated list of integers/],
      [['--tied=yes'], /option --tied takes no value, or true\/false/],
      [['extra'], /unexpected argument "extra"/],
    ];
    for (const [argv, re] of bad) {
      expect(() => parseFlags(argv, schema, [], 'toy train'), argv.join(' ')).toThrow(re);
    }
  });
});

describe('ntp FAMILY train|experiment through the contract', () => {
  it('writes all or nothing, --json prints one object, and a rerun replaces its own output', async () => {
    const out = join(dir, 'run');
    const io = capture();
    expect(await runFamilyCli(toy, ['train', '--steps', '2', '--eta', '1', '--out', out, '--json'], io)).toBe(0);
    const r = JSON.parse(io.out);
    expect(r).toMatchObject({ family: 'toy', command: 'train', status: 'completed', out, files: [join(out, 'trajectory.json'), join(out, 'loss.svg')] });
    expect((await readdir(out)).sort()).toEqual(['loss.svg', 'trajectory.json']);
    const t = JSON.parse(await readFile(join(out, 'trajectory.json'), 'utf8'));
    expect(t.losses[2]).toBe(1.5 * Math.exp(-2));
    const io2 = capture();
    expect(await runFamilyCli(toy, ['train', '--steps', '1', '--out', out, '--no-figure'], io2)).toBe(0);
    expect(await readdir(out)).toEqual(['trajectory.json']);
    expect(io2.out).toMatch(/^final loss .*\nwrote /);
  });

  it('refuses before running: foreign directories, another command\'s output, "" and ".", sizes past the plan', async () => {
    const foreign = join(dir, 'foreign');
    await mkdir(foreign);
    await writeFile(join(foreign, 'notes.txt'), 'mine');
    const other = join(dir, 'other');
    expect(await runFamilyCli(toy, ['experiment', 'twice', '--out', other, '--no-figure'], capture())).toBe(0);
    for (const [args, code, re] of [
      [['--out', foreign], 1, /holds "notes\.txt", which "ntp toy train" did not write/],
      [['--out', other], 1, /holds "twice\.json"|holds "trajectory\.json"/],
      [['--out', ''], 2, /--out needs a directory name/],
      [['--out', '.'], 2, /current directory/],
      [['--steps', '1000', '--width', '1000000', '--out', join(dir, 'big')], 1, /would need 7\.45 GiB, more than the 4\.00 GiB a run may hold \(steps = 1000, width = 1000000\)/],
    ] as const) {
      const io = capture();
      expect(await runFamilyCli(toy, ['train', ...args], io), args.join(' ')).toBe(code);
      expect(io.err).toMatch(re);
    }
    expect(await readFile(join(foreign, 'notes.txt'), 'utf8')).toBe('mine');
    expect((await readdir(dir)).sort()).toEqual(['foreign', 'other']);
  });

  it('a diverged run exits 1 with its output written; usage errors exit 2 with did-you-mean for commands and experiments', async () => {
    const io = capture();
    expect(await runFamilyCli(toy, ['train', '--eta', '100', '--steps', '1', '--out', join(dir, 'd'), '--no-figure'], io)).toBe(1);
    expect(io.err).toMatch(/error: the run diverged/);
    for (const [argv, re] of [
      [['trian'], /unknown command "trian" of "ntp toy" \(did you mean "train"\?\)/],
      [['experiment', 'twcie'], /unknown experiment "twcie" of toy \(did you mean "twice"\?\)/],
      [['experiment'], /needs the experiment's name: one of twice/],
      [['train', '--eta', '-1'], /option --eta must be a finite number > 0 \(got -1\)/],
    ] as const) {
      const e = capture();
      expect(await runFamilyCli(toy, argv, e), argv.join(' ')).toBe(2);
      expect(e.err).toMatch(re);
    }
  });

  it('--help is derived from the schema', async () => {
    const io = capture();
    expect(await runFamilyCli(toy, ['train', '--help'], io)).toBe(0);
    expect(io.out).toMatch(/Usage: ntp toy train \[options\]/);
    expect(io.out).toMatch(/--width N\s+width \[an integer >= 1; default 2·steps\]/);
    expect(io.out).toMatch(/--out DIR/);
    const f = capture();
    expect(await runFamilyCli(toy, ['--help'], f)).toBe(0);
    expect(f.out).toMatch(/experiment NAME/);
  });

  it('without vega, figures are their Vega-Lite specs', async () => {
    const p = toyTrain.present(await toyTrain.run(resolveOptions(schema, { steps: 1 }, { fn: 'f' }), { progress() {}, warn() {} }), resolveOptions(schema, {}, { fn: 'f' }));
    const files = await outputFiles('toy', 'train', 'trajectory', p, 'spec');
    expect(files.map((f) => f.name)).toEqual(['trajectory.json', 'loss.vl.json']);
    expect(JSON.parse(files[1].content).mark).toBe('line');
  });
});

describe('limits and results', () => {
  it('checkPlan refuses past the budget and non-finite sizes, naming them', () => {
    expect(() => checkPlan({ bytes: 2 ** 33, sizes: { n: 1 } }, 'x')).toThrow(/x would need 8\.00 GiB, more than the 4\.00 GiB a run may hold \(n = 1\)/);
    expect(() => checkPlan({ bytes: Infinity, sizes: { n: 1e308 } }, 'x')).toThrow(/more memory than can be counted/);
    expect(() => checkPlan({ bytes: 2 ** 20, sizes: {} }, 'x')).not.toThrow();
  });

  it('bands and statuses', () => {
    expect(bandOf(3, 'loss', [1, 2, 3, null, NaN])).toEqual({ step: 3, metric: 'loss', mean: 2, std: 1, min: 1, max: 3, n: 3 });
    expect(bandOf(0, 'x', [null])).toBeNull();
    expect(worstStatus(['completed', 'converged'])).toBe('converged');
    expect(worstStatus(['completed', 'diverged', 'stopped'])).toBe('diverged');
    expect(worstStatus([])).toBe('completed');
  });
});
