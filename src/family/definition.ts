/**
 * A task family defined once: its commands (one run, the papers' experiments, family verbs), each
 * with its options schema, its memory plan, its run, and how its result is written. The CLI
 * (`src/cli/family.ts`), the typed API (`./api.ts`), the run-time checks, the output protocol, the limits,
 * the progress bar and the docs tables are all derived from this definition, so every family (and a
 * user's own, through `--family-module`) gets them by construction.
 * @module
 */
import type { Dataset } from '../dataset/types.js';
import type { MetricValue, RunRecord } from './sweep-family.js';
import type { Figure, RunStatus, SummaryRow } from './result.js';
import type { NameOf, ResolvedOf, Schema } from './schema.js';

/** What a run needs from its caller besides its options. */
export interface RunContext {
  /** Reports progress: `done` of `total` units (steps, runs), and the latest loss when there is one. */
  progress(done: number, total: number, loss?: number): void;
  /** A warning to show the user (the CLI prints it on stderr; the API collects it in the result). */
  warn(message: string): void;
  /** The dataset of a command that takes one (`data: 'required' | 'optional'`). */
  dataset?: Dataset;
}

/** The memory and work a command will need, computed from its options alone. */
export interface Plan {
  /** bytes the run will hold at its peak (WebAssembly memory and JS arrays) */
  bytes: number;
  /** the sizes that make up `bytes`, named as the options are, for the refusal's message */
  sizes: Readonly<Record<string, number>>;
  /** multiply-adds of the whole run, when known (for the progress bar's first ETA) */
  work?: number;
}

/** A file a command writes besides its JSON result and its figures (a CSV, a Markdown table). */
export interface OutputFile {
  name: string;
  content: string;
}

/** How a command's result is shown and written. */
export interface Presentation {
  status: RunStatus;
  /** the JSON result (written as `<json>.json` and printed by `--json` with the list of files) */
  json: unknown;
  /** lines for a person (stdout without `--json`) */
  lines: string[];
  /** a table (experiments): printed tab-separated under the lines */
  summary?: SummaryRow[];
  files?: OutputFile[];
  figures?: Figure[];
  warnings?: string[];
}

/**
 * One command of a family: `train`, one experiment, or a verb such as `reference`.
 * `S` is its options schema and `R` what its run returns to API callers.
 */
export interface CommandDefinition<S extends Schema = Schema, R = unknown> {
  /** one line for the family's `--help` */
  readonly summary: string;
  /** a paragraph for the command's `--help` (what it runs, what it writes) */
  readonly description?: string;
  readonly options: S;
  /** whether the command takes a dataset file (`--data FILE` on the CLI, the first argument in the API) */
  readonly data?: 'required' | 'optional';
  /** the JSON result's file stem (default: `result`) */
  readonly jsonName?: string;
  /** Checks options against each other (NtpError naming them, with their names as given). */
  check?(o: ResolvedOf<S>, nameOf: NameOf, dataset?: Dataset): void;
  /** The memory and work from the options alone; refused before anything is allocated when too large. */
  plan?(o: ResolvedOf<S>, dataset?: Dataset): Plan;
  /** Whether the command draws figures at all (default true); `--no-figure` skips them. */
  readonly figures?: boolean;
  run(o: ResolvedOf<S>, ctx: RunContext): Promise<R>;
  present(result: R, o: ResolvedOf<S>): Presentation;
  /**
   * One run as a sweep sees it (the `train` command of a family): its records and final metrics.
   * With it, the family runs in sweeps (`sweepFamilyOf`) with no adapter of its own.
   */
  sweep?: SweepView<S, R>;
}

/** How a run's result reads as a sweep's records and final metrics. */
export interface SweepView<S extends Schema, R> {
  /** the option that sets the record interval (`every`), set from the sweep's interval */
  readonly every?: keyof S & string;
  status(r: R): RunStatus;
  records(r: R): RunRecord[];
  final(r: R): Record<string, MetricValue>;
  extra?(r: R): Record<string, unknown>;
}

/** Any command, whatever its options and result (commands are contravariant in their result). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = CommandDefinition<any, any>;

/** A task family: its name, where its theory is, and its commands. */
export interface FamilyDefinition {
  /** the CLI's command and the sweep files' `family`, e.g. `recall` */
  readonly name: string;
  /** a line for `ntp --help` */
  readonly title: string;
  /** the paper(s) it reproduces */
  readonly paper: string;
  /** the theory page, e.g. `docs/theory/recall.md` */
  readonly theory: string;
  /** one run (`ntp FAMILY train`) */
  readonly train: AnyCommand;
  /** the papers' experiments (`ntp FAMILY experiment NAME`) */
  readonly experiments: Readonly<Record<string, AnyCommand>>;
  /** family-specific verbs (`ntp autoregressive reference`) */
  readonly verbs?: Readonly<Record<string, AnyCommand>>;
  /**
   * Old command lines of this family, rewritten to today's grammar for one release: returns the
   * new argv and a deprecation note, or null when `argv` is not an old spelling.
   */
  legacy?(argv: readonly string[]): { argv: string[]; note: string } | null;
}

/** Declares a command with its types inferred (an identity function, for inference only). */
export function defineCommand<S extends Schema, R>(c: CommandDefinition<S, R>): CommandDefinition<S, R> {
  return c;
}

/** Declares a family (an identity function, for inference only). */
export function defineFamily<F extends FamilyDefinition>(f: F): F {
  return f;
}
