import { parseArgs } from 'node:util';
import { assertRealizable } from '../dataset/analyze.js';
import { stringifyDataset } from '../dataset/format.js';
import { generateRealizable, type GenerateOptions } from '../dataset/random.js';
import { writeFilesAtomic } from '../io/files.js';
import { type CliIO, parseCommandArgs, parseIntFlag, processIO, runCommand, withNegativeNumbers } from './io.js';

/** Help text of `ntp generate`. */
export const GENERATE_USAGE = `Usage: ntp generate [options]

Generate a random realizable dataset (Assumptions 1 and 3 hold) as JSON.

Options:
  --vocab N               vocabulary size |V| (default 20)
  --seed N                seed; the same seed gives the same dataset everywhere (default 1)
  --samples-per-query N   samples per query token, besides the collocation (default 6)
  --max-length N          longest context (default 8)
  --optimal N             optimal tokens per query (default 2)
  --non-optimal N         non-optimal tokens per query, the query included (default 4)
  --incomplete            per query, one optimal token meets only the query among the
                          non-optimal tokens (Proposition 2's closed form then fails;
                          needs --non-optimal > --optimal)
  --out FILE              write FILE instead of printing to stdout
  -h, --help              show this help
`;

const FLAG_OF: Record<keyof GenerateOptions, string> = {
  vocab: '--vocab',
  seed: '--seed',
  samplesPerQuery: '--samples-per-query',
  maxContextLength: '--max-length',
  optimalPerQuery: '--optimal',
  nonOptimalPerQuery: '--non-optimal',
  incomplete: '--incomplete',
  embedding: '--embedding',
};

/** `ntp generate`: prints the dataset, or writes it with --out (only when generation succeeded). */
export async function runGenerate(argv: string[], io: CliIO = processIO): Promise<number> {
  return runCommand('generate', io, async () => {
    const { values } = parseCommandArgs('generate', () =>
      parseArgs({
        args: withNegativeNumbers(argv),
        strict: true,
        allowPositionals: false,
        options: {
          vocab: { type: 'string' },
          seed: { type: 'string' },
          'samples-per-query': { type: 'string' },
          'max-length': { type: 'string' },
          optimal: { type: 'string' },
          'non-optimal': { type: 'string' },
          incomplete: { type: 'boolean' },
          out: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      }),
    );
    if (values.help) {
      io.stdout(GENERATE_USAGE);
      return 0;
    }
    const opts: GenerateOptions = {
      vocab: parseIntFlag('--vocab', values.vocab),
      seed: parseIntFlag('--seed', values.seed),
      samplesPerQuery: parseIntFlag('--samples-per-query', values['samples-per-query']),
      maxContextLength: parseIntFlag('--max-length', values['max-length']),
      optimalPerQuery: parseIntFlag('--optimal', values.optimal),
      nonOptimalPerQuery: parseIntFlag('--non-optimal', values['non-optimal']),
      incomplete: values.incomplete ?? false,
    };
    const ds = generateRealizable(opts, (k) => FLAG_OF[k]);
    // Cheap insurance: a generator bug must never leave a non-realizable file behind.
    assertRealizable(ds);
    const text = stringifyDataset(ds);
    if (values.out === undefined) {
      io.stdout(text);
    } else {
      await writeFilesAtomic([{ path: values.out, content: text }]);
      io.stdout(`wrote ${values.out}: ${ds.vocab.length} tokens, ${ds.samples.length} samples\n`);
    }
    return 0;
  });
}
