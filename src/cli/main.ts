#!/usr/bin/env node
import { type CliIO, EXIT_USAGE, processIO } from './io.js';
import { packageVersion } from './version.js';

// Each command is imported when it runs, so `ntp --help` and `ntp --version` load no library code.
const COMMANDS: Record<string, (argv: string[], io: CliIO) => Promise<number>> = {
  train: async (argv, io) => (await import('./train.js')).runTrain(argv, io),
  generate: async (argv, io) => (await import('./generate.js')).runGenerate(argv, io),
  example: async (argv, io) => (await import('./example.js')).runExample(argv, io),
  analyze: async (argv, io) => (await import('./analyze.js')).runAnalyze(argv, io),
  maxmargin: async (argv, io) => (await import('./maxmargin.js')).runMaxMargin(argv, io),
  predict: async (argv, io) => (await import('./predict.js')).runPredict(argv, io),
  sweep: async (argv, io) => (await import('./sweep.js')).runSweepCommand(argv, io),
  cyclic: async (argv, io) => (await import('./cyclic.js')).runCyclic(argv, io),
  factorized: async (argv, io) => (await import('./factorized.js')).runFactorized(argv, io),
  recall: async (argv, io) => (await import('./recall.js')).runRecallCli(argv, io),
  autoregressive: async (argv, io) => (await import('./autoregressive.js')).runAutoregressive(argv, io),
  text: async (argv, io) => (await import('./text.js')).runText(argv, io),
};

export const USAGE = `Usage: ntp COMMAND [options]

The core family (Huang, Liang, Yang 2024: Algorithm 1):
  train       train with Algorithm 1 (or a baseline); writes the trajectory, model and Figure 2
  generate    generate a random realizable dataset
  example     write a built-in dataset
  analyze     report a dataset's structure and whether it is realizable
  maxmargin   solve the max-margin problems of a dataset
  predict     predict the next token with a trained model

The other families, each "ntp FAMILY train [options]" for one run and
"ntp FAMILY experiment NAME [options]" for the papers' experiments:
  cyclic          cyclic token orders (Li et al. 2024): SCCs, the graph-SVM W_svm and its finite part
  factorized      factorized attention K·Qᵀ (Tarzanagh et al. 2023) against the nuclear-norm SVM
  recall          in-context recall with a noise token (Nguyen & Nguyen-Tang 2025) against the Bayes risk
  autoregressive  in-context autoregressive learning by causal kernel descent (Sander & Peyré 2024, a reconstruction)

Many runs:
  sweep       run many configs on every core or as shards on a cluster; merge and report them

Real text:
  text        turn text files into a dataset of sliding windows (words or characters)

Every command takes --out DIR (written all or nothing), --json (one JSON object on stdout) and
-h/--help. Run "ntp COMMAND --help" (or "ntp help COMMAND") for a command's options,
"ntp --version" for the version. Also installed as "ntp-dynamics" (npx ntp-dynamics ...).
The theory of each family is in docs/theory/ (in the package).
`;

/** Runs the CLI on arguments (without node and script) and returns the exit code. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    io.stderr(USAGE);
    return EXIT_USAGE;
  }
  if (command === '--version' || command === '-v' || command === '-V') {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  if (command === 'help' && rest.length > 0) return main([...rest, '--help'], io);
  if (command === '--help' || command === '-h' || command === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) {
    const { didYouMean } = await import('../family/schema.js');
    io.stderr(`error: unknown command ${JSON.stringify(command)}${didYouMean(command, Object.keys(COMMANDS))}\n${USAGE}`);
    return EXIT_USAGE;
  }
  return run(rest, io);
}

// Run when executed (not when imported by tests).
const invoked = process.argv[1] ? (await import('node:url')).pathToFileURL((await import('node:fs')).realpathSync(process.argv[1])).href : '';
if (invoked === import.meta.url) {
  // A reader that stops early (`ntp maxmargin x.json | head`) closes the pipe: end quietly, as
  // Unix tools do, instead of printing EPIPE's stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  // Under an address-space limit (ulimit -v) V8's guard regions make every WebAssembly memory
  // fail to reserve; the same command in a node without them runs in what it actually uses.
  const { needsNoGuardRegions, relaunchWithoutGuards } = await import('./relaunch.js');
  const command = process.argv[2];
  const usesWasm = command !== undefined && Object.hasOwn(COMMANDS, command) && !['generate', 'example'].includes(command);
  (usesWasm && needsNoGuardRegions() ? relaunchWithoutGuards() : main(process.argv.slice(2))).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`internal error: ${(e as Error).stack ?? e}\n`);
      process.exitCode = 70;
    },
  );
}
