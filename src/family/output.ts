/**
 * One output protocol for every family command that writes: the output directory is checked
 * before anything is computed (not empty and not `.`, not a file, not a directory holding
 * anything but this command's own earlier output), then written all or nothing by the directory
 * swap of `ntp train` (a kill at any instant leaves the complete old or the complete new output).
 * Figures are SVG when the optional vega and vega-lite are installed, otherwise their Vega-Lite
 * specs (`NAME.vl.json`) with a note; which of the two is known before the run starts.
 * @module
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NtpError } from '../errors.js';
import { writeDirectoryAtomic, type DirectoryFile } from '../io/output-dir.js';
import type { Presentation } from './definition.js';

/** The JSON result a command writes: who wrote it, how it ended, and the command's own fields. */
export function resultJSON(family: string, command: string, p: Presentation): Record<string, unknown> {
  const body = typeof p.json === 'object' && p.json !== null && !Array.isArray(p.json) ? (p.json as Record<string, unknown>) : { result: p.json };
  return { family, command, status: p.status, ...body, warnings: p.warnings ?? [] };
}

/** JSON text with non-finite numbers as null (JSON has no NaN), one value per line at the top level. */
export function formatResultJSON(x: unknown): string {
  return JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1) + '\n';
}

/** Whether a directory's entries are an earlier output of this command (its JSON names the family and command). */
async function isOwnOutput(dir: string, entries: readonly string[], family: string, command: string, jsonName: string): Promise<boolean> {
  if (!entries.includes(`${jsonName}.json`)) return false;
  try {
    const head = JSON.parse(await readFile(join(dir, `${jsonName}.json`), 'utf8')) as { family?: unknown; command?: unknown };
    return head.family === family && head.command === command;
  } catch {
    return false;
  }
}

/** Tells a directory holding a command's earlier output (its absolute path and entries) from one holding other files. */
export type OwnsOutput = (abs: string, entries: readonly string[]) => Promise<boolean>;

/** The {@link OwnsOutput} of a family command: its JSON result names the family and command. */
function familyOwns(family: string, command: string, jsonName: string): OwnsOutput {
  return (abs, entries) => isOwnOutput(abs, entries, family, command, jsonName);
}

/**
 * Refuses an output directory before the run: the empty string (a usage error), the current
 * directory or one of its parents, a file, or a directory holding files that are not this
 * command's earlier output.
 */
export async function checkOutputDir(dir: string, family: string, command: string, jsonName: string): Promise<void> {
  return checkOutputDirOf(dir, `ntp ${family} ${command}`, familyOwns(family, command, jsonName));
}

/** {@link checkOutputDir} for any command that replaces a whole directory (`ntp sweep report`): `owns` recognises its earlier output. */
export async function checkOutputDirOf(dir: string, commandLine: string, owns: OwnsOutput): Promise<void> {
  if (dir.trim() === '') throw new NtpError('usage', 'option --out needs a directory name (got an empty string)');
  const abs = resolve(dir);
  const cwd = process.cwd();
  if (abs === resolve('/') || abs === cwd || cwd.startsWith(abs + '/')) {
    throw new NtpError('usage', `option --out ${JSON.stringify(dir)} is the current directory or one of its parents; give a directory of its own (the output replaces the whole directory)`);
  }
  let entries: string[];
  try {
    if (!(await stat(abs)).isDirectory()) throw new NtpError('io', `the output path ${JSON.stringify(dir)} is a file, not a directory`);
    entries = await readdir(abs);
  } catch (e) {
    if (e instanceof NtpError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new NtpError('io', `a parent of the output path ${JSON.stringify(dir)} is a file`);
    throw new NtpError('io', `cannot read the output directory ${JSON.stringify(dir)}: ${(e as Error).message}`);
  }
  if (entries.length === 0 || (await owns(abs, entries))) return;
  throw new NtpError('io', `the output directory ${JSON.stringify(dir)} holds ${JSON.stringify(entries[0])}${entries.length > 1 ? ` and ${entries.length - 1} more` : ''}, which "${commandLine}" did not write; it replaces the whole directory, so give an empty or new one`);
}

/** Whether the optional charting packages can be loaded (checked before a run, so the figure format is known up front). */
export async function figuresAvailable(): Promise<boolean> {
  try {
    const { loadVega, loadVegaLite } = await import('../figure/peers.js');
    await Promise.all([loadVega(), loadVegaLite()]);
    return true;
  } catch (e) {
    if (e instanceof NtpError && e.code === 'missing-peer') return false;
    throw e;
  }
}

/** The note printed when figures are written as Vega-Lite specs. */
export const NUMPY_FIGURES_NOTE =
  'the optional packages vega and vega-lite are not installed, so figures are written as their Vega-Lite specs (NAME.vl.json); run "npm install vega vega-lite" for SVG files, or open the specs in any Vega-Lite viewer';

/**
 * The files of a result: `<jsonName>.json`, the command's own files, and each figure as SVG
 * (`svg: true`) or as its Vega-Lite spec.
 */
export async function outputFiles(family: string, command: string, jsonName: string, p: Presentation, figures: 'svg' | 'spec' | 'none'): Promise<DirectoryFile[]> {
  const files: DirectoryFile[] = [{ name: `${jsonName}.json`, content: formatResultJSON(resultJSON(family, command, p)) }];
  for (const f of p.files ?? []) files.push({ name: f.name, content: f.content });
  if (figures !== 'none' && p.figures?.length) {
    const render = figures === 'svg' ? (await import('../figure/svg.js')).renderVegaLiteSvg : null;
    for (const f of p.figures) {
      files.push(render ? { name: `${f.name}.svg`, content: await render(f.spec) } : { name: `${f.name}.vl.json`, content: JSON.stringify(f.spec) + '\n' });
    }
  }
  const names = new Set<string>();
  for (const f of files) {
    if (names.has(f.name)) throw new Error(`two output files are named ${f.name}`);
    names.add(f.name);
  }
  return files;
}

/** Writes the files as one directory, all or nothing, replacing this command's earlier output. */
export async function writeOutput(dir: string, family: string, command: string, jsonName: string, files: readonly DirectoryFile[]): Promise<void> {
  return writeOutputOf(dir, files, familyOwns(family, command, jsonName));
}

/** {@link writeOutput} for any command that replaces a whole directory, with its own {@link OwnsOutput}. */
export async function writeOutputOf(dir: string, files: readonly DirectoryFile[], owns: OwnsOutput): Promise<void> {
  const abs = resolve(dir);
  let owned = false;
  try {
    owned = await owns(abs, await readdir(abs));
  } catch {
    owned = false;
  }
  await writeDirectoryAtomic(dir, files, { owns: () => owned });
}
