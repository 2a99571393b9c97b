#!/usr/bin/env node
import { runAnalyze } from './analyze.js';
import { runExample } from './example.js';
import { runGenerate } from './generate.js';
import { type CliIO, EXIT_USAGE, processIO } from './io.js';
import { runMaxMargin } from './maxmargin.js';
import { runPredict } from './predict.js';
import { runTrain } from './train.js';

const COMMANDS: Record<string, (argv: string[], io: CliIO) => Promise<number>> = {
  train: runTrain,
  generate: runGenerate,
  example: runExample,
  analyze: runAnalyze,
  maxmargin: runMaxMargin,
  predict: runPredict,
  autoregressive: async (argv, io) => (await import('./autoregressive.js')).runAutoregressive(argv, io),
};

export const USAGE = `Usage: ntp COMMAND [options]

Commands:
  train       train with Algorithm 1 (or a baseline); writes the trajectory, model and Figure 2
  generate    generate a random realizable dataset
  example     write a built-in dataset (svop)
  analyze     report a dataset's structure and whether it is realizable
  maxmargin   solve the max-margin problems of a dataset
  predict     predict the next token with a trained model

Run "ntp COMMAND --help" for a command's options.
`;

/** Runs the CLI on arguments (without node and script) and returns the exit code. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(USAGE);
    return command === undefined ? EXIT_USAGE : 0;
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) {
    io.stderr(`error: unknown command ${JSON.stringify(command)}\n${USAGE}`);
    return EXIT_USAGE;
  }
  return run(rest, io);
}

// Run when executed (not when imported by tests).
const invoked = process.argv[1] ? (await import('node:url')).pathToFileURL((await import('node:fs')).realpathSync(process.argv[1])).href : '';
if (invoked === import.meta.url) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`internal error: ${(e as Error).stack ?? e}\n`);
      process.exitCode = 70;
    },
  );
}
