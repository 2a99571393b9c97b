/**
 * Options schemas: each option of a family's command is declared once (type, default, range or
 * choices, unit, one-line doc, CLI flag), and everything else follows from that declaration: the
 * TypeScript types of the API ({@link OptionsOf}, {@link ResolvedOf}), the run-time check
 * ({@link resolveOptions}), the CLI flags and their `--help` text (`src/cli/family.ts`), the sweep
 * validator and the docs tables ({@link optionsTable}).
 *
 * Hand-written rather than a schema library: the package needs six kinds of option, ranges that
 * name the option as the user spelled it (an API key or a CLI flag), defaults computed from other
 * options, and a help/docs text per option; that is ~300 lines, and the install stays small.
 * @module
 */
import { NtpError } from '../errors.js';
import { objectArg } from '../api/arguments.js';
import { didYouMean, editDistance } from '../did-you-mean.js';

export { didYouMean, editDistance };

/** A default computed from the options resolved so far (declared earlier), with its text for help. */
export interface ComputedDefault<T> {
  readonly compute: (resolved: Readonly<Record<string, unknown>>) => T;
  /** how `--help` and the docs show it, e.g. `2·vocab` */
  readonly text: string;
}

/** What every option declaration holds. */
export interface SpecBase<T, Opt extends boolean> {
  /** one line for `--help` and the docs */
  readonly doc: string;
  /** the CLI flag without dashes; by default the key in kebab case (`evalSize` → `eval-size`) */
  readonly flag?: string;
  /** the value's placeholder in `--help` (`N`, `X`, `NAME`, `LIST`) */
  readonly placeholder?: string;
  /** physical or counting unit shown in the docs (`steps`, `tokens`) */
  readonly unit?: string;
  /** false: an API-only option (a callback, an object), not a flag */
  readonly cli?: boolean;
  /** old flag spellings still read for one release, with a deprecation note */
  readonly aliases?: readonly string[];
  readonly default?: T | ComputedDefault<T>;
  /** true: absent stays `undefined` (no default) */
  readonly optional?: Opt;
  /**
   * The option applies only where these options hold one of these values (`{ method: ['ckd'] }`):
   * given elsewhere, it is refused rather than silently ignored, and `--help` and the docs say so.
   */
  readonly only?: Readonly<Record<string, readonly unknown[]>>;
  /** phantom: the option's TypeScript type */
  readonly __type?: T;
}

/** An integer option. */
export interface IntSpec<Opt extends boolean = boolean> extends SpecBase<number, Opt> {
  readonly kind: 'int';
  readonly min?: number;
  readonly max?: number;
}

/** A finite real option. */
export interface NumberSpec<Opt extends boolean = boolean> extends SpecBase<number, Opt> {
  readonly kind: 'number';
  readonly min?: number;
  readonly max?: number;
  /** the bounds are excluded (`(0, 1)` rather than `[0, 1]`) */
  readonly exclusiveMin?: boolean;
  readonly exclusiveMax?: boolean;
}

/** One of a fixed list of strings or numbers. */
export interface ChoiceSpec<C extends string | number = string | number, Opt extends boolean = boolean> extends SpecBase<C, Opt> {
  readonly kind: 'choice';
  readonly choices: readonly C[];
  /** one line per choice for `--help` */
  readonly choiceDocs?: Readonly<Partial<Record<C, string>>>;
}

/** A yes/no option (a bare flag on the command line; `--no-FLAG` sets false). */
export interface BoolSpec<Opt extends boolean = boolean> extends SpecBase<boolean, Opt> {
  readonly kind: 'bool';
}

/** A string option (a file name, a label). */
export interface StringSpec<Opt extends boolean = boolean> extends SpecBase<string, Opt> {
  readonly kind: 'string';
  /** refuse the empty string */
  readonly nonEmpty?: boolean;
}

/** A list of integers (`--layers 1,2,4` on the command line). */
export interface IntListSpec<Opt extends boolean = boolean> extends SpecBase<number[], Opt> {
  readonly kind: 'int-list';
  readonly min?: number;
  readonly max?: number;
  /** most entries */
  readonly maxLength?: number;
}

/** An API-only value checked by a predicate (a callback, an embedding object). */
export interface CustomSpec<T, Opt extends boolean = boolean> extends SpecBase<T, Opt> {
  readonly kind: 'custom';
  /** what the value must be, for the error message ("a function") */
  readonly expected: string;
  readonly test: (v: unknown) => boolean;
}

