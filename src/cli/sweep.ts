import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { formatSeconds } from './progress.js';
import { NtpError } from '../errors.js';
import { readFile } from 'node:fs/promises';
import { readTextFile } from '../io/files.js';
import { checkOutputDirOf, writeOutputOf } from '../family/output.js';
import { mergeSweeps } from '../sweep/merge.js';
import { renderBandFigures, reportText, summarizeSweep } from '../sweep/report.js';
import { runSweep, type SweepProgress } from '../sweep/run.js';
import { parseShard, parseSweepFile } from '../sweep/spec.js';
import { type CliIO, EXIT_FAILURE, EXIT_USAGE, parseCommandArgs, parseIntFlag, processIO, runCommand } from './io.js';

export const SWEEP_USAGE = `Usage: ntp sweep run SWEEP.json --out DIR [options]
       ntp sweep merge DIR... --out DIR [--partial]
       ntp sweep report DIR [--out DIR] [--json] [--no-figure]

Many runs: every combination of a sweep file's grid (and/or its list), on all cores, resumable,
and split into shards for a batch scheduler (Slurm job arrays, Kubernetes Indexed Jobs).

A sweep file: { "base": {options}, "grid": {"option": [values...] or {"from": a, "to": b}},
"list": [{options}, ...] } with the options of "ntp train" in camelCase (vocab, seed, t0, t1,
eta0, eta1, algorithm, backend, precision, embedding, d, data) and "family" (default ntp).

run options:
  --out DIR            output directory: sweep.json, runs.jsonl (one line per run), records/ID.json
  --workers N          worker threads (default: every core, os.availableParallelism())
  --shard I/N          run only shard I of N (0 <= I < N), a split by run id
  --every K            record metrics every K steps (default 10)
  --yes                run a sweep of more than 10000 runs (never more than 10000000)
  --family-module FILE a module exporting a SweepFamily as "family" (repeatable)

merge options:
  --out DIR            the merged directory
  --partial            write it even when runs are missing

report options:
  --out DIR            where to write report.json and the band figures (default DIR/report)
  --json               print the report as one JSON object on stdout (as report.json holds it)
  --no-figure          write report.json only

The report groups runs by their whole config minus the seed (a vocab x algorithm grid gives one
group per vocab and algorithm), "default" where a run leaves an option unset, with mean, sample
std, min and max of every final metric per group; one band figure per metric (METRIC.svg, or
METRIC.vl.json, its Vega-Lite spec, without the optional packages vega and vega-lite).

Rerunning "ntp sweep run" with the same --out resumes: finished and failed runs are skipped,
except runs that failed to read an input (a missing data file) and runs whose records file is
gone, which run again. Ctrl-C (exit 130) and SIGTERM (exit 143) stop a sweep cleanly.
`;

/** `ntp sweep` */
export async function runSweepCommand(argv: string[], io: CliIO = processIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.stdout(SWEEP_USAGE);
    return sub === undefined ? EXIT_USAGE : 0;
  }
  if (sub === 'run') return sweepRun(rest, io);
  if (sub === 'merge') return sweepMerge(rest, io);
  if (sub === 'report') return sweepReport(rest, io);
  io.stderr(`error: unknown sweep command ${JSON.stringify(sub)} (run, merge or report)\n${SWEEP_USAGE}`);
  return EXIT_USAGE;
}

