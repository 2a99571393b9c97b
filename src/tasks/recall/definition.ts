// The recall family defined once: one run (`ntp recall train`, `recall.train`), the paper's
// experiments (`ntp recall experiment NAME`, `recall.experiment`), their options and outputs.

import { defineCommand, defineFamily, type Presentation } from '../../family/definition.js';
import type { SummaryRow } from '../../family/result.js';
import { EXPERIMENTS, EXPERIMENT_OPTIONS, runExperiment, type ExperimentName, type ExperimentResult } from './experiments.js';
import { runSpec } from './figure.js';
import { RECALL_OPTIONS, checkRecallRun, planRecallRun } from './options.js';
import { runRecall, type RecallTrajectory } from './run.js';

const fmt = (x: number | null) => (x === null ? 'n/a' : Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(3) : x.toFixed(6));

/** One run: zero init, per-tensor normalized GD, records of the losses against the Bayes risk. */
export const recallTrain = defineCommand({
  summary: 'train a one-layer transformer on in-context recall with a noise token by per-tensor normalized GD from zero init, against the Bayes risk h(α)',
  description: 'Writes DIR/trajectory.json (bayesRisk, records {step, loss, testLoss, excessRisk, …}) and the figure (losses with h(α), Pr(output) or Pr(noise)), all or none.',
  options: RECALL_OPTIONS,
  jsonName: 'trajectory',
  check: (o, nameOf) => checkRecallRun(o, nameOf),
  plan: (o) => planRecallRun(o),
  run: (o, ctx) =>
    runRecall(o, (r) => {
      ctx.progress(r.step, o.steps, r.loss);
    }),
  present(t: RecallTrajectory): Presentation {
    return {
      status: t.status,
      json: t,
      lines: [`${t.label}, α = ${t.config.alpha}: ${t.status} after ${t.steps} steps; loss ${fmt(t.final.loss)}, unseen-output test loss ${fmt(t.final.testLoss)}, Bayes risk h(α) = ${fmt(t.bayesRisk)}, excess risk ${fmt(t.final.excessRisk)}`],
      figures: [{ name: 'figure', spec: runSpec(t) }],
      warnings: t.warnings.map((w) => `${t.label}: ${w}`),
    };
  },
  sweep: {
    every: 'every',
    status: (t) => t.status,
    final: (t) => ({ ...t.final }),
    records: (t) => t.records.map((r) => ({ ...r })),
    extra: (t) => ({ label: t.label, bayesRisk: t.bayesRisk, gamma: t.gamma, alphaHat: t.alphaHat, warnings: t.warnings }),
  },
});

const EXPERIMENT_SUMMARY: Record<ExperimentName, string> = {
  figure1: 'population runs of five models at α = 0 and 0.5 (the paper\'s Figure 1)',
  figure2: 'finite-sample runs (M = 2048) of three ReLU models at α = 0.5 (the paper\'s Figure 2)',
  'alpha-sweep': 'one model at α = 0, 0.2, 0.5, 0.8',
  logits: 'layer-wise logits ξ_A and ξ_F of three linear models, finite-sample runs at α = 0.2, 0.5, 0.8',
  'closed-forms': 'training against the closed forms: Reparam-Linear-FA\'s L̂ₜ and Λₜ, the softmax and κ = 0 floors',
};

/** runs per experiment, for the progress bar */
const RUNS: Record<ExperimentName, number> = { figure1: 10, figure2: 3, 'alpha-sweep': 4, logits: 9, 'closed-forms': 10 };

function presentExperiment(r: ExperimentResult): Presentation {
  return {
    status: r.status,
    json: { name: r.name, config: r.config, summary: r.summary, runs: r.data.runs },
    lines: [`${r.name}: ${r.data.runs.length} runs, ${r.status}`],
    summary: r.summary as SummaryRow[],
    figures: r.figures,
    warnings: r.warnings,
  };
}

function experimentCommand(name: ExperimentName) {
  return defineCommand({
    summary: EXPERIMENT_SUMMARY[name],
    description: `Writes DIR/${name}.json (the summary table and every run's trajectory) and the figures, all or none.`,
    options: EXPERIMENT_OPTIONS[name],
    jsonName: name,
    plan: (o) => planRecallRun({ model: 'origin', attention: 'linear', kappa: 1, alpha: 0, samples: 0, ...o } as Parameters<typeof planRecallRun>[0]),
    run: (o, ctx) => {
      let done = 0;
      return runExperiment(name, o as never, (t) => {
        ctx.progress(++done, RUNS[name], t.final.loss);
        for (const w of t.warnings) ctx.warn(`${t.label}, α = ${t.config.alpha}: ${w}`);
      });
    },
    present: presentExperiment,
  });
}

/** The recall family (Nguyen & Nguyen-Tang 2025). */
export const recallDefinition = defineFamily({
  name: 'recall',
  title: 'In-context recall with a noise token: one-layer transformers against the Bayes risk',
  paper: 'Nguyen & Nguyen-Tang 2025',
  theory: 'docs/theory/recall.md',
  train: recallTrain,
  experiments: Object.fromEntries(EXPERIMENTS.map((n) => [n, experimentCommand(n)])) as { [N in ExperimentName]: ReturnType<typeof experimentCommand> },
  legacy(argv) {
    // before this release: `ntp recall [flags]` and `ntp recall --experiment NAME [flags]`
    if (argv.length > 0 && !argv[0].startsWith('-')) return null;
    if (argv.includes('--help') || argv.includes('-h')) return null;
    const i = argv.findIndex((a) => a === '--experiment' || a.startsWith('--experiment='));
    if (i < 0) return { argv: ['train', ...argv], note: '"ntp recall [options]" is now "ntp recall train [options]"; the old form is read for one release' };
    const name = argv[i].includes('=') ? argv[i].slice(argv[i].indexOf('=') + 1) : (argv[i + 1] ?? '');
    const rest = argv.filter((_, j) => j !== i && (argv[i].includes('=') || j !== i + 1));
    return { argv: ['experiment', name, ...rest], note: `"ntp recall --experiment ${name}" is now "ntp recall experiment ${name}"; the old form is read for one release` };
  },
});
