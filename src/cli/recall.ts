// `ntp recall`: one run of the recall family, or one of the paper's experiments, with figures.

import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { VegaLiteSpec as TopLevelSpec } from '../figure/spec-type.js';
import { type CliIO, parseCommandArgs, parseFloatFlag, parseIntFlag, processIO, runCommand } from './io.js';
import { NtpError } from '../errors.js';
import { writeFilesAtomic, type OutputFile } from '../io/files.js';
import { EXPERIMENTS, runExperiment, type ExperimentName } from '../tasks/recall/experiments.js';
import { runSpec } from '../tasks/recall/figure.js';
import { resolveRecallRun, runRecall, type RecallRunOptions, type RecallTrajectory } from '../tasks/recall/run.js';

export const RECALL_USAGE = `Usage: ntp recall [options]

Train a one-layer transformer on in-context recall with a noise token (Nguyen & Nguyen-Tang
2025; SPEC §11) by per-tensor normalized GD from zero init, and compare its loss with the
Bayes risk h(α).

Options:
  --model NAME         origin (W, V, F train; default), reparam (λ per trigger / Λ), reparam-w (W trains)
  --attention NAME     linear (default), relu or softmax
  --kappa K            1 (default: F sees x_H + attention output, "-FA") or 0 ("-F")
  --alpha A            probability of the noise token as target, in [0, 1) (default 0, noiseless)
  --vocab N            vocabulary size N (default 60)
  --triggers Q         triggers 0…Q−1 (default 5)
  --outputs Y          outputs Q…Q+Y−1 (default 4)
  --context H          context length (default 256)
  --d D                declared embedding dimension, >= 2N (default 2N; coordinates past 2N are inert)
  --batch B            sentences per step (default 512)
  --steps T            training steps (default 2000; finite-sample experiments 400)
  --eta E              step size η (default 0.1)
  --every K            record every K steps (default 20; one epoch with --samples)
  --samples M          train on M fixed sentences (finite-sample run); default: a fresh batch each step
  --eval-size S        held-out population sentences for the excess risk and logits (default 1024)
  --test-size S        unseen-output test sentences (default 512)
  --seed S             seed (default 0)
  --precision P        f64 (default) or f32
  --backend NAME       wasm (default) or js
  --threads N          threads of a step (default 1; wasm backend)
  --experiment NAME    run one of the paper's experiments instead of a single run:
                       ${EXPERIMENTS.join(', ')}
  --no-figure          skip the SVG figures
  --out DIR            output directory (default out/recall)
  -h, --help           show this help

A single run writes DIR/trajectory.json (bayesRisk, records {step, loss, testLoss, excessRisk,
…}) and DIR/figure.svg; an experiment writes DIR/NAME.json and one SVG per figure; all or none.
`;

const FLAGS: Record<string, string> = { evalSize: '--eval-size', testSize: '--test-size' };
const flagOf = (key: string): string => FLAGS[key] ?? `--${key}`;

async function svgOf(spec: TopLevelSpec): Promise<string> {
  const { renderVegaLiteSvg } = await import('../figure/svg.js');
  return renderVegaLiteSvg(spec);
}

const fmt = (x: number | null) => (x === null ? '—' : Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(3) : x.toFixed(6));

