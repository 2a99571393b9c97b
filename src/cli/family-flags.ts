/**
 * The command-line grammar of every family command, derived from its options schema: each option
 * is `--flag VALUE` (or `--flag=VALUE`), a bool option a bare `--flag` or `--no-flag`, a list
 * `--flag 1,2,4`. A value may start with `-` (negative numbers). Every mistake is an NtpError
 * `usage` naming the flag: an unknown flag with "did you mean", a missing value, a value that is
 * not a number, a bad choice. A flag given twice takes its last value, as in most Unix tools.
 * @module
 */
import { NtpError } from '../errors.js';
import { didYouMean, flagOf, type OptionSpec, type Schema } from '../family/schema.js';

/** A flag every family command takes besides its schema's, with the kind of its value. */
export interface CommonFlag {
  readonly name: string;
  readonly kind: 'string' | 'bool';
  readonly doc: string;
  readonly placeholder?: string;
  readonly short?: string;
}

/** What a command line holds: schema values by key, common flags by name, positionals, notes. */
export interface ParsedFlags {
  values: Record<string, unknown>;
  common: Record<string, string | boolean>;
  positionals: string[];
  /** deprecation notes for old spellings */
  notes: string[];
}

function parseValue(flag: string, spec: OptionSpec, raw: string): unknown {
  const text = raw.trim();
  switch (spec.kind) {
    case 'int': {
      const x = Number(text);
      if (text === '' || !Number.isFinite(x)) throw new NtpError('usage', `option --${flag} must be an integer (got ${JSON.stringify(raw)})`);
      if (!Number.isSafeInteger(x)) throw new NtpError('usage', `option --${flag} must be an integer of at most 2^53 (got ${JSON.stringify(raw)})`);
      return x;
    }
    case 'number': {
      const x = Number(text);
      if (text === '' || !Number.isFinite(x)) throw new NtpError('usage', `option --${flag} must be a finite number (got ${JSON.stringify(raw)})`);
      return x;
    }
    case 'choice': {
      const numeric = spec.choices.every((c) => typeof c === 'number');
      const v: string | number = numeric && text !== '' && Number.isFinite(Number(text)) ? Number(text) : raw;
      if (!(spec.choices as readonly (string | number)[]).includes(v)) {
        throw new NtpError('usage', `option --${flag} must be one of ${spec.choices.join(', ')} (got ${JSON.stringify(raw)})${didYouMean(raw, spec.choices.map(String))}`);
      }
      return v;
    }
    case 'bool':
      if (text === 'true') return true;
      if (text === 'false') return false;
      throw new NtpError('usage', `option --${flag} takes no value, or true/false (got ${JSON.stringify(raw)})`);
    case 'string':
      return raw;
    case 'int-list': {
      const parts = text.split(',').map((s) => s.trim());
      const xs = parts.map(Number);
      if (text === '' || parts.some((p) => p === '') || xs.some((x) => !Number.isSafeInteger(x))) {
        throw new NtpError('usage', `option --${flag} must be a comma-separated list of integers (got ${JSON.stringify(raw)})`);
      }
      return xs;
    }
    case 'custom':
      throw new NtpError('usage', `option --${flag} is not a command-line option`);
  }
}

/**
 * Parses `argv` against a schema and the common flags. `positionals` is the number of positional
 * arguments the command takes (more is an error naming the first extra one).
 */
export function parseFlags(argv: readonly string[], schema: Schema, common: readonly CommonFlag[], command: string, positionals = 0): ParsedFlags {
  const byFlag = new Map<string, { key: string; spec: OptionSpec; alias: boolean }>();
  for (const [key, spec] of Object.entries(schema)) {
    if (spec.cli === false) continue;
    byFlag.set(flagOf(key, spec), { key, spec, alias: false });
    for (const a of spec.aliases ?? []) byFlag.set(a, { key, spec, alias: true });
  }
  const commonBy = new Map<string, CommonFlag>();
  for (const c of common) {
    commonBy.set(c.name, c);
    if (c.short) commonBy.set(c.short, c);
  }
  const out: ParsedFlags = { values: {}, common: {}, positionals: [], notes: [] };
  const known = () => [...new Set([...[...byFlag.entries()].filter(([, v]) => !v.alias).map(([f]) => f), ...common.map((c) => c.name)])];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    const isShort = /^-[a-zA-Z]$/.test(a);
    if (!a.startsWith('--') && !isShort) {
      out.positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    let name = isShort ? a.slice(1) : eq >= 0 ? a.slice(2, eq) : a.slice(2);
    let inline: string | undefined = eq >= 0 && !isShort ? a.slice(eq + 1) : undefined;
    const takeValue = (flag: string): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new NtpError('usage', `option --${flag} needs a value (ntp ${command})`);
      i++;
      return next;
    };
    const c = commonBy.get(name);
    if (c) {
      if (c.kind === 'bool') {
        if (inline !== undefined) throw new NtpError('usage', `option --${c.name} takes no value (ntp ${command})`);
        out.common[c.name] = true;
      } else out.common[c.name] = takeValue(c.name);
      continue;
    }
    let negated = false;
    if (!byFlag.has(name) && name.startsWith('no-') && byFlag.get(name.slice(3))?.spec.kind === 'bool') {
      name = name.slice(3);
      negated = true;
    }
    const hit = byFlag.get(name);
    if (!hit) throw new NtpError('usage', `unknown option --${name} for "ntp ${command}"${didYouMean(name, known(), '--')}`);
    if (hit.alias) out.notes.push(`--${name} is deprecated and will be removed in the next release; use --${flagOf(hit.key, hit.spec)}`);
    if (hit.spec.kind === 'bool') {
      if (negated && inline !== undefined) throw new NtpError('usage', `option --no-${name} takes no value (ntp ${command})`);
      out.values[hit.key] = negated ? false : inline === undefined ? true : parseValue(name, hit.spec, inline);
      continue;
    }
    out.values[hit.key] = parseValue(name, hit.spec, takeValue(name));
    inline = undefined;
  }
  if (out.positionals.length > positionals) throw new NtpError('usage', `unexpected argument ${JSON.stringify(out.positionals[positionals])} for "ntp ${command}"`);
  return out;
}
