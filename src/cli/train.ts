import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { analyze, formatViolations } from '../dataset/analyze.js';
import { parseDataset } from '../dataset/format.js';
import { generateRealizable } from '../dataset/random.js';
import type { Dataset } from '../dataset/types.js';
import { NtpError } from '../errors.js';
import type { FigureInput } from '../figure/types.js';
import { readTextFile } from '../io/files.js';
import { formatJSON } from '../io/json.js';
import { type DirectoryFile, writeDirectoryAtomic } from '../io/output-dir.js';
import { modelJSONOf, referenceJSON, type RunProvenance, trajectoryCSV, trajectoryJSON } from '../train/report.js';
import { train, type TrainResult } from '../train/run.js';
import { type CliIO, parseChoiceFlag, parseCommandArgs, parseFloatFlag, parseIntFlag, processIO, runCommand, withNegativeNumbers } from './io.js';
import { ProgressBar } from './progress.js';
import { packageVersion } from './version.js';

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
  --threads N          threads of the training steps (default: every core, but 1 where the
                       problem is too small to gain, such as |V| = 20; see README "Threads")
  --out DIR            output directory (default out)
  --no-figure          skip Figure 2 (faster; the charting libraries are never loaded)
  --json               print the summary as JSON (one object) instead of text
  -h, --help           show this help

