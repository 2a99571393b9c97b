import { recall } from 'ntp-dynamics';

// In-context recall with a noise token (Nguyen & Nguyen-Tang 2025), at a small size: Reparam-Linear-FA,
// α = 0.5, 40 normalized-GD steps. Its trained parameter is Λ, and Λ_t = ηt exactly
// (docs/theory/recall.md#bayes-optimal-predictor-and-closed-forms).
const eta = 0.1;
const run = await recall.train({ model: 'reparam', attention: 'linear', alpha: 0.5, vocab: 12, triggers: 2, outputs: 3, context: 16, batch: 64, steps: 40, eta, every: 10, evalSize: 64, testSize: 32 });
const last = run.records[run.records.length - 1];
console.log(`Bayes risk h(0.5) ${run.bayesRisk.toFixed(6)} = ln 2 ${Math.LN2.toFixed(6)}`);
console.log(`step ${last.step}: loss ${last.lossHat.toFixed(6)}, Λ ${last.lambda.toFixed(12)} (ηt = ${(eta * last.step).toFixed(12)})`);
