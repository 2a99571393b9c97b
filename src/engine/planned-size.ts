import type { Dataset } from '../dataset/types.js';
import type { EngineOptions } from './create.js';
import { checkModelSize, datasetSizes } from './limits.js';
import { resolveSpace } from './space.js';

/**
 * Refuses a run whose model cannot fit, from the dataset's sizes and the options alone: before
 * the analysis, the embedding's generation and the max-margin solve, which would otherwise
 * allocate gigabytes (|V| = 20,000; d = 30,000) only to be refused afterwards. Options of the
 * wrong type are left to the checks that name them.
 */
export function checkPlannedSize(ds: Dataset, opts: EngineOptions): void {
  const V = ds.vocab.length;
  const spec = opts.embedding;
  let d = V;
  let oneHot = true;
  if (typeof spec === 'object' && spec !== null && !Array.isArray(spec)) {
    d = spec.d;
    oneHot = spec.E === null;
  } else if (Array.isArray(spec)) {
    d = Array.isArray(spec[0]) ? spec[0].length : V;
    oneHot = false;
  } else if (spec === 'orthonormal' || spec === 'gaussian') {
    d = opts.d ?? V;
    oneHot = false;
  } else if (spec === undefined && ds.embedding) {
    d = ds.embedding[0]?.length ?? V;
    oneHot = false;
  }
  if (!Number.isInteger(d) || d < 1) return;
  const precision = opts.precision === 'f32' ? 'f32' : 'f64';
  const space = resolveSpace(opts.space, V, d, oneHot);
  checkModelSize(datasetSizes(ds, d, precision, oneHot, space));
}
