import { parseArgs } from 'node:util';
import { NtpError } from '../errors.js';
import { stringifyDataset } from '../dataset/format.js';
import { svopExample } from '../dataset/svop.js';
import type { Dataset } from '../dataset/types.js';
import { writeFilesAtomic } from '../io/files.js';
import { type CliIO, parseCommandArgs, processIO, runCommand } from './io.js';

/** The built-in examples by name. */
export const EXAMPLES: Readonly<Record<string, () => Dataset>> = { svop: svopExample };

/** Help text of `ntp example`. */
export const EXAMPLE_USAGE = `Usage: ntp example NAME [--out FILE]

Print a built-in dataset as JSON. Names:
  svop    the paper's example: vocabulary S V O P, sentences SVOP, VOP, OPP, PSV

Options:
  --out FILE   write FILE instead of printing to stdout
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
        options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      }),
    );
    if (values.help) {
      io.stdout(EXAMPLE_USAGE);
      return 0;
    }
    const available = Object.keys(EXAMPLES).join(', ');
    if (positionals.length === 0) throw new NtpError('usage', `ntp example needs an example name (available: ${available})`);
    if (positionals.length > 1) throw new NtpError('usage', `unexpected argument ${JSON.stringify(positionals[1])} for "ntp example"`);
    const name = positionals[0];
    const make = Object.hasOwn(EXAMPLES, name) ? EXAMPLES[name] : undefined;
    if (make === undefined) throw new NtpError('usage', `unknown example ${JSON.stringify(name)} (available: ${available})`);
    const ds = make();
    const text = stringifyDataset(ds);
    if (values.out === undefined) io.stdout(text);
    else {
      await writeFilesAtomic([{ path: values.out, content: text }]);
      io.stdout(`wrote ${values.out}: ${ds.vocab.length} tokens, ${ds.samples.length} samples\n`);
    }
    return 0;
  });
}
