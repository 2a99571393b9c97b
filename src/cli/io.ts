import { NtpError } from '../errors.js';

/** Where a CLI command writes; tests pass a capturing implementation. */
export interface CliIO {
  stdout(s: string): void;
  stderr(s: string): void;
  /** Whether stdout is a terminal (commands may shorten or decorate output for people). */
  isTTY: boolean;
  /** Whether stderr is a terminal (progress bars are drawn there, and only then). */
  stderrIsTTY?: boolean;
  /** stderr's width in columns, when it is a terminal. */
  columns?: number;
}

/** The real process streams. */
export const processIO: CliIO = {
  stdout: (s) => {
    process.stdout.write(s);
  },
  stderr: (s) => {
    process.stderr.write(s);
  },
  get isTTY() {
    return Boolean(process.stdout.isTTY);
  },
  get stderrIsTTY() {
    return Boolean(process.stderr.isTTY);
  },
  get columns() {
    return process.stderr.columns || 80;
  },
};

/** Exit code for bad data, failed checks and I/O errors. */
export const EXIT_FAILURE = 1;
/** Exit code for a malformed command line (unknown option, missing argument). */
export const EXIT_USAGE = 2;

/** Options whose value is a path: an empty one is a usage error. */
const PATH_OPTIONS = ['out', 'out-dir', 'data', 'model', 'dir'] as const;

/**
 * Runs node:util parseArgs (strict) and turns its TypeErrors into NtpError('usage') naming the
 * option, so every command reports command-line mistakes the same way.
 */
export function parseCommandArgs<R>(command: string, parse: () => R): R {
  let parsed: R;
  try {
    parsed = parse();
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const quoted = /'([^']+)'/.exec(err.message ?? '')?.[1];
    switch (err.code) {
      case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
        throw new NtpError('usage', `unknown option ${JSON.stringify(quoted ?? err.message)} for "ntp ${command}"`);
      case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
        throw new NtpError('usage', `unexpected argument ${JSON.stringify(quoted ?? err.message)} for "ntp ${command}"`);
      case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
        const flag = quoted?.split(' ')[0] ?? '';
        const why = /does not take an argument/.test(err.message ?? '') ? 'takes no value' : 'needs a value';
        throw new NtpError('usage', `option ${flag} ${why} (ntp ${command})`);
      }
      default:
        throw e;
    }
  }
  // a path option given as "" names no file: a malformed command line, not a failure to write
  const values = (parsed as { values?: Record<string, unknown> }).values ?? {};
  for (const name of PATH_OPTIONS) {
    if (values[name] === '') throw new NtpError('usage', `option --${name} needs a directory name or file name (got an empty string; ntp ${command})`);
  }
  return parsed;
}

const NEGATIVE_NUMBER = /^-(\d|\.\d|Infinity$)/;

/**
 * Joins `--flag -5` into `--flag=-5`, so a negative number after a flag is read as its value
 * (node:util parseArgs takes any argument starting with '-' for an option) and the value's own
 * range check can name the problem.
 */
export function withNegativeNumbers(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = argv[i + 1];
    if (a.startsWith('--') && a.length > 2 && !a.includes('=') && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Parses an integer flag value; undefined stays undefined so the API default applies. */
export function parseIntFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(value.trim())) throw new NtpError('usage', `option ${flag} must be an integer (got ${JSON.stringify(value)})`);
  return Number(value.trim());
}

/** Parses a finite number flag value; undefined stays undefined so the API default applies. */
export function parseFloatFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x)) throw new NtpError('usage', `option ${flag} must be a number (got ${JSON.stringify(value)})`);
  return x;
}

/** Checks a flag value against its allowed names; undefined stays undefined so the API default applies. */
export function parseChoiceFlag<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new NtpError('usage', `option ${flag} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
  return value as T;
}

/** The messages of V8's RangeErrors for an allocation the process could not make. */
const ALLOCATION_FAILED = /Array buffer allocation failed|could not allocate memory|Out of memory|WebAssembly\.Memory\(\): /i;

/**
 * An allocation that failed (a typed array or WebAssembly memory the process could not get, e.g.
 * under `ulimit -v`) becomes NtpError('out-of-memory'): bad luck with the machine, not a bug.
 */
export function asOutOfMemory(e: unknown): unknown {
  if (e instanceof RangeError && ALLOCATION_FAILED.test(e.message)) return new NtpError('out-of-memory', `out of memory: ${e.message}; the run needs more memory than this process may use (ulimit -v, container limit); reduce its sizes`);
  return e;
}

/**
 * Runs a command body and maps failures to exit codes: NtpError → message on stderr and 1
 * (2 for usage errors, with a pointer to --help). Other errors are bugs and propagate.
 */
export async function runCommand(command: string, io: CliIO, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (caught) {
    const e = asOutOfMemory(caught);
    if (!(e instanceof NtpError)) throw e;
    io.stderr(`error: ${e.message}\n`);
    if (e.code === 'usage') {
      io.stderr(`Run "ntp ${command} --help" for usage.\n`);
      return EXIT_USAGE;
    }
    return EXIT_FAILURE;
  }
}
