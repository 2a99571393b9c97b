// The cyclic-orders examples (docs/theory/cyclic.md#worked-examples) as head data, shared by the head tests.
import { analyze } from '../../src/dataset/analyze.js';
import { cyclicData, type CyclicData } from '../../src/dataset/cyclic-orders.js';
import { packHeadData } from '../../src/tasks/cyclic/kernels/model.js';
import { datasetFromTargets, equiCorrelatedRows, EXAMPLE_2 } from '../../src/tasks/cyclic/examples.js';

/** A head's packed data. */
export function packed(data: CyclicData) {
  return packHeadData(data.V, data.contexts, data.targets, data.weights);
}

/** §7.10.2 with equi-correlated embedding rows (ρ = 0.3, d = 6). */
export function example2Equicorrelated(): CyclicData {
  const rows = equiCorrelatedRows(5, 0.3);
  const ds = datasetFromTargets(EXAMPLE_2.vocab, EXAMPLE_2.samples, rows);
  const d = 6;
  const E = new Float64Array(d * 5);
  rows.forEach((r, v) => r.forEach((x, i) => (E[i * 5 + v] = x)));
  return cyclicData(ds, analyze(ds), E, d);
}
