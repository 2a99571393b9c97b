// The paper's experiments (Nguyen & Nguyen-Tang 2025, §5; docs/theory/recall.md#worked-examples)
// as API calls: each runs its configs through runRecall and returns the trajectories, Vega-Lite
// specs of its figures, and a summary table. Each experiment's options are the run's, less the
// ones it fixes, with its own defaults.

import { NtpError } from '../../errors.js';
import type { ExperimentResult as CommonExperimentResult, Figure, SummaryRow } from '../../family/result.js';
import { worstStatus } from '../../family/result.js';
import { omitOptions, resolveOptions, withDefaults, type OptionsOf, type ResolvedOf } from '../../family/schema.js';
import type { RecallAttention, RecallModelKind } from './config.js';
import { bayesRule, panelsSpec, type Panel } from './figure.js';
import { RECALL_OPTIONS, checkRecallRun } from './options.js';
import { binaryEntropy, reparamKappa0Floor, reparamNoisyLoss, reparamSoftmaxFloor } from './reference.js';
import { modelLabel, runRecall, type RecallRunOptions, type RecallTrajectory } from './run.js';

export const EXPERIMENTS = ['figure1', 'figure2', 'alpha-sweep', 'logits', 'closed-forms'] as const;
export type ExperimentName = (typeof EXPERIMENTS)[number];

/** A model of the paper: kind, attention, κ. */
export type ModelSpec = [RecallModelKind, RecallAttention, 0 | 1];

/** the finite-sample experiments' defaults: M = 2048 sentences, 400 steps, η = 0.1, 20480 held-out sentences */
const FINITE = { samples: 2048, steps: 400, eta: 0.1, evalSize: 20480 } as const;

/** Each experiment's options: the run's, less what the experiment fixes, with its defaults. */
export const EXPERIMENT_OPTIONS = {
  figure1: omitOptions(RECALL_OPTIONS, ['model', 'attention', 'kappa', 'alpha', 'samples']),
  figure2: withDefaults(omitOptions(RECALL_OPTIONS, ['model', 'attention', 'kappa']), { ...FINITE, alpha: 0.5 }),
  'alpha-sweep': omitOptions(RECALL_OPTIONS, ['alpha']),
  logits: withDefaults(omitOptions(RECALL_OPTIONS, ['model', 'attention', 'kappa', 'alpha']), FINITE),
  'closed-forms': withDefaults(omitOptions(RECALL_OPTIONS, ['model', 'attention', 'kappa', 'alpha', 'samples']), { steps: 200, eta: 0.1, every: 10 }),
} as const;

/** The options of experiment `N`, as a caller passes them. */
export type RecallExperimentOptions<N extends ExperimentName> = OptionsOf<(typeof EXPERIMENT_OPTIONS)[N]>;

/** The runs of an experiment (each a full trajectory). */
export interface RecallExperimentData {
  runs: RecallTrajectory[];
}

/** What a recall experiment returns: the common experiment result with the runs' trajectories as `data.runs`. */
export type ExperimentResult = CommonExperimentResult<RecallExperimentData>;

const FIGURE1: ModelSpec[] = [['reparam', 'linear', 1], ['reparam', 'softmax', 1], ['reparam-w', 'linear', 1], ['origin', 'linear', 1], ['origin', 'softmax', 0]];
const FIGURE2: ModelSpec[] = [['reparam', 'relu', 1], ['reparam-w', 'relu', 1], ['origin', 'relu', 1]];
const LOGITS: ModelSpec[] = [['reparam', 'linear', 1], ['reparam-w', 'linear', 1], ['origin', 'linear', 1]];

/** a trajectory relabelled (the figures colour runs by label) */
const relabel = (t: RecallTrajectory, label: string): RecallTrajectory => ({ ...t, label });

/**
 * Runs one of the paper's experiments. `base` overrides the run options of every config
 * (steps, batch, context, seed, backend, …); the experiment fixes the models, α and, for the
 * finite-sample ones, M = 2048 and η = 0.1 unless given. `onRun` sees each finished run.
 */
