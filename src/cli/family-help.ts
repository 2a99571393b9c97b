/**
 * `--help` texts derived from a family's definition: the family's commands, and each command's
 * options with their values and defaults, in the same layout for every family.
 * @module
 */
import type { CommandDefinition, FamilyDefinition } from '../family/definition.js';
import type { CommonFlag } from './family-flags.js';
import { defaultText, flagOf, onlyText, valuesText, type Schema } from '../family/schema.js';

/** Wraps `text` to `width` columns, every line after the first indented by `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width - indent) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join('\n' + ' '.repeat(indent));
}

const COL = 26;

function row(left: string, right: string): string {
  const pad = left.length >= COL - 2 ? `${left}\n${' '.repeat(COL)}` : left.padEnd(COL);
  return `${pad}${wrap(right, 100, COL)}`;
}

/** The option lines of a schema, as `--flag VALUE   doc (values; default X)`. */
export function optionLines(schema: Schema): string[] {
  const lines: string[] = [];
  for (const [key, spec] of Object.entries(schema)) {
    if (spec.cli === false) continue;
    const flag = flagOf(key, spec);
    const left = spec.kind === 'bool' ? `  --${flag}` : `  --${flag} ${spec.placeholder ?? 'VALUE'}`;
    const values = spec.kind === 'bool' ? '' : valuesText(spec);
    const def = defaultText(spec);
    const tail = [values, def ? `default ${def}` : '', onlyText(schema, spec, true)].filter(Boolean).join('; ');
    lines.push(row(left, `${spec.doc}${spec.unit ? ` (${spec.unit})` : ''}${tail ? ` [${tail}]` : ''}`));
    if (spec.kind === 'choice' && spec.choiceDocs) {
      for (const c of spec.choices) {
        const d = (spec.choiceDocs as Record<string, string | undefined>)[String(c)];
        if (d) lines.push(row(`      ${c}`, d));
      }
    }
  }
  return lines;
}

/** The help of one command: usage, what it does, its options, the common flags, the theory page. */
export function commandHelp(family: FamilyDefinition, usage: string, c: CommandDefinition, common: readonly CommonFlag[]): string {
  const out = [`Usage: ntp ${usage} [options]`, '', wrap(c.summary, 100, 0)];
  if (c.description) out.push('', wrap(c.description, 100, 0));
  const own = optionLines(c.options);
  if (own.length) out.push('', 'Options:', ...own);
  out.push('', 'Every command:');
  for (const f of common) out.push(row(`  ${f.short ? `-${f.short}, ` : ''}--${f.name}${f.placeholder ? ` ${f.placeholder}` : ''}`, f.doc));
  out.push('', `Theory: ${family.theory} (in the package).`);
  return out.join('\n') + '\n';
}

/** The help of a family: its commands and experiments. */
export function familyHelp(f: FamilyDefinition): string {
  const out = [`Usage: ntp ${f.name} COMMAND [options]`, '', wrap(`${f.title} (${f.paper}).`, 100, 0), '', 'Commands:'];
  out.push(row('  train', f.train.summary));
  for (const [name, c] of Object.entries(f.verbs ?? {})) out.push(row(`  ${name}`, c.summary));
  const names = Object.keys(f.experiments);
  if (names.length) {
    out.push(row(`  experiment NAME`, `one of the papers' experiments: ${names.join(', ')}`));
    for (const [name, c] of Object.entries(f.experiments)) out.push(row(`      ${name}`, c.summary));
  }
  out.push('', `Run "ntp ${f.name} COMMAND --help" for a command's options (for an experiment: "ntp ${f.name} experiment NAME --help").`, `Theory: ${f.theory} (in the package).`);
  return out.join('\n') + '\n';
}
