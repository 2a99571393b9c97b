/**
 * `ntp FAMILY train|experiment NAME|VERB [flags]` for every family, derived from its definition:
 * flags and `--help` from the options schema; options checked (exit 2 for a malformed command
 * line), the memory plan checked and the output directory checked before anything is computed
 * (exit 1); a progress bar on a terminal's stderr; the output written all or nothing; `--json`
 * prints one JSON object on stdout and nothing else; exit 1 when the run diverged or overflowed.
 * @module
 */
import { join } from 'node:path';
import { NtpError } from '../errors.js';
import type { CliIO } from './io.js';
import { EXIT_FAILURE, EXIT_USAGE } from './io.js';
import { ProgressBar } from './progress.js';
import type { Dataset } from '../dataset/types.js';
import type { CommandDefinition, FamilyDefinition, Presentation } from '../family/definition.js';
import { commandHelp, familyHelp } from './family-help.js';
import { parseFlags, type CommonFlag } from './family-flags.js';
import { checkPlan } from '../family/limits.js';
import { checkOutputDir, figuresAvailable, formatResultJSON, outputFiles, resultJSON, NUMPY_FIGURES_NOTE, writeOutput } from '../family/output.js';
import { isTrouble } from '../family/result.js';
import { didYouMean, flagOf, resolveOptions } from '../family/schema.js';

const COMMON: readonly CommonFlag[] = [
  { name: 'out', kind: 'string', placeholder: 'DIR', doc: 'output directory (default out/FAMILY/COMMAND); written all or nothing, and only over this command\'s own earlier output' },
  { name: 'json', kind: 'bool', doc: 'print one JSON object on stdout (the result, the files written) and nothing else there' },
  { name: 'no-figure', kind: 'bool', doc: 'skip the figures' },
  { name: 'help', kind: 'bool', short: 'h', doc: 'show this help' },
];
const DATA: CommonFlag = { name: 'data', kind: 'string', placeholder: 'FILE', doc: 'dataset JSON (the package\'s dataset format)' };

/** Formats a table cell: numbers to 6 significant digits, null as n/a. */
export function cell(v: unknown): string {
  if (v === null || v === undefined) return 'n/a';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Math.abs(v) !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6) ? v.toExponential(3) : v.toPrecision(6);
  return String(v);
}

/** A table as tab-separated lines under a header of its keys. */
export function tableLines(rows: ReadonlyArray<Record<string, unknown>>): string[] {
  if (rows.length === 0) return [];
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return [keys.join('\t'), ...rows.map((r) => keys.map((k) => cell(r[k])).join('\t'))];
}

/**
 * A run that ran out of memory despite its plan (another process took it, a `ulimit -v`) reports
 * it as an NtpError, never as a stack trace.
 */
export function asNtpError(e: unknown): unknown {
  if (e instanceof RangeError && /allocation|array length|Out of memory|memory/i.test(e.message)) {
    return new NtpError('out-of-memory', `the run could not allocate its memory (${e.message}); free memory or use smaller sizes`);
  }
  return e;
}

async function readDataset(path: string): Promise<Dataset> {
  const [{ readTextFile }, { parseDataset }] = await Promise.all([import('../io/files.js'), import('../dataset/format.js')]);
  return parseDataset(await readTextFile(path));
}

