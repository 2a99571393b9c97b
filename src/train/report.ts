import type { Dataset } from '../dataset/types.js';
import type { MaxMarginSolution } from '../maxmargin/types.js';
import { modelToJSON, toRows } from '../model/serialize.js';
import type { TrainResult } from './run.js';

/** Where a run came from, for trajectory.json: enough to reproduce it. */
export interface RunProvenance {
  /** seed of the generated dataset and of a random embedding */
  seed: number;
  /** the dataset file as given and the SHA-256 of its bytes, or how the dataset was generated */
  data: { path: string; sha256: string } | { generated: { vocab: number; seed: number } };
  /** the package that ran it */
  package: { name: string; version: string };
}

/**
 * trajectory.json: the run's provenance, configuration, records, outcome, rates and
 * generalization. No timings (they go to the summary), so identical runs write identical files.
 */
export function trajectoryJSON(r: TrainResult, run?: RunProvenance): object {
  return {
    ...(run ? { run } : {}),
    config: r.config,
    outcome: r.outcome,
    warnings: r.warnings,
    stage1: r.stage1,
    stage2: r.stage2,
    rates: r.rates,
    generalization: r.generalization,
    // on cyclic data stage 2's cosine is against W_svm; realizable runs keep their files unchanged
    ...(r.reference.kind === 'graph-svm' ? { reference: r.reference } : {}),
  };
}

/** trajectory.csv: one row per record of either stage. */
export function trajectoryCSV(r: TrainResult): string {
  const cell = (x: number | null | undefined) => (x === null || x === undefined ? '' : String(x));
  const lines = ['stage,step,loss,norm,cosine,optimalAttention,accuracy'];
  for (const s of r.stage1) lines.push(['stage1', s.step, cell(s.loss), cell(s.norm), cell(s.cosine), '', ''].join(','));
  for (const s of r.stage2) {
    lines.push(['stage2', s.step, cell(s.loss), cell(s.norm), cell(s.cosine), cell(s.optimalAttention), cell(s.accuracy)].join(','));
  }
  return lines.join('\n') + '\n';
}

/** maxmargin.json: W*_ov, W*_kq as nested row-major arrays, the Proposition-2 gap and the KKT residual. */
export function maxMarginJSON(mm: MaxMarginSolution | null, V: number, d: number): object | null {
  if (!mm) return null;
  return {
    Wov: toRows(mm.Wov, V, d),
    Wkq: toRows(mm.Wkq, d, d),
    prop2Gap: mm.prop2Gap,
    kktResidual: mm.kktResidual,
    method: mm.method,
    margins: mm.margins,
  };
}

/**
 * maxmargin.json of a run: {@link maxMarginJSON} on realizable data; on cyclic data W*_ov and the
 * graph-SVM W_svm (null when infeasible) with its status, KKT residual and message.
 */
export function referenceJSON(r: TrainResult): object | null {
  const svm = r.reference.kind === 'graph-svm' ? r.reference : null;
  if (svm === null || r.graphSvm === null) return maxMarginJSON(r.maxMargin, r.config.V, r.config.d);
  const { V, d } = r.config;
  return {
    reference: 'graph-svm',
    Wov: r.graphSvm.Wov ? toRows(r.graphSvm.Wov, V, d) : null,
    Wsvm: r.graphSvm.Wsvm ? toRows(r.graphSvm.Wsvm, d, d) : null,
    status: svm.status,
    norm: svm.norm,
    kktResidual: svm.kkt,
    message: svm.message,
  };
}

/** model.json of a run. */
export function modelJSONOf(ds: Dataset, r: TrainResult): object {
  return modelToJSON(ds.vocab, r.parameters);
}
