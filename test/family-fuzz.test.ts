// Fuzz over every family's options, derived from the families' own declarations: every command of
// every family (train, experiments, verbs) answers arbitrary option objects with an NtpError or with
// options that satisfy the schema and a finite plan; and `ntp FAMILY train|reference` on arbitrary
// flag lines (values near the declared ranges and junk) exits 0, 1 or 2 in bounded time, with
// output only on 0.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { datasetToJSON } from '../src/dataset/format.js';
import { svopExample } from '../src/dataset/svop.js';
import type { Dataset } from '../src/dataset/types.js';
import { NtpError } from '../src/errors.js';
import type { AnyCommand, FamilyDefinition } from '../src/family/definition.js';
import { checkValue, flagOf, resolveOptions, type OptionSpec } from '../src/family/schema.js';
import { FAMILY_DEFINITIONS } from '../src/tasks/definitions.js';
import { EXAMPLE_1, datasetFromTargets } from '../src/tasks/cyclic/examples.js';
import { capture } from './helpers/cli.js';

const families: FamilyDefinition[] = [];
let dir: string;
const datasets: Record<string, Dataset> = {};

beforeAll(async () => {
  for (const load of Object.values(FAMILY_DEFINITIONS)) families.push(await load());
  dir = await mkdtemp(join(tmpdir(), 'ntp-family-fuzz-'));
  datasets.factorized = svopExample();
  datasets.cyclic = datasetFromTargets(EXAMPLE_1.vocab, EXAMPLE_1.samples);
  for (const [name, ds] of Object.entries(datasets)) await writeFile(join(dir, `${name}.json`), JSON.stringify(datasetToJSON(ds)));
  return () => rm(dir, { recursive: true, force: true });
});

const junk = fc.constantFrom<unknown>(null, NaN, Infinity, -Infinity, -1, 0, 0.5, 1e300, 2 ** 53, '', 'x', ' ', [], {}, true, false, [1, 'a']);

/** Values for one option: its own (the bounds, just past them, the choices) and junk. */
function valueFor(spec: OptionSpec): fc.Arbitrary<unknown> {
  switch (spec.kind) {
    case 'int': {
      const lo = spec.min ?? -5;
      const hi = Math.min(spec.max ?? 1e6, 1e12);
      return fc.oneof(fc.constantFrom(lo, lo + 1, lo - 1, hi, hi + 1), fc.integer({ min: Math.max(lo, -10), max: Math.min(hi, lo + 10) }), junk);
    }
    case 'number': {
      const lo = spec.min ?? -1;
      const hi = spec.max ?? 1e6;
      return fc.oneof(fc.constantFrom(lo, hi, lo - 1e-9, hi * 2 + 1), fc.double({ min: Math.max(lo, -10), max: Math.min(hi, 10), noNaN: true }), junk);
    }
    case 'choice':
      return fc.oneof(fc.constantFrom(...spec.choices), junk);
    case 'bool':
      return fc.oneof(fc.boolean(), junk);
    case 'string':
      return fc.oneof(fc.string({ maxLength: 4 }), junk);
    case 'int-list':
      return fc.oneof(fc.array(fc.integer({ min: -2, max: 12 }), { maxLength: 4 }), junk);
    default:
      return junk;
  }
}

function commandsOf(f: FamilyDefinition): Array<[string, AnyCommand]> {
  return [['train', f.train], ...Object.entries(f.experiments).map(([n, c]) => [`experiment ${n}`, c] as [string, AnyCommand]), ...Object.entries(f.verbs ?? {})];
}

describe('every command of every family on arbitrary options', () => {
  it('resolve, check and plan answer with an NtpError or with options the schema accepts and a plan that is a number', () => {
    let accepted = 0;
    let refused = 0;
    for (const f of families) {
      for (const [name, c] of commandsOf(f)) {
        const keys = Object.keys(c.options);
        const options = fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.constantFrom('stpes', '__proto__', 'constructor', '')), fc.constant(0), { maxKeys: 5 }).chain((shape) =>
          fc.record(Object.fromEntries(Object.keys(shape).map((k) => [k, Object.hasOwn(c.options, k) ? valueFor(c.options[k]) : junk]))),
        );
        fc.assert(
          fc.property(options, (opts) => {
            const ds = c.data ? datasets[f.name] : undefined;
            try {
              const o = resolveOptions(c.options, opts, { fn: `${f.name} ${name}` });
              for (const [k, spec] of Object.entries(c.options as Record<string, OptionSpec>)) {
                const v = (o as Record<string, unknown>)[k];
                if (v === undefined && spec.optional) continue;
                expect(checkValue(spec, v), `${f.name} ${name}: ${k} = ${String(v)}`).toBeNull();
              }
              c.check?.(o, (k: string) => k, ds);
              const plan = c.plan?.(o, ds);
              if (plan) expect(plan.bytes, `${f.name} ${name}: planned bytes`).toBeGreaterThanOrEqual(0);
              accepted++;
            } catch (e) {
              if (!(e instanceof NtpError)) throw e;
              expect(e.message.length).toBeGreaterThan(0);
              refused++;
            }
          }),
          { numRuns: 120 },
        );
      }
    }
    // neither side is vacuous
    expect(accepted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  }, 60_000);
});

