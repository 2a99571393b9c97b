import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Each example runs as a user would run it: a child process importing the package by name (the built
// dist/ through package.json's exports). The checks are the closed forms each example prints.
const root = new URL('../', import.meta.url);

async function run(name: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [new URL(`examples/${name}`, root).pathname], { cwd: root.pathname });
  return stdout.trim().split('\n');
}

/** The numbers of a line, in order. */
function numbers(line: string): number[] {
  return (line.match(/-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi) ?? []).map(Number);
}

describe('examples/', () => {
  it('core.mjs: stage 1 reaches ‖W_ov‖ = η0·T0 = 10 along W*_ov = I − 11ᵀ/4, stage 2 fits and generalizes', async () => {
    const [s1, s2, gen] = await run('core.mjs');
    expect(s1).toBe('stage 1, step 100: ‖W_ov‖ 10.000000000000, cos(W_ov, W*_ov) 1.000000000000, W*_ov entries -0.25 and 0.75');
    const [loss, cos, accuracy] = numbers(s2.replace('stage 2, step 300:', '').replace(/W\*?_kq/g, ''));
    expect(s2.startsWith('stage 2, step 300:')).toBe(true);
    expect(loss).toBeLessThan(0.02);
    expect(cos).toBeGreaterThan(0.99);
    expect(accuracy).toBe(1);
    const [right, total] = numbers(gen.replace('Theorem 3', ''));
    expect(total).toBeGreaterThan(0);
    expect(right).toBe(total);
  });

  it('cyclic.mjs: cyclic example 1 has ‖W_svm‖² = 11/4 and loss floor 0.3819085; GD turns towards W_svm', async () => {
    const [svm, floor, gd] = await run('cyclic.mjs');
    expect(svm.startsWith('graph-SVM optimal: ‖W_svm‖² 2.750000000000 (11/4), KKT')).toBe(true);
    expect(numbers(svm).at(-1)).toBeLessThan(1e-12);
    expect(floor).toBe('finite part: loss floor 0.3819085');
    const [steps, loss, cos] = numbers(gd);
    expect(steps).toBe(2000);
    expect(loss).toBeGreaterThan(0.3819085);
    expect(loss).toBeLessThan(0.39);
    expect(cos).toBeGreaterThan(0.99);
  });

  it('factorized.mjs: certified SVMs of SVOP (‖W_F‖ 1.471960, ν* 2.321134) and K_f·Q_fᵀ nearer W_* than W_F', async () => {
    const [svms, fit] = await run('factorized.mjs');
    expect(svms.startsWith('‖W_F‖ 1.471960 (rank 3), ν* 2.321134 certified (gap ')).toBe(true);
    const gap = numbers(svms.slice(svms.indexOf('gap')))[0];
    expect(gap).toBeLessThanOrEqual(1e-9);
    const [step, cosStar, cosF, nucRatio] = numbers(fit.replace(/K_f·Q_fᵀ, W_[*F]/g, ''));
    expect(step).toBe(3000);
    expect(cosStar).toBeGreaterThan(0.99);
    expect(cosF).toBeLessThan(cosStar - 0.05);
    expect(nucRatio).toBeGreaterThanOrEqual(1);
    expect(nucRatio).toBeLessThan(1.05);
  });

  it('recall.mjs: the Bayes risk h(0.5) = ln 2 and Reparam-Linear-FA\'s Λ_t = ηt', async () => {
    const [risk, last] = await run('recall.mjs');
    expect(risk).toBe(`Bayes risk h(0.5) ${Math.LN2.toFixed(6)} = ln 2 ${Math.LN2.toFixed(6)}`);
    const [step, loss, lambda, etaT] = numbers(last.replace('ηt', ''));
    expect(step).toBe(40);
    expect(lambda).toBe(4);
    expect(etaT).toBe(4);
    expect(loss).toBeGreaterThan(Math.LN2);
  });

  it('autoregressive.mjs: Kaczmarz errors of the π/3 rotation are 1, √3/2, √3/4, √3/8, √3/16; training lowers the test loss', async () => {
    const [ckd, trained] = await run('autoregressive.mjs');
    const errors = numbers(ckd.slice(ckd.indexOf(':') + 1));
    const exact = [1, Math.sqrt(3) / 2, Math.sqrt(3) / 4, Math.sqrt(3) / 8, Math.sqrt(3) / 16];
    expect(errors).toHaveLength(5);
    errors.forEach((e, i) => expect(Math.abs(e - exact[i])).toBeLessThan(5e-7));
    expect(ckd.endsWith('(ok)')).toBe(true);
    const [first, step0, lastLoss, stepN] = numbers(trained);
    expect(trained.startsWith('trained completed:')).toBe(true);
    expect(step0).toBe(0);
    expect(stepN).toBe(30);
    expect(lastLoss).toBeLessThan(first);
  });
});
