import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { parseDataset } from '../dataset/format.js';
import { generateRealizable } from '../dataset/random.js';
import type { Dataset } from '../dataset/types.js';
import { NtpError } from '../errors.js';
import { renderFigure2Svg } from '../figure/svg.js';
import { readTextFile } from '../io/files.js';
import { writeDirectoryAtomic } from '../io/output-dir.js';
import { maxMarginJSON, modelJSONOf, trajectoryCSV, trajectoryJSON } from '../train/report.js';
import { train, type TrainResult } from '../train/run.js';
import { type CliIO, parseCommandArgs, parseIntFlag, processIO, runCommand } from './io.js';

export const TRAIN_USAGE = `Usage: ntp train [options]

Train a one-layer transformer with Algorithm 1 (two-stage normalized GD) or a baseline, and
write the trajectory, the model, the max-margin solutions and the paper's Figure 2.

Options:
  --data FILE          dataset JSON (default: a random realizable dataset, |V| = 20, the paper's setup)
  --vocab N            |V| of the generated dataset (default 20)
  --t0 N               stage-1 steps (default 900)
  --t1 N               stage-2 steps (default 900)
  --eta0 X             stage-1 step size (default 0.2/√d)
  --eta1 X             stage-2 step size (default 0.05/√d)
  --every N            record metrics every N steps (default 10)
  --algorithm NAME     two-stage (default), gd (plain gradient steps), joint (both layers at once)
  --backend NAME       wasm (default) or js
  --precision P        f64 (default) or f32
  --embedding NAME     onehot (default), orthonormal or gaussian (the dataset's own if it has one)
  --d N                embedding dimension for orthonormal/gaussian (default |V|)
  --seed N             seed of the generated dataset and embedding (default 1)
  --out DIR            output directory (default out)
  -h, --help           show this help

Writes DIR/trajectory.json, DIR/trajectory.csv, DIR/model.json, DIR/maxmargin.json and
DIR/figure.svg, all or none.
`;

function parseFloatFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x)) throw new NtpError('usage', `option ${flag} must be a number (got ${JSON.stringify(value)})`);
  return x;
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new NtpError('usage', `option ${flag} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
  return value as T;
}

/** `ntp train` */
export async function runTrain(argv: string[], io: CliIO = processIO): Promise<number> {
  return runCommand('train', io, async () => {
    const { values } = parseCommandArgs('train', () =>
      parseArgs({
        args: argv,
        strict: true,
        allowPositionals: false,
        options: {
          data: { type: 'string' }, vocab: { type: 'string' },
          t0: { type: 'string' }, t1: { type: 'string' }, eta0: { type: 'string' }, eta1: { type: 'string' },
          every: { type: 'string' }, algorithm: { type: 'string' }, backend: { type: 'string' },
          precision: { type: 'string' }, embedding: { type: 'string' }, d: { type: 'string' },
          seed: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
        },
      }),
    );
    if (values.help) {
      io.stdout(TRAIN_USAGE);
      return 0;
    }
    const seed = parseIntFlag('--seed', values.seed) ?? 1;
    if (values.data !== undefined && values.vocab !== undefined) throw new NtpError('usage', 'option --vocab applies to the generated dataset only; it cannot be used with --data');
    const ds: Dataset = values.data !== undefined
      ? parseDataset(await readTextFile(values.data))
      : generateRealizable({ vocab: parseIntFlag('--vocab', values.vocab) ?? 20, seed });
    const outDir = values.out ?? 'out';
    if (outDir.trim() === '') throw new NtpError('usage', 'option --out needs a directory name (got an empty string)');
    const opts = {
      t0: parseIntFlag('--t0', values.t0),
      t1: parseIntFlag('--t1', values.t1),
      eta0: parseFloatFlag('--eta0', values.eta0),
      eta1: parseFloatFlag('--eta1', values.eta1),
      every: parseIntFlag('--every', values.every),
      algorithm: oneOf('--algorithm', values.algorithm, ['two-stage', 'gd', 'joint'] as const),
      backend: oneOf('--backend', values.backend, ['wasm', 'js'] as const),
      precision: oneOf('--precision', values.precision, ['f64', 'f32'] as const),
      embedding: oneOf('--embedding', values.embedding, ['onehot', 'orthonormal', 'gaussian'] as const),
      d: parseIntFlag('--d', values.d),
      seed,
    };
    const defined = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));

    const bar = io.isTTY ? new cliProgress.SingleBar({ format: 'training [{bar}] {value}/{total} steps  loss {loss}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic) : null;
    let started = false;
    const result = await train(ds, {
      ...defined,
      onRecord: (rec, p) => {
        if (!bar) return;
        if (!started) {
          bar.start(p.total, 0, { loss: '' });
          started = true;
        }
        bar.update(p.step, { loss: rec.loss.toExponential(3) });
      },
    });
    bar?.stop();

    const figure = await renderFigure2Svg({
      stage1: result.stage1,
      stage2: result.stage2,
      title: `${result.config.algorithm}, |V| = ${result.config.V}, d = ${result.config.d}, ${result.config.backend} ${result.config.precision}`,
    });
    const json = (x: unknown) => JSON.stringify(x, null, 1) + '\n';
    await writeDirectoryAtomic(outDir, [
      { name: 'trajectory.json', content: json(trajectoryJSON(result)) },
      { name: 'trajectory.csv', content: trajectoryCSV(result) },
      { name: 'model.json', content: json(modelJSONOf(ds, result)) },
      { name: 'maxmargin.json', content: json(maxMarginJSON(result.maxMargin, result.config.V, result.config.d)) },
      { name: 'figure.svg', content: figure },
    ]);
    io.stdout(summary(result, outDir));
    for (const w of result.warnings) io.stderr(`warning: ${w}\n`);
    const trouble = [result.outcome.stage1, result.outcome.stage2].find((o) => o && (o.status === 'diverged' || o.status === 'overflow'));
    if (trouble) {
      io.stderr(`error: training stopped early: ${trouble.status} after ${trouble.steps} steps (${trouble.status === 'overflow' ? 'the next step would leave the precision\'s range' : 'the loss or gradient stopped being finite'}); try a smaller step size or --precision f64\n`);
      return 1;
    }
    return 0;
  });
}

function summary(r: TrainResult, outDir: string): string {
  const last = <T>(xs: T[]) => xs[xs.length - 1];
  const fmt = (x: number | null | undefined, digits = 4) => (x === null || x === undefined ? 'n/a' : x.toPrecision(digits));
  const lines: string[] = [];
  const c = r.config;
  lines.push(`${c.algorithm} on ${c.samples} samples, |V| = ${c.V}, d = ${c.d} (${c.embedding}), ${c.backend} ${c.precision}: ${r.trainingMs.toFixed(1)} ms of training`);
  for (const [name, recs, outcome] of [['stage 1', r.stage1, r.outcome.stage1], ['stage 2', r.stage2, r.outcome.stage2]] as const) {
    const e = last(recs as { step: number; loss: number; norm: number; cosine: number | null }[]);
    if (!e) continue;
    lines.push(`  ${name}: ${outcome?.status ?? 'not run'} at step ${e.step}; loss ${fmt(e.loss)}, norm ${fmt(e.norm)}, cos(W, W*) ${fmt(e.cosine, 10)}`);
  }
  if (r.maxMargin) lines.push(`  max margin: Proposition-2 gap ${fmt(r.maxMargin.prop2Gap)}, KKT residual ${fmt(r.maxMargin.kktResidual, 2)}`);
  const g = r.generalization;
  if (g) lines.push(`  generalization: ${g.cases.filter((x) => x.correct).length}/${g.cases.length} unseen contexts as the theory predicts; ranking holds for ${fmt(g.rankingHolds === null ? null : g.rankingHolds * 100, 3)}% of queries`);
  lines.push(`  wrote ${outDir}/figure.svg (Figure 2), trajectory.json, trajectory.csv, model.json, maxmargin.json`);
  return lines.join('\n') + '\n';
}