/** Any option declaration. */
export type OptionSpec =
  | IntSpec
  | NumberSpec
  | ChoiceSpec
  | BoolSpec
  | StringSpec
  | IntListSpec
  | CustomSpec<unknown>;

/** A command's options, by API key. */
export type Schema = Readonly<Record<string, OptionSpec>>;

/** The TypeScript type an option declaration stands for. */
export type TypeOfSpec<S> = S extends { readonly __type?: infer T } ? T : never;
/** Whether an option declaration has no default (absent stays undefined). */
export type IsOptional<S> = S extends { readonly optional?: infer O } ? (O extends true ? true : false) : false;

/** What a caller may pass: every option optional, typed; unknown keys are type errors in literals. */
export type OptionsOf<S extends Schema> = { [K in keyof S]?: TypeOfSpec<S[K]> };

/** The options after defaults: every option present, except declared `optional` ones. */
export type ResolvedOf<S extends Schema> = { -readonly [K in keyof S]: IsOptional<S[K]> extends true ? TypeOfSpec<S[K]> | undefined : TypeOfSpec<S[K]> };

/** The settings every kind of option takes. */
export type Common<T> = Omit<SpecBase<T, boolean>, 'optional' | '__type' | 'doc'>;

/** Constructors of option declarations. Pass `optional: true` for an option without a default. */
export const opt = {
  int<const O extends boolean = false>(doc: string, o: Common<number> & { min?: number; max?: number; optional?: O } = {}): IntSpec<O> {
    return { kind: 'int', doc, placeholder: 'N', ...o };
  },
  number<const O extends boolean = false>(doc: string, o: Common<number> & { min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean; optional?: O } = {}): NumberSpec<O> {
    return { kind: 'number', doc, placeholder: 'X', ...o };
  },
  choice<const C extends string | number, const O extends boolean = false>(choices: readonly C[], doc: string, o: Common<C> & { choiceDocs?: Partial<Record<C, string>>; optional?: O } = {}): ChoiceSpec<C, O> {
    return { kind: 'choice', doc, choices, placeholder: 'NAME', ...o };
  },
  bool<const O extends boolean = false>(doc: string, o: Common<boolean> & { optional?: O } = {}): BoolSpec<O> {
    return { kind: 'bool', doc, ...o };
  },
  string<const O extends boolean = false>(doc: string, o: Common<string> & { nonEmpty?: boolean; optional?: O } = {}): StringSpec<O> {
    return { kind: 'string', doc, placeholder: 'TEXT', ...o };
  },
  intList<const O extends boolean = false>(doc: string, o: Common<number[]> & { min?: number; max?: number; maxLength?: number; optional?: O } = {}): IntListSpec<O> {
    return { kind: 'int-list', doc, placeholder: 'LIST', ...o };
  },
  custom<T, const O extends boolean = true>(doc: string, expected: string, test: (v: unknown) => boolean, o: Common<T> & { optional?: O } = {}): CustomSpec<T, O> {
    return { kind: 'custom', doc, expected, test, cli: false, ...o } as CustomSpec<T, O>;
  },
};

/** `evalSize` → `eval-size` */
export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The CLI flag of an option, without dashes. */
export function flagOf(key: string, spec: OptionSpec): string {
  return spec.flag ?? kebab(key);
}

/** How an error names an option: the API key, or the flag the user typed. */
export type NameOf = (key: string) => string;

/** Where resolved options came from, for messages: `recall.train()` or `ntp recall train`. */
export interface ResolveContext {
  /** the function or command, e.g. `recall.train()` */
  readonly fn: string;
  /** how to name an option in messages (default: its key) */
  readonly nameOf?: NameOf;
  /** the NtpError code of a bad value (default `invalid-option`; the CLI passes `usage`) */
  readonly code?: string;
}

const fmt = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? `[${v.map(fmt).join(', ')}]` : typeof v === 'number' && Object.is(v, -0) ? '-0' : String(v));

/** The range text of a numeric option, e.g. `an integer >= 1`, `a number in (0, 1)`. */
export function rangeText(spec: IntSpec | NumberSpec | IntListSpec): string {
  const what = spec.kind === 'number' ? 'a finite number' : spec.kind === 'int' ? 'an integer' : 'a comma-separated list of integers';
  const lo = spec.min;
  const hi = spec.max;
  const xl = spec.kind === 'number' && spec.exclusiveMin;
  const xh = spec.kind === 'number' && spec.exclusiveMax;
  if (lo !== undefined && hi !== undefined) return `${what} in ${xl ? '(' : '['}${lo}, ${hi}${xh ? ')' : ']'}`;
  if (lo !== undefined) return `${what} ${xl ? '>' : '>='} ${lo}`;
  if (hi !== undefined) return `${what} ${xh ? '<' : '<='} ${hi}`;
  return what;
}

