import { parseArgs } from 'node:util';
import { NtpError } from '../errors.js';
import { stringifyDataset } from '../dataset/format.js';
import { svopExample } from '../dataset/svop.js';
import type { Dataset } from '../dataset/types.js';
import { datasetFromTargets, equiCorrelatedRows, EXAMPLE_1, EXAMPLE_2, EXAMPLE_3, EXAMPLE_4, EXAMPLE_5 } from '../tasks/cyclic/examples.js';
import { writeFilesAtomic } from '../io/files.js';
import { type CliIO, parseCommandArgs, processIO, runCommand } from './io.js';

/** A built-in dataset: how to make it and what it is, in one line. */
export interface BuiltInExample {
  /** one line for `ntp example --list` */
  description: string;
  make: () => Dataset;
}

type Targets = { vocab: string[]; samples: Array<[string[], string, number]>; embedding?: number[][] };
const cyclicExample = (ex: Targets, embedding = ex.embedding) => () => datasetFromTargets(ex.vocab, ex.samples, embedding);

/**
 * The built-in datasets by name: the core family's SVOP example and the cyclic worked examples of
 * docs/theory/cyclic.md#worked-examples (collocation v → next token in vocabulary order, cyclically).
 */
export const EXAMPLES: Readonly<Record<string, BuiltInExample>> = {
  svop: { description: 'core: the paper\'s example, vocabulary S V O P, sentences SVOP, VOP, OPP, PSV', make: svopExample },
  'cyclic-1': { description: 'cyclic example 1: one query, SCCs {a,b} > {c} > {q}; ‖W_svm‖² = 11/4, loss floor 0.3819085', make: cyclicExample(EXAMPLE_1) },
  'cyclic-2': {
    description: 'cyclic example 2: two queries q1, q2, equi-correlated embedding ρ = 1/2; ‖W_svm‖² = 256/23',
    make: cyclicExample(EXAMPLE_2, equiCorrelatedRows(EXAMPLE_2.vocab.length, 0.5)),
  },
  'cyclic-3': { description: 'cyclic example 3: a three-token SCC {a,b,c} under one query', make: cyclicExample(EXAMPLE_3) },
  'cyclic-4': { description: 'cyclic example 4: E_c = (E_a + E_b)/2 in d = 3, no graph-SVM (infeasible)', make: cyclicExample(EXAMPLE_4) },
  'cyclic-5': { description: 'cyclic example 5: one SCC {a,q}, no direction (W_svm = 0), only a finite part', make: cyclicExample(EXAMPLE_5) },
};

const NAME_WIDTH = Math.max(...Object.keys(EXAMPLES).map((n) => n.length)) + 2;

/** One line per built-in dataset: its name and what it is. */
export function exampleList(): string {
  return Object.entries(EXAMPLES).map(([name, e]) => `  ${name.padEnd(NAME_WIDTH)}${e.description}\n`).join('');
}

/** Help text of `ntp example`. */
export const EXAMPLE_USAGE = `Usage: ntp example NAME [--out FILE]
       ntp example --list

Print a built-in dataset as JSON (the format ntp train, ntp analyze and the families' train --data read). Names:
${exampleList()}
Options:
  --out FILE   write FILE instead of printing to stdout
  --list       print the names and what each dataset is
  -h, --help   show this help
`;

/** `ntp example NAME`: prints or writes a built-in dataset. */
export async function runExample(argv: string[], io: CliIO = processIO): Promise<number> {
  return runCommand('example', io, async () => {
    const { values, positionals } = parseCommandArgs('example', () =>
      parseArgs({
        args: argv,
        strict: true,
        allowPositionals: true,
        options: { out: { type: 'string' }, list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      }),
    );
    if (values.help) {
      io.stdout(EXAMPLE_USAGE);
      return 0;
    }
    if (values.list) {
      if (positionals.length > 0 || values.out !== undefined) throw new NtpError('usage', 'ntp example --list takes no name and no --out');
      io.stdout(exampleList());
      return 0;
    }
    const available = Object.keys(EXAMPLES).join(', ');
    if (positionals.length === 0) throw new NtpError('usage', `ntp example needs an example name (available: ${available})`);
    if (positionals.length > 1) throw new NtpError('usage', `unexpected argument ${JSON.stringify(positionals[1])} for "ntp example"`);
    const name = positionals[0];
    const make = Object.hasOwn(EXAMPLES, name) ? EXAMPLES[name] : undefined;
    if (make === undefined) throw new NtpError('usage', `unknown example ${JSON.stringify(name)} (available: ${available})`);
    const ds = make.make();
    const text = stringifyDataset(ds);
    if (values.out === undefined) io.stdout(text);
    else {
      await writeFilesAtomic([{ path: values.out, content: text }]);
      io.stdout(`wrote ${values.out}: ${ds.vocab.length} tokens, ${ds.samples.length} samples\n`);
    }
    return 0;
  });
}
