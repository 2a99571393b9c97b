// The factorized family defined once: one run on a user's dataset (`ntp factorized train`,
// `factorized.train`), their experiments (`ntp factorized experiment local|rank`,
// `factorized.experiment`), their options and outputs.

import type { Dataset } from '../../dataset/types.js';
import { defineCommand, defineFamily, type Presentation } from '../../family/definition.js';
import { experimentRunner } from '../run-many.js';
import { checkLocalExperiment, checkSeeds, localConvergenceExperiment, localConvergenceTable, rankStudy, rankTable, type LocalConvergenceExperiment, type RankStudy } from './experiments.js';
import { localConvergenceFigureSpec, rankStudyFigureSpec, trainFigureSpec } from './figure.js';
import { LOCAL_OPTIONS, RANK_OPTIONS, TRAIN_OPTIONS, checkTrain, planLocal, planRank, planTrain } from './options.js';
import { trainFactorized, type FactorizedTrainResult } from './train.js';

const fmt = (x: number | null) => (x === null ? 'n/a' : Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(3) : x.toFixed(6));

/** One run on a dataset: stage 1 on W_ov, stage 2 on the factors, against both max-margin directions. */
export const factorizedTrain = defineCommand({
  summary: 'train W_kq = K_f·Q_fᵀ on a dataset (stage 1 on W_ov, then per-factor NGD) against the Frobenius and the nuclear-norm max-margin directions',
  description: 'Writes DIR/trajectory.json (the SVMs with their certificates: frobenius.kktResidual, nuclear.relativeGap; records {step, loss, cosF, cosStar, froRatio, nucRatio, rank, …}; the final K_f·Q_fᵀ) and the figure (loss, cosines), all or none.',
  options: TRAIN_OPTIONS,
  data: 'required',
  jsonName: 'trajectory',
  check: (o, nameOf, ds) => checkTrain(o, nameOf, ds),
  plan: (o, ds) => planTrain(o, ds),
  run: (o, ctx) => trainFactorized(ctx.dataset as Dataset, o, ctx),
  present(t: FactorizedTrainResult): Presentation {
    const f = t.final;
    return {
      status: t.status,
      json: t,
      lines: [
        `factorized, |V| = ${t.vocab}, d = ${t.d}, m = ${t.m}: ${t.status} after ${t.config.t0} stage-1 and ${t.steps} stage-2 steps; loss ${fmt(f.loss)}`,
        `cos(K_f·Q_fᵀ, W_F) = ${fmt(f.cosF)}, cos(K_f·Q_fᵀ, W_*) = ${fmt(f.cosStar)}, Fro-ratio ${fmt(f.froRatio)}, nuc-ratio ${fmt(f.nucRatio)}, rank ${f.rank}`,
        `W_F: ‖W_F‖ = ${fmt(t.frobenius.norm)}, rank ${t.frobenius.rank}, kktResidual ${t.frobenius.kktResidual.toExponential(2)}; W_*: ν* ≥ ${fmt(t.nuclear.lowerBound)}, rank ${t.nuclear.rank}, ${t.nuclear.status} (relative gap ${t.nuclear.relativeGap.toExponential(2)}); ${t.constraints} constraints`,
      ],
      figures: [{ name: 'figure', spec: trainFigureSpec(t) }],
      warnings: t.warnings,
    };
  },
});

function presentExperiment(r: LocalConvergenceExperiment | RankStudy, lines: string[], table: { name: string; content: string }): Presentation {
  return { status: r.status, json: { name: r.name, config: r.config, summary: r.summary, ...r.data }, lines, summary: r.summary, files: [table], figures: r.figures, warnings: r.warnings };
}

const localCommand = defineCommand({
  summary: 'their local_converge: W and (K, Q) trained by per-parameter NGD on random instances, correlations with the local SVMs of the tokens each selected (mean ± std over runs)',
  description: 'Writes DIR/local.json (bands per step and metric), DIR/local.md (their table) and the figure, all or none.',
  options: LOCAL_OPTIONS,
  jsonName: 'local',
  check: (o, nameOf) => checkLocalExperiment(o, nameOf),
  plan: (o) => planLocal(o),
  run: async (o, ctx) => {
    const e = await localConvergenceExperiment(o, { runMany: await experimentRunner(o.workers, (k, n) => ctx.progress(k, n)) });
    return { ...e, figures: [{ name: 'local', spec: localConvergenceFigureSpec(e.data) }] };
  },
  present: (e: LocalConvergenceExperiment) =>
    presentExperiment(e, [`local: ${e.data.runs} runs, ${e.status}; local SVMs infeasible: W ${e.data.infeasible.W}, KQ ${e.data.infeasible.KQ}`], { name: 'local.md', content: `# Local convergence (${e.data.runs} runs)\n\n${localConvergenceTable(e.data)}` }),
});

const rankCommand = defineCommand({
  summary: 'their svm_rank: ranks of the global Frobenius and nuclear-norm SVMs of random instances against d',
  description: 'Writes DIR/rank.json (one point per series and d), DIR/rank.md (the table) and the figure, all or none.',
  options: RANK_OPTIONS,
  jsonName: 'rank',
  check: (o, nameOf) => checkSeeds(o, nameOf),
  plan: (o) => planRank(o),
  run: async (o, ctx) => {
    const e = await rankStudy(o, { runMany: await experimentRunner(o.workers, (k, n) => ctx.progress(k, n)) });
    return { ...e, figures: [{ name: 'rank', spec: rankStudyFigureSpec(e.data.points) }] };
  },
  present: (e: RankStudy) => presentExperiment(e, [`rank: ${e.data.points.length} points, ${e.status}`], { name: 'rank.md', content: `# SVM rank study\n\n${rankTable(e.data.points)}` }),
});

/** The factorized-attention family (Tarzanagh et al. 2023). */
export const factorizedDefinition = defineFamily({
  name: 'factorized',
  title: 'Factorized attention W_kq = K·Qᵀ against the Frobenius and the nuclear-norm max-margin directions',
  paper: 'Tarzanagh et al. 2023',
  theory: 'docs/theory/factorized.md',
  train: factorizedTrain,
  experiments: { local: localCommand, rank: rankCommand },
  legacy(argv) {
    // before this release: `ntp factorized local|rank [flags]`
    const [verb, ...rest] = argv;
    if (verb !== 'local' && verb !== 'rank') return null;
    return { argv: ['experiment', verb, ...rest], note: `"ntp factorized ${verb}" is now "ntp factorized experiment ${verb}"; the old form is read for one release` };
  },
});
