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

/** model.json of a run. */
export function modelJSONOf(ds: Dataset, r: TrainResult): object {
  return modelToJSON(ds.vocab, r.parameters);
}