/** Runs one command of a family from its flags; returns the exit code. */
export async function runFamilyCommand(family: FamilyDefinition, name: string, c: CommandDefinition, argv: readonly string[], io: CliIO, usage: string): Promise<number> {
  const label = `${family.name} ${usage}`;
  const common = c.data ? [DATA, ...COMMON] : COMMON;
  const parsed = parseFlags(argv, c.options, common, label);
  if (parsed.common.help) {
    io.stdout(commandHelp(family, label, c, common));
    return 0;
  }
  for (const n of parsed.notes) io.stderr(`note: ${n}\n`);
  const nameOf = (k: string) => {
    const spec = c.options[k];
    return spec && spec.cli !== false ? `--${flagOf(k, spec)}` : k;
  };
  const o = resolveOptions(c.options, parsed.values, { fn: `"ntp ${label}"`, nameOf, code: 'usage' });
  const dataPath = parsed.common.data as string | undefined;
  if (c.data === 'required' && dataPath === undefined) throw new NtpError('usage', `"ntp ${label}" needs --data FILE`);
  const dataset = dataPath !== undefined ? await readDataset(dataPath) : undefined;
  try {
    c.check?.(o, nameOf, dataset);
  } catch (e) {
    if (e instanceof NtpError && e.code === 'invalid-option') throw new NtpError('usage', e.message);
    throw e;
  }
  if (c.plan) checkPlan(c.plan(o, dataset), `"ntp ${label}"`);
  const out = (parsed.common.out as string | undefined) ?? join('out', family.name, name);
  const jsonName = c.jsonName ?? 'result';
  await checkOutputDir(out, family.name, usage, jsonName);
  const wantFigures = c.figures !== false && !parsed.common['no-figure'];
  const figures = !wantFigures ? 'none' : (await figuresAvailable()) ? 'svg' : 'spec';
  if (figures === 'spec') io.stderr(`note: ${NUMPY_FIGURES_NOTE}\n`);

  const bar = io.stderrIsTTY ? new ProgressBar(io.stderr, () => io.columns ?? 80) : null;
  const warnings: string[] = [];
  let result: unknown;
  try {
    result = await c.run(o, {
      progress: (done, total, loss) => bar?.update(done, total, loss ?? NaN),
      warn: (m) => warnings.push(m),
      dataset,
    });
  } catch (e) {
    throw asNtpError(e);
  } finally {
    bar?.finish();
  }
  const p: Presentation = c.present(result, o);
  p.warnings = [...warnings, ...(p.warnings ?? [])];
  const files = await outputFiles(family.name, usage, jsonName, p, figures);
  await writeOutput(out, family.name, usage, jsonName, files);
  const paths = files.map((f) => join(out, f.name));
  if (parsed.common.json) {
    io.stdout(formatResultJSON({ out, files: paths, ...resultJSON(family.name, usage, p) }));
  } else {
    io.stdout(p.lines.join('\n') + (p.lines.length ? '\n' : ''));
    const table = tableLines(p.summary ?? []);
    if (table.length) io.stdout(table.join('\n') + '\n');
    io.stdout(`wrote ${paths.join(', ')}\n`);
  }
  for (const w of p.warnings) io.stderr(`warning: ${w}\n`);
  if (isTrouble(p.status)) {
    io.stderr(`error: the run ${p.status === 'overflow' ? 'stopped before a step that would leave the precision\'s range (overflow)' : 'diverged: the loss or a gradient stopped being finite'}; the output holds the records up to there; try a smaller step size${'precision' in c.options ? ' or --precision f64' : ''}\n`);
    return EXIT_FAILURE;
  }
  return 0;
}

/** `ntp FAMILY …`: picks the command (train, experiment NAME, a verb) and runs it; returns the exit code. */
export async function runFamilyCli(family: FamilyDefinition, argv: readonly string[], io: CliIO): Promise<number> {
  let args = [...argv];
  let helpTarget = `ntp ${family.name} --help`;
  try {
    const old = family.legacy?.(args) ?? null;
    if (old) {
      io.stderr(`note: ${old.note}\n`);
      args = old.argv;
    }
    const [verb, ...rest] = args;
    if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
      (verb === undefined ? io.stderr : io.stdout)(familyHelp(family));
      return verb === undefined ? EXIT_USAGE : 0;
    }
    if (verb === 'train') {
      helpTarget = `ntp ${family.name} train --help`;
      return await runFamilyCommand(family, 'train', family.train, rest, io, 'train');
    }
    if (verb === 'experiment') {
      const [name, ...flags] = rest;
      const names = Object.keys(family.experiments);
      if (name === undefined || name.startsWith('-')) {
        if (name === '--help' || name === '-h') {
          io.stdout(familyHelp(family));
          return 0;
        }
        throw new NtpError('usage', `"ntp ${family.name} experiment" needs the experiment's name: one of ${names.join(', ')}`);
      }
      const c = Object.hasOwn(family.experiments, name) ? family.experiments[name] : undefined;
      if (!c) throw new NtpError('usage', `unknown experiment ${JSON.stringify(name)} of ${family.name}${didYouMean(name, names)}; one of ${names.join(', ')}`);
      helpTarget = `ntp ${family.name} experiment ${name} --help`;
      return await runFamilyCommand(family, name, c, flags, io, `experiment ${name}`);
    }
    const v = family.verbs && Object.hasOwn(family.verbs, verb) ? family.verbs[verb] : undefined;
    if (v) {
      helpTarget = `ntp ${family.name} ${verb} --help`;
      return await runFamilyCommand(family, verb, v, rest, io, verb);
    }
    const known = ['train', 'experiment', ...Object.keys(family.verbs ?? {})];
    throw new NtpError('usage', `unknown command ${JSON.stringify(verb)} of "ntp ${family.name}"${didYouMean(verb, known)}; one of ${known.join(', ')}`);
  } catch (e) {
    if (!(e instanceof NtpError)) throw e;
    io.stderr(`error: ${e.message}\n`);
    if (e.code === 'usage') {
      io.stderr(`Run "${helpTarget}" for usage.\n`);
      return EXIT_USAGE;
    }
    return EXIT_FAILURE;
  }
}