/** `ntp recall` */
export async function runRecallCli(argv: string[], io: CliIO = processIO): Promise<number> {
  return runCommand('recall', io, async () => {
    const { values } = parseCommandArgs('recall', () =>
      parseArgs({
        args: argv,
        strict: true,
        allowPositionals: false,
        options: {
          model: { type: 'string' }, attention: { type: 'string' }, kappa: { type: 'string' }, alpha: { type: 'string' },
          vocab: { type: 'string' }, triggers: { type: 'string' }, outputs: { type: 'string' }, context: { type: 'string' },
          d: { type: 'string' }, batch: { type: 'string' }, steps: { type: 'string' }, eta: { type: 'string' },
          every: { type: 'string' }, samples: { type: 'string' }, 'eval-size': { type: 'string' }, 'test-size': { type: 'string' },
          seed: { type: 'string' }, precision: { type: 'string' }, backend: { type: 'string' }, experiment: { type: 'string' },
          'no-figure': { type: 'boolean' }, out: { type: 'string' }, threads: { type: 'string' }, help: { type: 'boolean', short: 'h' },
        },
      }),
    );
    if (values.help) {
      io.stdout(RECALL_USAGE);
      return 0;
    }
    const opts: RecallRunOptions = {
      model: values.model as RecallRunOptions['model'],
      attention: values.attention as RecallRunOptions['attention'],
      kappa: parseIntFlag('--kappa', values.kappa) as 0 | 1 | undefined,
      alpha: parseFloatFlag('--alpha', values.alpha),
      vocab: parseIntFlag('--vocab', values.vocab),
      triggers: parseIntFlag('--triggers', values.triggers),
      outputs: parseIntFlag('--outputs', values.outputs),
      context: parseIntFlag('--context', values.context),
      d: parseIntFlag('--d', values.d),
      batch: parseIntFlag('--batch', values.batch),
      steps: parseIntFlag('--steps', values.steps),
      eta: parseFloatFlag('--eta', values.eta),
      every: parseIntFlag('--every', values.every),
      samples: parseIntFlag('--samples', values.samples),
      evalSize: parseIntFlag('--eval-size', values['eval-size']),
      testSize: parseIntFlag('--test-size', values['test-size']),
      seed: parseIntFlag('--seed', values.seed),
      precision: values.precision as RecallRunOptions['precision'],
      backend: values.backend as RecallRunOptions['backend'],
      threads: parseIntFlag('--threads', values.threads),
    };
    const outDir = values.out ?? join('out', 'recall');
    const figures = !values['no-figure'];
    const files: OutputFile[] = [];
    const warn = (t: RecallTrajectory) => {
      for (const w of t.warnings) io.stderr(`warning: ${t.label}: ${w}\n`);
    };
    if (values.experiment !== undefined) {
      const name = values.experiment as ExperimentName;
      if (!EXPERIMENTS.includes(name)) throw new NtpError('usage', `option --experiment must be one of ${EXPERIMENTS.join(', ')} (got ${JSON.stringify(name)})`);
      // every config is validated before the first run starts
      resolveRecallRun({ ...opts, kappa: opts.kappa ?? 1 }, flagOf);
      const result = await runExperiment(name, opts, (t) => {
        io.stderr(`${t.label} α = ${t.config.alpha}: ${t.status}, loss ${fmt(t.final.loss)}, test ${fmt(t.final.testLoss)}, excess ${fmt(t.final.excessRisk)}\n`);
        warn(t);
      });
      files.push({ path: join(outDir, `${name}.json`), content: JSON.stringify({ name, summary: result.summary, runs: result.runs }, null, 1) + '\n' });
      if (figures) for (const f of result.figures) files.push({ path: join(outDir, `${f.name}.svg`), content: await svgOf(f.spec) });
      await writeFilesAtomic(files);
      const keys = Object.keys(result.summary[0] ?? {});
      io.stdout(keys.join('\t') + '\n');
      for (const r of result.summary) io.stdout(keys.map((k) => (typeof r[k] === 'number' && !['alpha', 'step', 'steps'].includes(k) ? fmt(r[k] as number) : String(r[k]))).join('\t') + '\n');
      io.stdout(`wrote ${files.map((f) => f.path).join(', ')}\n`);
      return 0;
    }
    resolveRecallRun(opts, flagOf);
    const t = await runRecall(opts);
    warn(t);
    files.push({ path: join(outDir, 'trajectory.json'), content: JSON.stringify(t, null, 1) + '\n' });
    if (figures) files.push({ path: join(outDir, 'figure.svg'), content: await svgOf(runSpec(t)) });
    await writeFilesAtomic(files);
    io.stdout(`${t.label}, α = ${t.config.alpha}: ${t.status} after ${t.steps} steps; loss ${fmt(t.final.loss)}, unseen-output test loss ${fmt(t.final.testLoss)}, Bayes risk h(α) = ${fmt(t.bayesRisk)}, excess risk ${fmt(t.final.excessRisk)}\n`);
    io.stdout(`wrote ${files.map((f) => f.path).join(', ')}\n`);
    return t.status === 'diverged' ? 1 : 0;
  });
}
