import { cyclic } from 'ntp-dynamics';

// Cyclic token orders (Li et al. 2024): cyclic example 1 (docs/theory/cyclic.md#worked-examples),
// one query whose token-priority graph has the SCCs {a,b} > {c} > {q}. Its graph-SVM column is
// (3/4, 3/4, −1/4, −5/4), so ‖W_svm‖² = 11/4, and the loss floor is 0.3819085.
const ex = cyclic.EXAMPLE_1;
const data = cyclic.datasetFromTargets(ex.vocab, ex.samples);
const run = await cyclic.train(data, { optimizer: 'gd', init: 'zero', eta: 1, steps: 2000 });
const last = run.records[run.records.length - 1];
console.log(`graph-SVM ${run.svm.status}: ‖W_svm‖² ${(run.svm.norm ** 2).toFixed(12)} (11/4), KKT ${run.svm.kkt.toExponential(1)}`);
console.log(`finite part: loss floor ${run.floor.toFixed(7)}`);
console.log(`GD, ${last.step} steps: loss ${last.loss.toFixed(7)}, cos(W, W_svm) ${last.cosSvm.toFixed(4)}`);