Writes DIR/trajectory.json, DIR/trajectory.csv, DIR/model.json, DIR/maxmargin.json and
DIR/figure.svg, all or none. Without the optional packages vega and vega-lite, Figure 2 is
written as its Vega-Lite spec, DIR/figure.vl.json ("npm install vega vega-lite" for the SVG).
A progress bar (rate, ETA, loss) is drawn on stderr when stderr is a terminal.
On data whose query orders have cycles or confused tokens (see ntp analyze), stage 2's cosine is
measured against the graph-SVM W_svm over the SCCs (docs/theory/cyclic.md#the-graph-svm) instead of W*_kq, and
maxmargin.json holds W*_ov and W_svm.
`;

/** `ntp train` */
export async function runTrain(argv: string[], io: CliIO = processIO): Promise<number> {
  return runCommand('train', io, async () => {
    const { values } = parseCommandArgs('train', () =>
      parseArgs({
        args: withNegativeNumbers(argv),
        strict: true,
        allowPositionals: false,
        options: {
          'no-figure': { type: 'boolean' }, json: { type: 'boolean' },
          data: { type: 'string' }, vocab: { type: 'string' },
          t0: { type: 'string' }, t1: { type: 'string' }, eta0: { type: 'string' }, eta1: { type: 'string' },
          every: { type: 'string' }, algorithm: { type: 'string' }, backend: { type: 'string' },
          precision: { type: 'string' }, embedding: { type: 'string' }, d: { type: 'string' },
          seed: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
          threads: { type: 'string' },
        },
      }),
    );
    if (values.help) {
      io.stdout(TRAIN_USAGE);
      return 0;
    }
    const seed = parseIntFlag('--seed', values.seed) ?? 1;
    if (values.data !== undefined && values.vocab !== undefined) throw new NtpError('usage', 'option --vocab applies to the generated dataset only; it cannot be used with --data');
    const dataText = values.data !== undefined ? await readTextFile(values.data) : null;
    const vocab = parseIntFlag('--vocab', values.vocab) ?? 20;
    const ds: Dataset = dataText !== null ? parseDataset(dataText) : generateRealizable({ vocab, seed });
    const provenance: RunProvenance = {
      seed,
      data: values.data !== undefined && dataText !== null
        ? { path: values.data, sha256: createHash('sha256').update(dataText, 'utf8').digest('hex') }
        : { generated: { vocab, seed } },
      package: { name: 'ntp-dynamics', version: packageVersion() },
    };
    const outDir = values.out ?? 'out';
    if (outDir.trim() === '') throw new NtpError('usage', 'option --out needs a directory name (got an empty string)');
    const opts = {
      t0: parseIntFlag('--t0', values.t0),
      t1: parseIntFlag('--t1', values.t1),
      eta0: parseFloatFlag('--eta0', values.eta0),
      eta1: parseFloatFlag('--eta1', values.eta1),
      every: parseIntFlag('--every', values.every),
      algorithm: parseChoiceFlag('--algorithm', values.algorithm, ['two-stage', 'gd', 'joint'] as const),
      backend: parseChoiceFlag('--backend', values.backend, ['wasm', 'js'] as const),
      precision: parseChoiceFlag('--precision', values.precision, ['f64', 'f32'] as const),
      embedding: parseChoiceFlag('--embedding', values.embedding, ['onehot', 'orthonormal', 'gaussian'] as const),
      d: parseIntFlag('--d', values.d),
      seed,
      threads: parseIntFlag('--threads', values.threads),
    };
    const defined = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));

    const bar = io.stderrIsTTY ? new ProgressBar(io.stderr, () => io.columns ?? 80) : null;
    let result: TrainResult;
    try {
      result = await train(ds, {
        ...defined,
        onRecord: bar ? (rec, p) => bar.update(p.step, p.total, rec.loss) : undefined,
      });
    } finally {
      bar?.finish();
    }

    const figure = values['no-figure'] ? null : await drawFigure({
      stage1: result.stage1,
      stage2: result.stage2,
      title: `${result.config.algorithm}, |V| = ${result.config.V}, d = ${result.config.d}, ${result.config.backend} ${result.config.precision}`,
      reference: result.reference.label,
    });
    const files: DirectoryFile[] = [
      { name: 'trajectory.json', content: formatJSON(trajectoryJSON(result, provenance)) },
      { name: 'trajectory.csv', content: trajectoryCSV(result) },
      { name: 'model.json', content: formatJSON(modelJSONOf(ds, result)) },
      { name: 'maxmargin.json', content: formatJSON(referenceJSON(result)) },
    ];
    if (figure) files.push({ name: figure.file, content: figure.content });
    await writeDirectoryAtomic(outDir, files);
    const notRealizable = result.reference.kind === 'graph-svm'
      ? `the query orders have cycles or confused tokens (Assumption 1 fails), so W*_kq does not exist: stage 2's cosine is measured against the graph-SVM W_svm over the SCCs (docs/theory/cyclic.md#the-graph-svm), maxmargin.json holds W*_ov and W_svm, and the generalization report is n/a${result.reference.message ? `; ${result.reference.message}` : ''}`
      : result.maxMargin === null && !analyze(ds).realizable
        ? `the dataset is not realizable (Assumption 1 fails), so W*_ov and W*_kq do not exist: maxmargin.json holds null, cos(W, W*) and the generalization report are n/a. Why:\n${formatViolations(analyze(ds).violations)}`
        : null;
    const warnings = notRealizable ? [notRealizable, ...result.warnings] : result.warnings;
    if (values.json) io.stdout(formatJSON(jsonSummary(result, outDir, files, provenance, warnings)));
    else io.stdout(summary(result, outDir, figure?.file ?? null));
    for (const w of warnings) io.stderr(`warning: ${w}\n`);
    if (figure?.note) io.stderr(`note: ${figure.note}\n`);
    const trouble = [result.outcome.stage1, result.outcome.stage2].find((o) => o && (o.status === 'diverged' || o.status === 'overflow'));
    if (trouble) {
      io.stderr(`error: training stopped early: ${trouble.status} after ${trouble.steps} steps (${trouble.status === 'overflow' ? 'the next step would leave the precision\'s range' : 'the loss or gradient stopped being finite'}); try a smaller step size or --precision f64\n`);
      return 1;
    }
    return 0;
  });
}

/**
 * Figure 2 as SVG when the optional charting libraries are installed, else as its Vega-Lite spec
 * with a note on how to get the SVG. Imported here, on demand, so neither `ntp --help` nor
 * `ntp train --no-figure` loads the figure code or vega.
 */
