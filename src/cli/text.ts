import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { NtpError } from '../errors.js';
import { chooseVocabulary, resolveTextOptions, TextTokenizer, TokenCounter, WindowBuilder, type TextOptions } from '../dataset/text.js';
import type { Dataset } from '../dataset/types.js';
import { type CliIO, parseChoiceFlag, parseCommandArgs, parseIntFlag, processIO, runCommand } from './io.js';

/** Help text of `ntp text`. */
export const TEXT_USAGE = `Usage: ntp text FILE... [options] --out data.json

Turn plain-text files into a dataset of sliding windows: every token is the next token of the
<= H tokens before it (windows start afresh in each file); repeated windows are one sample with
their count. Files are read in pieces, so they may be larger than memory allows as one string.
Then: ntp train --data data.json --embedding gaussian --d 256

Options:
  --tokens word|char      words separated by whitespace (default), or characters
  --window H              context length H (default 32)
  --lowercase             lower-case every token
  --min-count N           tokens seen fewer than N times become <unk> (default 1)
  --max-vocab N           keep the N - 1 most frequent tokens and <unk>
  --tagged                words are word/tag (the Brown corpus files): drop the tags
  --out FILE              write the dataset to FILE (required)
  -h, --help              show this help
`;

/** Pieces a file is read in: far below V8's longest string. */
const PIECE_BYTES = 1 << 22;

/** Feeds every token of a file to `emit`, reading it in pieces. */
async function tokensOfFile(path: string, o: ReturnType<typeof resolveTextOptions>, emit: (t: string) => void): Promise<void> {
  const tokenizer = new TextTokenizer(o.tokens, o.lowercase, o.tagged);
  try {
    for await (const piece of createReadStream(path, { encoding: 'utf8', highWaterMark: PIECE_BYTES })) tokenizer.push(piece as string, emit);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new NtpError('io', `file not found: ${JSON.stringify(path)}`);
    throw new NtpError('io', `cannot read ${JSON.stringify(path)}: ${err.message}`);
  }
  tokenizer.end(emit);
}

/** The windowed dataset of text files (two passes: token counts, then windows). */
export async function windowsFromFiles(paths: readonly string[], options: TextOptions): Promise<Dataset> {
  const o = resolveTextOptions(options);
  const counter = new TokenCounter();
  for (const p of paths) await tokensOfFile(p, o, counter.add);
  const { vocab, idOf } = chooseVocabulary(counter.counts, o.minCount, o.maxVocab);
  const b = new WindowBuilder(vocab, o.window);
  for (const p of paths) {
    await tokensOfFile(p, o, (t) => b.token(idOf(t)));
    b.endText();
  }
  return b.build();
}

/**
 * Writes a dataset in the dataset file format (as stringifyDataset lays it out), a sample per
 * line through a stream, into a temporary file renamed over `path` at the end: no whole-file
 * string, and no partial output on failure.
 */
async function writeDataset(ds: Dataset, path: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const out = createWriteStream(tmp, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  const write = async (s: string) => {
    if (!out.write(s)) await Promise.race([once(out, 'drain'), failed]);
  };
  try {
    const q = ds.vocab.map((t) => JSON.stringify(t));
    await write(`{\n  "vocab": [${q.join(',')}],\n  "samples": [\n`);
    const N = ds.samples.length;
    for (let n = 0; n < N; n++) {
      const s = ds.samples[n];
      const count = ds.counts[n] === 1 ? '' : `,"count":${ds.counts[n]}`;
      await write(`    {"context":[${s.context.map((t) => q[t]).join(',')}],"next":${q[s.next]}${count}}${n + 1 < N ? ',' : ''}\n`);
    }
    await write('  ]\n}\n');
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
    await rename(tmp, path);
  } catch (e) {
    out.destroy();
    await rm(tmp, { force: true });
    throw new NtpError('io', `cannot write ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
}

/** `ntp text`: text files to a windowed dataset file. */
export async function runText(argv: string[], io: CliIO = processIO): Promise<number> {
  return runCommand('text', io, async () => {
    const { values, positionals } = parseCommandArgs('text', () =>
      parseArgs({
        args: argv,
        strict: true,
        allowPositionals: true,
        options: {
          tokens: { type: 'string' },
          window: { type: 'string' },
          lowercase: { type: 'boolean' },
          'min-count': { type: 'string' },
          'max-vocab': { type: 'string' },
          tagged: { type: 'boolean' },
          out: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      }),
    );
    if (values.help) {
      io.stdout(TEXT_USAGE);
      return 0;
    }
    if (positionals.length === 0) throw new NtpError('usage', 'no input file: ntp text FILE... --out data.json');
    if (values.out === undefined) throw new NtpError('usage', 'option --out FILE is required');
    const opts: TextOptions = {
      tokens: parseChoiceFlag('--tokens', values.tokens, ['word', 'char'] as const),
      window: parseIntFlag('--window', values.window),
      lowercase: values.lowercase ?? false,
      minCount: parseIntFlag('--min-count', values['min-count']),
      maxVocab: parseIntFlag('--max-vocab', values['max-vocab']),
      tagged: values.tagged ?? false,
    };
    try {
      resolveTextOptions(opts);
    } catch (e) {
      // a bad value is a malformed command line here; name the flag
      if (e instanceof NtpError) throw new NtpError('usage', e.message.replace('option window', '--window').replace('option minCount', '--min-count').replace('option maxVocab', '--max-vocab'));
      throw e;
    }
    const ds = await windowsFromFiles(positionals, opts);
    let tokens = 0;
    for (const c of ds.counts) tokens += c;
    await writeDataset(ds, values.out);
    io.stdout(`wrote ${values.out}: |V| = ${ds.vocab.length} tokens, ${ds.samples.length} distinct windows of ${tokens} (window ${opts.window ?? 32})\n`);
    return 0;
  });
}