function inRange(x: number, spec: IntSpec | NumberSpec | IntListSpec): boolean {
  const xl = spec.kind === 'number' && spec.exclusiveMin;
  const xh = spec.kind === 'number' && spec.exclusiveMax;
  if (spec.min !== undefined && (xl ? !(x > spec.min) : !(x >= spec.min))) return false;
  if (spec.max !== undefined && (xh ? !(x < spec.max) : !(x <= spec.max))) return false;
  return true;
}

/** Checks one value against its declaration; returns the message's tail when it is wrong, else null. */
export function checkValue(spec: OptionSpec, v: unknown): string | null {
  switch (spec.kind) {
    case 'int':
      return typeof v === 'number' && Number.isSafeInteger(v) && inRange(v, spec) ? null : `must be ${rangeText(spec)} (got ${fmt(v)})`;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && inRange(v, spec) ? null : `must be ${rangeText(spec)} (got ${fmt(v)})`;
    case 'choice':
      return (spec.choices as readonly unknown[]).includes(v) ? null : `must be one of ${spec.choices.map(String).join(', ')} (got ${fmt(v)})`;
    case 'bool':
      return typeof v === 'boolean' ? null : `must be true or false (got ${fmt(v)})`;
    case 'string':
      return typeof v === 'string' && (!spec.nonEmpty || v.trim() !== '') ? null : `must be a ${spec.nonEmpty ? 'non-empty ' : ''}string (got ${fmt(v)})`;
    case 'int-list': {
      const ok = Array.isArray(v) && v.length > 0 && (spec.maxLength === undefined || v.length <= spec.maxLength) && v.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && inRange(x, spec));
      return ok ? null : `must be a non-empty list of integers${spec.min !== undefined ? ` >= ${spec.min}` : ''}${spec.max !== undefined ? ` <= ${spec.max}` : ''}${spec.maxLength !== undefined ? `, at most ${spec.maxLength} of them` : ''} (got ${fmt(v)})`;
    }
    case 'custom':
      return spec.test(v) ? null : `must be ${spec.expected}`;
  }
}

function isComputed<T>(d: T | ComputedDefault<T> | undefined): d is ComputedDefault<T> {
  return typeof d === 'object' && d !== null && !Array.isArray(d) && typeof (d as ComputedDefault<T>).compute === 'function';
}

/** Throws NtpError naming an unknown key and the nearest known one. */
export function checkKeys(input: object, known: readonly string[], ctx: ResolveContext): void {
  for (const key of Object.keys(input)) {
    if (known.includes(key)) continue;
    const name = ctx.nameOf ? ctx.nameOf(key) : key;
    throw new NtpError(ctx.code ?? 'invalid-option', `unknown option ${JSON.stringify(name)} of ${ctx.fn}${didYouMean(key, known)}; known options: ${known.join(', ')}`);
  }
}

/**
 * Checks `input` against `schema` and fills in defaults: an unknown key is an NtpError naming it
 * with "did you mean", a wrong type or range an NtpError naming the option, and an explicit value
 * is never replaced by a default (`alpha: 0` stays 0). `undefined` values count as absent.
 * Computed defaults see the options declared before them.
 */
