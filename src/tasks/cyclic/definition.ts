// The cyclic family defined once: one run on a dataset (`ntp cyclic train --data FILE`,
// `cyclic.train`), Li et al.'s global-convergence experiment (`ntp cyclic experiment global`,
// `cyclic.experiment('global')`), their options and outputs.

import { defineCommand, defineFamily, type Presentation } from '../../family/definition.js';
import type { SummaryRow } from '../../family/result.js';
import { experimentRunner } from '../run-many.js';
import { globalConvergence, type GlobalConvergenceResult } from './experiment.js';
import { runSpec } from './figure.js';
import { CYCLIC_TRAIN_OPTIONS, GLOBAL_OPTIONS, checkRun, planGlobal, planTrain } from './options.js';
import { runCyclicTrain, type CyclicTrainResult } from './train.js';

const p5 = (x: number | null | undefined) => (typeof x === 'number' ? x.toPrecision(5) : 'n/a');

/** The JSON of one run: the references (W_svm, W_fin as arrays), the records and the trained W. */
export function trainJSON(r: CyclicTrainResult): Record<string, unknown> {
  const { coeff: _c, ...svm } = r.svm as typeof r.svm & { coeff?: unknown };
  return {
    config: r.config,
    orbit: r.orbit,
    steps: r.steps,
    svm: { ...svm, W: Array.from(r.svm.W), K: Array.from(r.svm.K) },
    fin: { status: r.fin.status, norm: r.fin.norm, loss: r.fin.loss, gradNorm: r.fin.gradNorm, iterations: r.fin.iterations, dim: r.fin.space.dim, K: Array.from(r.fin.K), W: Array.from(r.fin.W) },
    floor: r.floor,
    frozen: r.frozen,
    W: Array.from(r.W),
    records: r.records,
  };
}

/** The lines `ntp cyclic train` prints: the graph-SVM, W_fin, and the run's end with A1–A10. */
export function trainLines(r: CyclicTrainResult): string[] {
  const out: string[] = [];
  const s = r.svm;
  out.push(s.status === 'optimal'
    ? `graph-SVM W_svm: optimal (${s.method}), ‖W_svm‖ = ${s.norm.toPrecision(6)}, KKT residual ${s.kkt.toExponential(1)}, ${s.edges.filter((e) => Math.abs(e.margin - 1) < 1e-9).length} active of ${s.edges.length} cross-SCC edges`
    : `graph-SVM W_svm: ${s.status}: ${s.message}`);
  const f = r.fin;
  out.push(`finite part W_fin (${r.config.head} head): ${f.status}, ‖W_fin‖ = ${f.norm.toPrecision(6)}, dim S_fin ${f.space.dim}, ${f.reduced.length} reduced samples, loss floor ${r.floor.toPrecision(6)}, |∇| ${f.gradNorm.toExponential(1)} after ${f.iterations} Newton iterations`);
  const m = r.records[r.records.length - 1];
  out.push(`run: ${r.status}${r.orbit ? ` (${r.orbit} orbit)` : ''} after ${r.steps} steps; loss ${m.loss.toPrecision(6)} (gap to the floor ${m.lossGap.toExponential(2)}), ‖W‖ ${m.norm.toPrecision(5)}`);
  out.push(`  A1 cos(W, W_svm) ${p5(m.cosSvm)}, A2 ${p5(m.cosDecomposition)}, A4 ${p5(m.cosProjected)}, A3 ‖ΠW − W_fin‖ ${p5(m.finiteGap)}, A5 top-SCC mass mean ${p5(m.topSccMean)} min ${p5(m.topSccMin)}, A6 ${p5(m.withinSccTv)}, R ${p5(m.R)}, A9 ${p5(m.residual)}, A10 ${p5(r.frozen)}`);
  return out;
}

/** One run on a dataset: the head trained by NGD or GD, measured against W_svm and W_fin. */
export const cyclicTrain = defineCommand({
  summary: 'train a stage-2 head (selection, gen or ce-frozen) on a dataset by NGD or GD, measured against the exact graph-SVM W_svm and finite part W_fin (A1–A10)',
  description: 'Any dataset of the package\'s format, cyclic token-priority orders included, with the embedding it holds (one-hot without one). Writes DIR/run.json (the graph-SVM, W_fin, the records of A1–A9, A10, the trained W) and the figure run (A1, A3, A5, A7 against the step), all or none.',
  options: CYCLIC_TRAIN_OPTIONS,
  data: 'required',
  jsonName: 'run',
  plan: (o, ds) => planTrain(o, ds!),
  run: (o, ctx) => runCyclicTrain(ctx.dataset!, o, (r) => ctx.progress(r.step, o.steps, r.loss)),
  present(r: CyclicTrainResult): Presentation {
    return { status: r.status, json: trainJSON(r), lines: trainLines(r), figures: [{ name: 'run', spec: runSpec(r) }], warnings: r.warnings };
  },
});

