import { svopExample, train } from 'ntp-dynamics';

// The core family (Huang, Liang, Yang 2024, Algorithm 1) on the paper's SVOP example, shortened to
// T0 = 100 and T1 = 300 steps. Stage 1 takes normalized steps of η0 = 0.2/√d = 0.1 in one direction,
// so ‖W_ov‖ = η0·T0 = 10 exactly, along W*_ov = I − 11ᵀ/4 (entries 3/4 and −1/4; docs/theory/core.md).
const data = svopExample();
const run = await train(data, { t0: 100, t1: 300 });
const s1 = run.stage1[run.stage1.length - 1];
const s2 = run.stage2[run.stage2.length - 1];
const entries = [...new Set(run.maxMargin.Wov)].sort((a, b) => a - b);
console.log(`stage 1, step ${s1.step}: ‖W_ov‖ ${s1.norm.toFixed(12)}, cos(W_ov, W*_ov) ${s1.cosine.toFixed(12)}, W*_ov entries ${entries.join(' and ')}`);
console.log(`stage 2, step ${s2.step}: loss ${s2.loss.toExponential(3)}, cos(W_kq, W*_kq) ${s2.cosine.toFixed(4)}, accuracy ${s2.accuracy}`);
const cases = run.generalization.cases;
console.log(`unseen contexts predicted as Theorem 3 says: ${cases.filter((c) => c.correct).length} of ${cases.length}`);