export function resolveOptions<S extends Schema>(schema: S, input: unknown, ctx: ResolveContext): ResolvedOf<S> {
  objectArg(schema, 'resolveOptions(schema, input, context): schema');
  objectArg(ctx, 'resolveOptions(schema, input, context): context');
  if (input === undefined) input = {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new NtpError(ctx.code ?? 'invalid-option', `the options of ${ctx.fn} must be an object (got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input})`);
  }
  const given = Object.fromEntries(Object.entries(input as Record<string, unknown>).filter(([, v]) => v !== undefined));
  checkKeys(given, Object.keys(schema), ctx);
  const out: Record<string, unknown> = {};
  const name = ctx.nameOf ?? ((k: string) => k);
  for (const [key, spec] of Object.entries(schema)) {
    if (Object.hasOwn(given, key)) {
      const why = checkValue(spec, given[key]);
      if (why !== null) throw new NtpError(ctx.code ?? 'invalid-option', `option ${name(key)} ${why}`);
      out[key] = given[key];
    }
  }
  for (const [key, spec] of Object.entries(schema)) {
    if (Object.hasOwn(out, key)) continue;
    const d = spec.default;
    if (d === undefined) {
      if (!spec.optional) throw new NtpError(ctx.code ?? 'invalid-option', `option ${name(key)} is required by ${ctx.fn}`);
      out[key] = undefined;
      continue;
    }
    const v = isComputed(d) ? d.compute(out) : d;
    out[key] = Array.isArray(v) ? [...v] : v;
  }
  for (const key of Object.keys(given)) {
    const only = schema[key]?.only;
    if (!only) continue;
    // a resolved object handed on (a CLI or an experiment calling the API) carries the defaults:
    // the default value changes nothing, so only another value is refused
    const d = schema[key].default;
    if (d !== undefined && given[key] === (isComputed(d) ? d.compute(out) : d)) continue;
    for (const [other, values] of Object.entries(only)) {
      if (!values.includes(out[other])) {
        throw new NtpError(ctx.code ?? 'invalid-option', `option ${name(key)} applies only with ${name(other)} ${values.map(String).join(' or ')} (${name(other)} is ${String(out[other])}); leave it out`);
      }
    }
  }
  return out as ResolvedOf<S>;
}

/** Where an option applies, for `--help` and the docs: `only with --method ckd or transformer` ('' if everywhere). */
export function onlyText(schema: Schema, spec: OptionSpec, flags: boolean): string {
  if (!spec.only) return '';
  return 'only with ' + Object.entries(spec.only).map(([k, values]) => `${flags && schema[k] ? `--${flagOf(k, schema[k])}` : k} ${values.map(String).join(' or ')}`).join(' and ');
}

/** The default as `--help` and the docs show it ('' when there is none). */
export function defaultText(spec: OptionSpec): string {
  const d = spec.default;
  if (d === undefined) return '';
  if (isComputed(d)) return d.text;
  return Array.isArray(d) ? d.join(',') : String(d);
}

/** What values an option takes, for `--help` and the docs. */
export function valuesText(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'int':
    case 'number':
    case 'int-list':
      return rangeText(spec);
    case 'choice':
      return spec.choices.map(String).join(' | ');
    case 'bool':
      return 'flag';
    case 'string':
      return 'text';
    case 'custom':
      return spec.expected;
  }
}

/** A Markdown table of a schema's options: flag, API key, values, default, meaning. */
export function optionsTable(schema: Schema): string {
  objectArg(schema, 'optionsTable(schema): schema');
  const rows = ['| flag | option | values | default | meaning |', '| --- | --- | --- | --- | --- |'];
  for (const [key, spec] of Object.entries(schema)) {
    const flag = spec.cli === false ? '(API only)' : `\`--${flagOf(key, spec)}\``;
    const unit = spec.unit ? ` (${spec.unit})` : '';
    const cell = (s: string) => s.replace(/\|/g, '\\|');
    const only = onlyText(schema, spec, spec.cli !== false);
    rows.push(`| ${flag} | \`${key}\` | ${cell(valuesText(spec))} | ${cell(defaultText(spec) || '—')} | ${cell(spec.doc + unit + (only ? ` (${only})` : ''))} |`);
  }
  return rows.join('\n') + '\n';
}

/** A schema without some options (an experiment that fixes them). */
export function omitOptions<S extends Schema, K extends keyof S & string>(schema: S, keys: readonly K[]): Omit<S, K> {
  const out: Record<string, OptionSpec> = {};
  for (const [k, v] of Object.entries(schema)) if (!(keys as readonly string[]).includes(k)) out[k] = v;
  return out as Omit<S, K>;
}

/** A schema with other defaults (an experiment's own), each default still checked against its option. */
export function withDefaults<S extends Schema>(schema: S, defaults: { readonly [K in keyof S]?: TypeOfSpec<S[K]> }): S {
  const out: Record<string, OptionSpec> = { ...schema };
  for (const [k, v] of Object.entries(defaults)) {
    const spec = schema[k];
    if (!spec) throw new Error(`withDefaults: no option ${k}`);
    const why = checkValue(spec, v);
    if (why !== null) throw new Error(`withDefaults: default of ${k} ${why}`);
    out[k] = { ...spec, default: v } as OptionSpec;
  }
  return out as S;
}
