import { svopExample, train, predict } from 'ntp-dynamics';

// Algorithm 1 on the paper's SVOP example (T0 = T1 = 900, η0 = 0.2/√d, η = 0.05/√d)
const data = svopExample();
const run = await train(data);
const last = run.stage2[run.stage2.length - 1];
// cosine is null only for data without a max-margin solution (not realizable)
console.log(`stage-2 loss ${last.loss.toExponential(2)}, cos(W_kq, W*_kq) ${last.cosine?.toFixed(4)}`);

// an unseen context: "S P" is predicted as n(S) = V (Theorem 3)
const context = ['S', 'P'].map((t) => data.vocab.indexOf(t));
const { next, probability } = predict(run.parameters, context);
console.log(`S P → ${data.vocab[next]} (p = ${probability.toFixed(4)})`);