export async function runExperiment<N extends ExperimentName>(name: N, options: RecallExperimentOptions<N> = {}, onRun?: (t: RecallTrajectory) => void): Promise<ExperimentResult> {
  if (!EXPERIMENTS.includes(name)) throw new NtpError('invalid-option', `unknown experiment ${JSON.stringify(name)}; one of ${EXPERIMENTS.join(', ')}`);
  const base = resolveOptions(EXPERIMENT_OPTIONS[name], options, { fn: `recall.experiment(${JSON.stringify(name)})` }) as ResolvedOf<(typeof EXPERIMENT_OPTIONS)['closed-forms']> & Partial<RecallRunOptions>;
  // every config is checked before the first run starts
  checkRecallRun({ ...resolveOptions(RECALL_OPTIONS, { kappa: 1, ...base }, { fn: 'recall' }) });
  const runs: RecallTrajectory[] = [];
  const go = async (o: RecallRunOptions) => {
    const t = await runRecall({ ...base, ...o });
    runs.push(t);
    onRun?.(t);
    return t;
  };
  const figures: ExperimentResult['figures'] = [];
  const finite = { samples: base.samples ?? 0, steps: base.steps, eta: base.eta, evalSize: base.evalSize };
  if (name === 'figure1') {
    for (const alpha of [0, 0.5]) {
      const group: RecallTrajectory[] = [];
      for (const [model, attention, kappa] of FIGURE1) group.push(await go({ model, attention, kappa, alpha, samples: 0 }));
      const h = binaryEntropy(alpha);
      const first2 = FIGURE1.slice(0, 2).map(([m, a, k]) => modelLabel(m, a, k));
      const pr: Panel = alpha > 0
        ? { field: 'prNoise', title: 'Pr(noise token)', rules: [{ value: alpha, label: `α = ${alpha}` }], only: first2 }
        : { field: 'prOutput', title: 'Pr(output token)', rules: [{ value: 1, label: '1' }], only: first2 };
      figures.push({
        name: `figure1-alpha${alpha}`,
        spec: panelsSpec(`Figure 1: population runs, α = ${alpha}`, group, [
          { field: 'loss', title: 'population loss', rules: [bayesRule(h, alpha)] },
          { field: 'testLoss', title: 'unseen-output test loss', rules: [bayesRule(h, alpha)] },
          pr,
        ]),
      });
    }
  } else if (name === 'figure2') {
    const alpha = base.alpha ?? 0.5;
    for (const [model, attention, kappa] of FIGURE2) await go({ model, attention, kappa, alpha, ...finite });
    const h = binaryEntropy(alpha);
    figures.push({
      name: 'figure2',
      spec: panelsSpec(`Figure 2: finite-sample runs (M = ${finite.samples}), α = ${alpha}, ReLU attention`, runs, [
        { field: 'populationLoss', title: 'population loss', rules: [bayesRule(h, alpha)] },
        { field: 'testLoss', title: 'unseen-output test loss', rules: [bayesRule(h, alpha)] },
      ], 'epoch'),
    });
  } else if (name === 'alpha-sweep') {
    const c = resolveOptions(RECALL_OPTIONS, { ...base, alpha: 0 }, { fn: 'recall.experiment("alpha-sweep")' });
    const group: RecallTrajectory[] = [];
    for (const alpha of [0, 0.2, 0.5, 0.8]) group.push(relabel(await go({ model: c.model, attention: c.attention, kappa: c.kappa, alpha }), `α = ${alpha}`));
    const label = modelLabel(c.model, c.attention, c.kappa);
    const x = c.samples > 0 ? 'epoch' : 'step';
    const rules = [bayesRule(binaryEntropy(0.2), 0.2), bayesRule(binaryEntropy(0.5), 0.5)];
    figures.push({
      name: `alpha-sweep-${label}`,
      spec: panelsSpec(`${label}: α sweep`, group, [
        { field: x === 'epoch' ? 'populationLoss' : 'loss', title: 'population loss', rules },
        { field: 'testLoss', title: 'unseen-output test loss', rules },
      ], x),
    });
  } else if (name === 'closed-forms') {
    return closedForms(base, go, runs);
  } else {
    for (const alpha of [0.2, 0.5, 0.8]) {
      const group: RecallTrajectory[] = [];
      for (const [model, attention, kappa] of LOGITS) group.push(await go({ model, attention, kappa, alpha, ...finite }));
      const h = binaryEntropy(alpha);
      figures.push({
        name: `logits-alpha${alpha}`,
        spec: panelsSpec(`Layer-wise logits, finite-sample runs, α = ${alpha}, η = ${finite.eta}`, group, [
          { field: 'xiAOutput', name: 'ξ_A[y]', also: [{ field: 'xiAMax', name: 'max ξ_A' }], title: 'attention logits' },
          { field: 'xiFNoise', name: 'ξ_F[τ]', also: [{ field: 'xiFMax', name: 'max ξ_F' }], title: 'feed-forward logits' },
          { field: 'populationLoss', title: 'population loss', rules: [bayesRule(h, alpha)] },
          { field: 'testLoss', title: 'unseen-output test loss', rules: [bayesRule(h, alpha)] },
        ], 'epoch'),
      });
    }
  }
  const summary = runs.map((t) => ({
    model: modelLabel(t.config.model, t.config.attention, t.config.kappa),
    alpha: t.config.alpha,
    steps: t.steps,
    status: t.status,
    bayesRisk: t.bayesRisk,
    loss: t.final.loss,
    populationLoss: t.final.populationLoss,
    testLoss: t.final.testLoss,
    excessRisk: t.final.excessRisk,
    testExcessRisk: t.final.testExcessRisk,
    pr: t.config.alpha > 0 ? t.final.prNoise : t.final.prOutput,
  }));
  return result(name, base, runs, figures, summary);
}

