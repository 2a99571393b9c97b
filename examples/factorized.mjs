import { factorized, svopExample } from 'ntp-dynamics';

// Factorized attention W_kq = K_f·Q_fᵀ (Tarzanagh et al. 2023) on the paper's SVOP example: per-factor
// NGD on (K_f, Q_f) goes in direction to the nuclear-norm max-margin SVM W_*, not to the Frobenius
// one W_F (docs/theory/factorized.md). Both SVMs are solved, with certificates, before training.
const run = await factorized.train(svopExample(), { steps: 3000 });
const { frobenius, nuclear, final } = run;
console.log(`‖W_F‖ ${frobenius.norm.toFixed(6)} (rank ${frobenius.rank}), ν* ${nuclear.lowerBound.toFixed(6)} ${nuclear.status} (gap ${nuclear.relativeGap.toExponential(1)}, rank ${nuclear.rank})`);
console.log(`step ${final.step}: cos(K_f·Q_fᵀ, W_*) ${final.cosStar.toFixed(4)}, cos(K_f·Q_fᵀ, W_F) ${final.cosF.toFixed(4)}, nuc-ratio ${final.nucRatio.toFixed(4)}`);