function presentGlobal(r: GlobalConvergenceResult): Presentation {
  const c = r.config;
  const band = (k: string) => {
    const b = r.data.final[k];
    return b ? `${p5(b.mean)} ± ${p5(b.std)}${b.n < r.data.runs.length ? ` (defined in ${b.n})` : ''}` : 'n/a';
  };
  return {
    status: r.status,
    json: { name: r.name, config: r.config, summary: r.summary, final: r.data.final, bands: r.data.bands, runs: r.data.runs },
    lines: [
      `Cyclic orders, global convergence: ${c.datasets} datasets, head ${c.head}, ${c.optimizer} eta ${c.eta}, ${c.steps} steps, init ${c.init}: ${r.status}`,
      `mean ± std: A1 cosSvm ${band('cosSvm')}; A2 cosDecomposition ${band('cosDecomposition')}; A4 cosProjected ${band('cosProjected')}; A3 finiteGap ${band('finiteGap')}; A5 topSccMean ${band('topSccMean')}`,
    ],
    summary: r.summary as SummaryRow[],
    figures: r.figures,
    warnings: r.warnings,
  };
}

/** Li et al.'s global-convergence experiment: random cyclic datasets, mean ± std over them. */
export const globalExperiment = defineCommand({
  summary: 'Li et al.\'s global convergence: random cyclic datasets (n = 6, T = 4, K = 6, d = 8), selection head by NGD from PyTorch-default init, mean ± std of A1, A3, A5 over the datasets',
  description: 'Each dataset is one run (on --workers threads). Writes DIR/global.json (the summary table, the final mean ± std, the bands and every run\'s final metrics) and the figure global (mean ± std bands of A1, A3, A5), all or none.',
  options: GLOBAL_OPTIONS,
  jsonName: 'global',
  check: (o, nameOf) => checkRun(o, nameOf),
  plan: (o) => planGlobal(o),
  run: async (o, ctx) => globalConvergence(o, await experimentRunner(o.workers, ctx.progress)),
  present: presentGlobal,
});

/** Rewrites `--out-dir X` / `--out-dir=X` to `--out`; null when absent. */
function outDirToOut(argv: readonly string[]): string[] | null {
  if (!argv.some((a) => a === '--out-dir' || a.startsWith('--out-dir='))) return null;
  return argv.map((a) => (a === '--out-dir' ? '--out' : a.startsWith('--out-dir=') ? `--out=${a.slice('--out-dir='.length)}` : a));
}

/** The cyclic family (Li et al. 2024). */
export const cyclicDefinition = defineFamily({
  name: 'cyclic',
  title: 'Cyclic token-priority orders: attention heads against the exact graph-SVM W_svm and finite part W_fin',
  paper: 'Li et al. 2024',
  theory: 'docs/theory/cyclic.md',
  train: cyclicTrain,
  experiments: { global: globalExperiment },
  legacy(argv) {
    // before this release: `ntp cyclic [flags]` ran the experiment, `ntp cyclic --data F` one run, `--out-dir` named the output
    const renamed = outDirToOut(argv);
    const args = renamed ?? [...argv];
    const notes = renamed ? ['--out-dir is now --out'] : [];
    if (args.length > 0 && !args[0].startsWith('-')) {
      return renamed ? { argv: args, note: `${notes[0]}; the old spelling is read for one release` } : null;
    }
    if (args.includes('--help') || args.includes('-h')) return null;
    const data = args.some((a) => a === '--data' || a.startsWith('--data='));
    notes.unshift(data ? '"ntp cyclic --data FILE [options]" is now "ntp cyclic train --data FILE [options]"' : '"ntp cyclic [options]" is now "ntp cyclic experiment global [options]"');
    return { argv: data ? ['train', ...args] : ['experiment', 'global', ...args], note: `${notes.join('; ')}; the old form is read for one release` };
  },
});