async function drawFigure(input: FigureInput): Promise<{ file: string; content: string; note?: string }> {
  const { renderFigure2Svg } = await import('../figure/svg.js');
  try {
    return { file: 'figure.svg', content: await renderFigure2Svg(input) };
  } catch (e) {
    if (!(e instanceof NtpError && e.code === 'missing-peer')) throw e;
    const { figure2Spec } = await import('../figure/spec.js');
    return {
      file: 'figure.vl.json',
      content: JSON.stringify(figure2Spec(input)) + '\n',
      note: 'the optional packages vega and vega-lite are not installed, so Figure 2 was written as its Vega-Lite spec, figure.vl.json; run "npm install vega vega-lite" and train again for figure.svg (or open the spec in any Vega-Lite viewer)',
    };
  }
}

/** `train --json`: the summary as one JSON object. */
function jsonSummary(r: TrainResult, outDir: string, files: DirectoryFile[], run: RunProvenance, warnings: string[]): object {
  const last = <T>(xs: T[]): T | null => xs[xs.length - 1] ?? null;
  const g = r.generalization;
  return {
    out: outDir,
    files: files.map((f) => join(outDir, f.name)),
    run,
    config: r.config,
    outcome: r.outcome,
    final: { stage1: last(r.stage1), stage2: last(r.stage2) },
    maxMargin: r.maxMargin ? { method: r.maxMargin.method, prop2Gap: r.maxMargin.prop2Gap, kktResidual: r.maxMargin.kktResidual } : null,
    ...(r.reference.kind === 'graph-svm' ? { reference: r.reference } : {}),
    generalization: g ? { correct: g.cases.filter((c) => c.correct).length, cases: g.cases.length, accuracy: g.accuracy, rankingHolds: g.rankingHolds } : null,
    trainingMs: r.trainingMs,
    warnings,
  };
}

function summary(r: TrainResult, outDir: string, figureFile: string | null): string {
  const last = <T>(xs: T[]) => xs[xs.length - 1];
  const fmt = (x: number | null | undefined, digits = 4) => (x === null || x === undefined ? 'n/a' : x.toPrecision(digits));
  const lines: string[] = [];
  const c = r.config;
  lines.push(`${c.algorithm} on ${c.samples} samples, |V| = ${c.V}, d = ${c.d} (${c.embedding}), ${c.backend} ${c.precision}: ${r.trainingMs.toFixed(1)} ms of training`);
  for (const [name, recs, outcome] of [['stage 1', r.stage1, r.outcome.stage1], ['stage 2', r.stage2, r.outcome.stage2]] as const) {
    const e = last(recs as { step: number; loss: number; norm: number; cosine: number | null }[]);
    if (!e) continue;
    const ref = name === 'stage 2' && r.reference.label === 'W_svm' ? 'W_svm' : 'W*';
    lines.push(`  ${name}: ${outcome?.status ?? 'not run'} at step ${e.step}; loss ${fmt(e.loss)}, norm ${fmt(e.norm)}, cos(W, ${ref}) ${fmt(e.cosine, 10)}`);
  }
  const ref = r.reference;
  if (ref.kind === 'graph-svm') lines.push(`  graph-SVM: ${ref.status}, ‖W_svm‖_F ${fmt(ref.norm)}, KKT residual ${fmt(ref.kkt, 2)}`);
  if (r.maxMargin) lines.push(`  max margin: Proposition-2 gap ${fmt(r.maxMargin.prop2Gap)}, KKT residual ${fmt(r.maxMargin.kktResidual, 2)}`);
  const g = r.generalization;
  if (g) lines.push(`  generalization: ${g.cases.filter((x) => x.correct).length}/${g.cases.length} unseen contexts as the theory predicts; ranking holds for ${fmt(g.rankingHolds === null ? null : g.rankingHolds * 100, 3)}% of queries`);
  const fig = figureFile === 'figure.svg' ? 'figure.svg (Figure 2), ' : figureFile ? `${figureFile} (Figure 2's Vega-Lite spec), ` : '';
  lines.push(`  wrote ${outDir}/${fig}trajectory.json, trajectory.csv, model.json, maxmargin.json`);
  return lines.join('\n') + '\n';
}