function result(name: ExperimentName, config: object, runs: RecallTrajectory[], figures: Figure[], summary: SummaryRow[]): ExperimentResult {
  return { family: 'recall', name, status: worstStatus(runs.map((t) => t.status)), config: { ...config }, data: { runs }, summary, figures, warnings: runs.flatMap((t) => t.warnings.map((w) => `${t.label}, α = ${t.config.alpha}: ${w}`)) };
}

/**
 * docs/theory/recall.md#bayes-optimal-predictor-and-closed-forms against training: Reparam-Linear-FA (L̂ₜ = h(α) + ln(1 + (1−α)(N−2)·exp(−ηt)),
 * Λₜ = ηt), Reparam-Softmax-FA (its floors, η = 0.5) and Reparam-Linear-F (κ = 0: the best
 * loss over Λ, which NGD with a fixed η approaches to O(η²)). Population runs.
 */
async function closedForms(base: ResolvedOf<(typeof EXPERIMENT_OPTIONS)['closed-forms']>, go: (o: RecallRunOptions) => Promise<RecallTrajectory>, runs: RecallTrajectory[]): Promise<ExperimentResult> {
  const summary: SummaryRow[] = [];
  const N = base.vocab;
  const steps = base.steps;
  const eta = base.eta;
  const linear: RecallTrajectory[] = [];
  for (const alpha of [0.2, 0.5, 0.8]) {
    const t = relabel(await go({ model: 'reparam', attention: 'linear', kappa: 1, alpha, steps, eta, every: base.every, samples: 0 }), `α = ${alpha}`);
    linear.push(t);
    for (const r of t.records) {
      if (![0, 10, 50, 100, 200].includes(r.step) && r !== t.final) continue;
      const closed = reparamNoisyLoss(N, alpha, eta * r.step);
      summary.push({ model: 'Reparam-Linear-FA', alpha, step: r.step, quantity: 'L̂ₜ', measured: r.lossHat, closedForm: closed, absDiff: Math.abs(r.lossHat - closed) });
    }
    const lam = Math.max(...t.records.map((r) => Math.abs((r.lambda ?? NaN) - eta * r.step)));
    summary.push({ model: 'Reparam-Linear-FA', alpha, step: t.final.step, quantity: 'maxₜ |Λₜ − ηt|', measured: lam, closedForm: 0, absDiff: lam });
  }
  for (const alpha of [0, 0.2, 0.5, 0.8]) {
    const t = await go({ model: 'reparam', attention: 'softmax', kappa: 1, alpha, steps: Math.max(steps, 400), eta: 0.5, every: 100, samples: 0 });
    const floor = reparamSoftmaxFloor(N, alpha);
    summary.push({ model: 'Reparam-Softmax-FA', alpha, step: t.final.step, quantity: 'L̂ floor', measured: t.final.lossHat, closedForm: floor, absDiff: Math.abs(t.final.lossHat - floor) });
  }
  for (const alpha of [0.2, 0.5, 0.8]) {
    const t = await go({ model: 'reparam', attention: 'linear', kappa: 0, alpha, steps, eta, every: 1, samples: 0 });
    const best = Math.min(...t.records.map((r) => r.lossHat));
    const floor = reparamKappa0Floor(N, alpha);
    summary.push({ model: 'Reparam-Linear-F', alpha, step: t.final.step, quantity: 'minₜ L̂ₜ (κ = 0 floor)', measured: best, closedForm: floor, absDiff: Math.abs(best - floor) });
  }
  const figures = [{
    name: 'closed-forms',
    spec: panelsSpec(`Reparam-Linear-FA: L̂ₜ against h(α) + ln(1 + (1−α)(N−2)·exp(−ηt)), N = ${N}, η = ${eta}`, linear, [
      { field: 'lossHat', name: 'L̂', also: [{ field: 'closedFormLoss', name: 'closed form' }], title: 'L̂ₜ' },
      { field: 'excessRisk', title: 'excess risk L̂ − h(α)', log: true },
    ]),
  }];
  return result('closed-forms', base, runs, figures, summary);
}