/** Small values for a flag line that runs: each option's lower bound or its default, steps capped. */
function smallFlag(key: string, spec: OptionSpec): fc.Arbitrary<string[]> {
  const flag = `--${flagOf(key, spec)}`;
  const d = spec.default !== undefined && typeof spec.default !== 'object' ? spec.default : undefined;
  const small = (xs: unknown[]) => fc.constantFrom(...xs.filter((x) => x !== undefined).map(String)).map((v) => [flag, v]);
  const junkFlag = fc.constantFrom('', '-1', 'x', '1e400', 'NaN').map((v) => [flag, v]);
  if (/^(steps|t0|t1|trainSteps)$/.test(key)) return fc.oneof(small([0, 1, 3]), junkFlag);
  switch (spec.kind) {
    case 'int':
      return fc.oneof(small([spec.min, (spec.min ?? 0) + 1, d !== undefined && (d as number) <= 512 ? d : undefined]), junkFlag);
    case 'number':
      return fc.oneof(small([d, spec.max !== undefined ? spec.max : undefined, 1e-3]), junkFlag);
    case 'choice':
      return fc.oneof(small([...spec.choices]), junkFlag);
    case 'bool':
      return fc.constantFrom([flag], [`--no-${flagOf(key, spec)}`]);
    default:
      return junkFlag;
  }
}

describe('ntp FAMILY train (and reference) on arbitrary flag lines', () => {
  it('exit 0, 1 or 2 within a time box, an error line on 1 and 2, output only on 0', async () => {
    const codes = new Map<number, number>();
    for (const f of families) {
      const commands: Array<[string[], AnyCommand]> = [[['train'], f.train], ...Object.entries(f.verbs ?? {}).map(([n, c]) => [[n], c] as [string[], AnyCommand])];
      for (const [words, c] of commands) {
        const flags = Object.entries(c.options as Record<string, OptionSpec>).filter(([, s]) => s.cli !== false && !/^(workers|threads)$/.test(s.flag ?? ''));
        const line = fc.array(fc.oneof(...flags.map(([k, s]) => smallFlag(k, s)), fc.constantFrom(['--bogus', '1'], ['--json'], ['--no-figure'])), { maxLength: 3 });
        let i = 0;
        await fc.assert(
          fc.asyncProperty(line, async (parts) => {
            const out = join(dir, `${f.name}-${words[0]}-${i++}`);
            // bounded sizes: the plan refuses the large ones, and the steps stay few
            const bound = Object.hasOwn(c.options, 'steps') ? ['--steps', '2'] : [];
            const data = c.data ? ['--data', join(dir, `${f.name}.json`)] : [];
            const argv = [f.name, ...words, ...bound, ...data, ...parts.flat(), '--out', out];
            const io = capture();
            const code = await Promise.race([main(argv, io), new Promise<number>((r) => setTimeout(() => r(-1), 30_000))]);
            codes.set(code, (codes.get(code) ?? 0) + 1);
            expect([0, 1, 2], `ntp ${argv.join(' ')}: ${io.err}`).toContain(code);
            if (code === 0) expect(existsSync(out), `ntp ${argv.join(' ')}`).toBe(true);
            else {
              expect(io.err, `ntp ${argv.join(' ')}`).toMatch(/^(warning: .*\n|note: .*\n)*error: \S/);
              expect(io.err).not.toMatch(/\n\s+at /);
              if (code === 2) expect(existsSync(out)).toBe(false);
            }
          }),
          { numRuns: 8 },
        );
      }
    }
    console.log('exit codes', Object.fromEntries(codes));
    expect(codes.get(0) ?? 0).toBeGreaterThan(0);
    expect(codes.get(2) ?? 0).toBeGreaterThan(0);
  }, 300_000);
});
