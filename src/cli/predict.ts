import { parseArgs } from 'node:util';
import { NtpError } from '../errors.js';
import { readTextFile } from '../io/files.js';
import { formatJSON } from '../io/json.js';
import { predict } from '../model/predict.js';
import { parseModel } from '../model/serialize.js';
import { type CliIO, parseCommandArgs, processIO, runCommand } from './io.js';

export const PREDICT_USAGE = `Usage: ntp predict --model FILE "CONTEXT"

Predict the next token of a context (tokens separated by spaces, the query last) with a trained
model, and show the attention weights. Tokens containing spaces: give the context as a JSON
array, e.g. '["New York", "is"]'.

Options:
  --model FILE   model.json written by ntp train
  --json         print the prediction as JSON
  -h, --help     show this help
`;

/**
 * The context's tokens: words separated by spaces, or a JSON array of token strings (one
 * argument starting with "["), the only way to name tokens that contain whitespace.
 */
function contextWords(positionals: string[]): string[] {
  const text = positionals.join(' ');
  if (!text.trimStart().startsWith('[')) return text.split(/\s+/).filter(Boolean);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new NtpError('usage', 'a context starting with "[" must be a JSON array of token strings, e.g. \'["S", "P"]\'');
  }
  if (!Array.isArray(parsed) || parsed.some((t) => typeof t !== 'string')) throw new NtpError('usage', 'a context starting with "[" must be a JSON array of token strings');
  return parsed as string[];
}

/** `ntp predict` */
export async function runPredict(argv: string[], io: CliIO = processIO): Promise<number> {
  return runCommand('predict', io, async () => {
    const { values, positionals } = parseCommandArgs('predict', () =>
      parseArgs({
        args: argv,
        strict: true,
        allowPositionals: true,
        options: { model: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      }),
    );
    if (values.help) {
      io.stdout(PREDICT_USAGE);
      return 0;
    }
    if (values.model === undefined) throw new NtpError('usage', 'ntp predict needs --model FILE');
    if (positionals.length === 0) throw new NtpError('usage', 'ntp predict needs a context, e.g. "S P"');
    const { vocab, parameters } = parseModel(await readTextFile(values.model));
    const words = contextWords(positionals);
    if (words.length === 0) throw new NtpError('usage', 'the context is empty');
    const index = new Map(vocab.map((t, i) => [t, i]));
    const context = words.map((w, i) => {
      const t = index.get(w);
      if (t === undefined) throw new NtpError('unknown-token', `context token ${i} ${JSON.stringify(w)} is not in the model's vocabulary`);
      return t;
    });
    const p = predict(parameters, context);
    if (values.json) {
      io.stdout(formatJSON({ context: words, next: vocab[p.next], probability: p.probability, attention: words.map((w, i) => ({ token: w, weight: p.attention[i] })) }));
      return 0;
    }
    io.stdout(`next: ${vocab[p.next]}  (p = ${p.probability.toPrecision(6)})\nattention:\n`);
    words.forEach((w, i) => io.stdout(`  ${w.padEnd(12)} ${p.attention[i].toPrecision(6)}\n`));
    return 0;
  });
}
