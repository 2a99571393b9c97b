// Samples whose context is one token repeated (the collocation among them) attend uniformly to
// copies of that token: their logits are M[:, t] whatever K is, and their K-gradient is zero.
// While W_ov is fixed (stage 2) their loss and metrics are computed once (fixedPart in train.ts)
// and reused; any change of M (refreshM in embed.ts) invalidates them. Both sides reach the cache
// here, so neither imports the other.
export let fixedValid = false;
export let fixedLoss: f64 = 0;
export let fixedMinOpt: f64 = 1;
export let fixedCorrect: i32 = 0;