function sweepRun(argv: string[], io: CliIO): Promise<number> {
  return runCommand('sweep', io, async () => {
    const { values, positionals } = parseCommandArgs('sweep run', () =>
      parseArgs({
        args: argv,
        strict: true,
        allowPositionals: true,
        options: {
          out: { type: 'string' }, workers: { type: 'string' }, shard: { type: 'string' }, every: { type: 'string' },
          yes: { type: 'boolean' }, 'family-module': { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' },
        },
      }),
    );
    if (values.help) {
      io.stdout(SWEEP_USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new NtpError('usage', `ntp sweep run takes one sweep file (got ${positionals.length})`);
    if (values.out === undefined) throw new NtpError('usage', 'option --out is required');
    if (values.out.trim() === '') throw new NtpError('usage', 'option --out must name a directory (got an empty string)');
    const workers = parseIntFlag('--workers', values.workers);
    if (workers !== undefined && workers < 1) throw new NtpError('usage', `option --workers must be >= 1 (got ${workers})`);
    const every = parseIntFlag('--every', values.every);
    if (every !== undefined && every < 1) throw new NtpError('usage', `option --every must be >= 1 (got ${every})`);
    const shard = values.shard === undefined ? null : parseShard(values.shard);
    const sweep = parseSweepFile(await readTextFile(positionals[0]), positionals[0]);
    const modules = (values['family-module'] ?? []).map((m) => pathToFileURL(resolve(m)).href);

    const stop = new AbortController();
    // Ctrl-C (130) and SIGTERM (143, a scheduler's stop): finished runs are written whole, no
    // temporary file or lock stays behind
    let stopCode = 130;
    const onSigint = () => {
      io.stderr('\ninterrupted: stopping; runs in flight are lost, rerun the same command to resume\n');
      stop.abort();
    };
    const onSigterm = () => {
      stopCode = 143;
      io.stderr('\nterminated: stopping; runs in flight are lost, rerun the same command to resume\n');
      stop.abort();
    };
    process.once('SIGINT', onSigint);
    process.once('SIGTERM', onSigterm);
    // one line redrawn in place on a terminal; the cursor is never hidden, so Ctrl-C leaves nothing to restore
    let drawn = false;
    const started = performance.now();
    const onProgress = (p: SweepProgress) => {
      if (!io.stderrIsTTY) return;
      const s = (performance.now() - started) / 1000;
      const rate = s > 0 ? p.done / s : NaN;
      const eta = p.done >= p.total ? 0 : rate > 0 ? (p.total - p.done) / rate : NaN;
      io.stderr(`\rsweep ${p.done}/${p.total} runs  ${p.failed} failed  ${Number.isFinite(rate) ? rate.toFixed(1) : '–'} runs/s  ETA ${formatSeconds(eta)}\x1b[K`);
      drawn = true;
    };
    let summary;
    try {
      const onNotice = (message: string) => io.stderr(`${drawn ? '\n' : ''}note: ${message}\n`);
      const onTornLine = (line: number) => io.stderr(`${drawn ? '\n' : ''}warning: ${join(values.out as string, 'runs.jsonl')}: line ${line} is torn (an interrupted write); dropped it, its run is run again\n`);
      summary = await runSweep(sweep, { out: values.out, workers, shard, every, yes: values.yes, modules, onProgress, signal: stop.signal, onNotice, onTornLine });
    } finally {
      process.removeListener('SIGINT', onSigint);
      process.removeListener('SIGTERM', onSigterm);
      if (drawn) io.stderr('\n');
    }
    const s = summary;
    const shardText = shard ? ` (shard ${shard.index}/${shard.count})` : '';
    io.stdout(`${s.done}/${s.total} runs recorded in ${values.out}/runs.jsonl${shardText}: ${s.done - s.resumed} run now, ${s.resumed} earlier, ${s.failed} failed; ${(s.wallMs / 1000).toFixed(1)} s\n`);
    if (s.interrupted) return stopCode;
    if (s.failed > 0) {
      io.stderr(`error: ${s.failed} runs failed; their errors are in runs.jsonl ("status": "failed")\n`);
      return EXIT_FAILURE;
    }
    return 0;
  });
}

function sweepMerge(argv: string[], io: CliIO): Promise<number> {
  return runCommand('sweep', io, async () => {
    const { values, positionals } = parseCommandArgs('sweep merge', () =>
      parseArgs({ args: argv, strict: true, allowPositionals: true, options: { out: { type: 'string' }, partial: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }),
    );
    if (values.help) {
      io.stdout(SWEEP_USAGE);
      return 0;
    }
    if (values.out === undefined) throw new NtpError('usage', 'option --out is required');
    if (values.out.trim() === '') throw new NtpError('usage', 'option --out must name a directory (got an empty string)');
    if (positionals.length === 0) throw new NtpError('usage', 'ntp sweep merge needs the sweep directories to merge');
    const m = await mergeSweeps(positionals, values.out, { partial: values.partial });
    const ids = (xs: string[]) => xs.slice(0, 10).join(', ') + (xs.length > 10 ? `, … (${xs.length} in all)` : '');
    for (const d of m.torn) io.stderr(`warning: ${d}/runs.jsonl ends in a torn line (an interrupted write); it was left out\n`);
    if (m.duplicates.length) io.stderr(`warning: ${m.duplicates.length} runs were found in more than one directory, with the same outcome (kept once): ${ids(m.duplicates)}\n`);
    if (m.missing.length) io.stderr(`${m.written ? 'warning' : 'error'}: ${m.missing.length} of ${m.expected} runs are missing: ${ids(m.missing)}${m.written ? '' : '; rerun their shards, or pass --partial'}\n`);
    if (m.written) io.stdout(`merged ${m.merged} of ${m.expected} runs from ${positionals.length} directories into ${values.out}\n`);
    return m.written ? 0 : EXIT_FAILURE;
  });
}

/** Whether a directory holds an earlier `ntp sweep report`: its report.json (by its top-level keys) and figures only. */
async function ownsReport(abs: string, entries: readonly string[]): Promise<boolean> {
  if (!entries.includes('report.json') || !entries.every((e) => e === 'report.json' || e.endsWith('.svg') || e.endsWith('.vl.json'))) return false;
  try {
    const r = JSON.parse(await readFile(join(abs, 'report.json'), 'utf8')) as Record<string, unknown>;
    return typeof r.runs === 'number' && Array.isArray(r.groups) && Array.isArray(r.varying);
  } catch {
    return false;
  }
}

function sweepReport(argv: string[], io: CliIO): Promise<number> {
  return runCommand('sweep', io, async () => {
    const { values, positionals } = parseCommandArgs('sweep report', () =>
      parseArgs({ args: argv, strict: true, allowPositionals: true, options: { out: { type: 'string' }, json: { type: 'boolean' }, 'no-figure': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }),
    );
    if (values.help) {
      io.stdout(SWEEP_USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new NtpError('usage', `ntp sweep report takes one sweep directory (got ${positionals.length})`);
    if (values.out !== undefined && values.out.trim() === '') throw new NtpError('usage', 'option --out must name a directory (got an empty string)');
    const dir = positionals[0];
    const outDir = values.out ?? join(dir, 'report');
    // the report directory is replaced whole, as every command's output is: checked before the
    // report is made (the current directory, a file, other files or another report.json refused)
    await checkOutputDirOf(outDir, 'ntp sweep report', ownsReport);
    const report = await summarizeSweep(dir);
    const { figures, missingPeer } = values['no-figure'] ? { figures: [], missingPeer: false } : await renderBandFigures(report);
    await writeOutputOf(outDir, [{ name: 'report.json', content: JSON.stringify(report, null, 1) + '\n' }, ...figures.map((f) => ({ name: f.name, content: f.content }))], ownsReport);
    // with --json, stdout holds the report's JSON object and nothing else
    const say = (text: string) => (values.json ? io.stderr(text) : io.stdout(text));
    if (values.json) io.stdout(JSON.stringify(report) + '\n');
    else io.stdout(reportText(report));
    if (missingPeer) io.stderr('note: the optional packages vega and vega-lite are not installed, so the band figures were written as their Vega-Lite specs (METRIC.vl.json); run "npm install vega vega-lite" for SVG (or open the specs in any Vega-Lite viewer)\n');
    const what = figures.length === 0 ? 'no figures' : `${figures.length} band figures (${missingPeer ? '.vl.json' : '.svg'})`;
    say(`${values.json ? '' : '\n'}wrote ${outDir}/report.json and ${what}\n`);
    return 0;
  });
}
