import { autoregressive } from 'ntp-dynamics';

// In-context autoregressive learning (Sander & Peyré 2024, a reconstruction): a plane rotation by
// θ = π/3, predicted by causal kernel descent in its Kaczmarz limit (n = ∞). The errors are
// √3/2^t for t ≥ 2, i.e. 1, √3/2, √3/4, √3/8, √3/16 (docs/theory/autoregressive.md#worked-examples).
const ckd = await autoregressive.reference({ process: 'rotation', theta: Math.PI / 3, length: 5 });
console.log(`Kaczmarz ‖u_t − x_t+1‖, t = 1…5: ${ckd.errors.map((e) => e.toFixed(6)).join(' ')} (${ckd.curveStatus})`);

// a trained causal transformer: 1 layer, linear attention, Haar data, d = 3, T = 10, 30 Adam steps
const run = await autoregressive.train({ layers: 1, attention: 'linear', d: 3, length: 10, trainSequences: 128, testSequences: 32, batch: 32, steps: 30 });
const first = run.records[0];
const last = run.records[run.records.length - 1];
console.log(`trained ${run.status}: test loss ${first.testLoss.toFixed(4)} at step ${first.step}, ${last.testLoss.toFixed(4)} at step ${last.step}`);
