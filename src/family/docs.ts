/**
 * The docs tables of a family, derived from its definition: one Markdown table of options per
 * command, so the docs cannot drift from what the CLI and the API accept.
 * @module
 */
import type { FamilyDefinition } from './definition.js';
import { optionsTable } from './schema.js';

/** Every command of a family with its options table, as a Markdown section. */
export function familyOptionsMarkdown(f: FamilyDefinition): string {
  const out = [`## ${f.name}`, '', `${f.title} (${f.paper}). Theory: [${f.theory.replace(/^docs\//, '')}](${f.theory.replace(/^docs\//, '')}).`, ''];
  const commands: Array<[string, string, FamilyDefinition['train']]> = [
    ['train', `ntp ${f.name} train`, f.train],
    ...Object.entries(f.verbs ?? {}).map(([n, c]) => [n, `ntp ${f.name} ${n}`, c] as [string, string, FamilyDefinition['train']]),
    ...Object.entries(f.experiments).map(([n, c]) => [n, `ntp ${f.name} experiment ${n}`, c] as [string, string, FamilyDefinition['train']]),
  ];
  for (const [, usage, c] of commands) {
    out.push(`### \`${usage}\``, '', c.summary.charAt(0).toUpperCase() + c.summary.slice(1) + '.', '');
    if (c.data) out.push(`Takes a dataset: \`--data FILE\` on the command line (${c.data}), the first argument in the API.`, '');
    out.push(optionsTable(c.options));
  }
  return out.join('\n');
}
