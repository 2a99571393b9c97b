// The paper's experiments (SPEC §11.6) as API calls: each runs its configs through runRecall
// and returns the trajectories, Vega-Lite specs of its figures, and a summary table.

import type { TopLevelSpec } from 'vega-lite';
import { NtpError } from '../../errors.js';
import type { RecallAttention, RecallModelKind } from './config.js';
import { bayesRule, panelsSpec, type Panel } from './figure.js';
import { binaryEntropy } from './reference.js';
import { modelLabel, resolveRecallRun, runRecall, type RecallRunOptions, type RecallTrajectory } from './run.js';

export const EXPERIMENTS = ['figure1', 'figure2', 'alpha-sweep', 'logits'] as const;
export type ExperimentName = (typeof EXPERIMENTS)[number];

/** A model of the paper: kind, attention, κ. */
export type ModelSpec = [RecallModelKind, RecallAttention, 0 | 1];

export interface ExperimentResult {
  name: ExperimentName;
  runs: RecallTrajectory[];
  figures: Array<{ name: string; spec: TopLevelSpec }>;
  /** one row per run: label, α, and the final record's main metrics */
  summary: Array<Record<string, string | number | null>>;
}

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
export async function runExperiment(name: ExperimentName, base: RecallRunOptions = {}, onRun?: (t: RecallTrajectory) => void): Promise<ExperimentResult> {
  if (!EXPERIMENTS.includes(name)) throw new NtpError('invalid-option', `unknown experiment ${JSON.stringify(name)}; one of ${EXPERIMENTS.join(', ')}`);
  const runs: RecallTrajectory[] = [];
  const go = async (o: RecallRunOptions) => {
    const t = await runRecall({ ...base, ...o });
    runs.push(t);
    onRun?.(t);
    return t;
  };
  const figures: ExperimentResult['figures'] = [];
  const finite = { samples: base.samples || 2048, steps: base.steps ?? 400, eta: base.eta ?? 0.1, evalSize: base.evalSize ?? 20480 };
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
    const alpha = base.alpha || 0.5;
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
    const c = resolveRecallRun({ ...base, kappa: base.kappa ?? 1 });
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
  return { name, runs, figures, summary };
}
