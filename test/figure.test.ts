import { describe, expect, it } from 'vitest';
import { compileFigure2, figure2Spec, renderFigure2Svg } from '../src/figure/index.js';
import type { FigureInput } from '../src/figure/index.js';

function synthetic(n = 1000): FigureInput {
  const stage1: FigureInput['stage1'] = [];
  const stage2: FigureInput['stage2'] = [];
  for (let t = 1; t <= n; t++) {
    const loss = Math.max(Math.exp(-0.05 * t), 1e-22);
    const cosine = 1 - Math.log(t) / t;
    stage1.push({ step: t, loss, norm: 0.1 * t, cosine: t % 10 === 0 ? null : cosine });
    // cos ≥ 1 at the tail exercises the 1 − cos floor; a NaN and an Infinity must be dropped.
    stage2.push({
      step: t,
      loss: t === 5 ? NaN : loss,
      norm: t === 7 ? Infinity : 0.1 * t,
      cosine: t > 900 ? 1 + 1e-16 : cosine,
      optimalAttention: 1 - 1 / t,
      accuracy: 1,
    });
  }
  return { stage1, stage2, title: 'Algorithm 1, |V| = 20, d = 20, wasm f64' };
}

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;
/** Paths inside vega's line-mark groups (`<g class="mark-line role-mark ...">`). */
const linePaths = (svg: string) =>
  (svg.match(/<g class="mark-line[^"]*"[^>]*>(.*?)<\/g>/g) ?? []).reduce((n, g) => n + count(g, /<path/g), 0);

describe('figure 2', () => {
  it('renders six panels with log axes, titles and a white background', async () => {
    const svg = await renderFigure2Svg(synthetic());
    expect(svg.startsWith('<svg')).toBe(true);
    for (const t of [
      'Stage 1: loss L0',
      'Stage 1: direction of W_ov',
      'Stage 1: norm of W_ov',
      'Stage 2: loss L',
      'Stage 2: direction of W_kq',
      'Stage 2: norm of W_kq',
      'Figure 2: Training dynamics of single-layer transformer for NTP',
      'Algorithm 1, |V| = 20, d = 20, wasm f64',
    ])
      expect(svg).toContain(`>${t}<`);
    for (const t of ['step', 'L0(W_ov)', 'L(W_kq)', '1 − cos(W_ov, W*_ov)', '1 − cos(W_kq, W*_kq)', '‖W_ov‖_F', '‖W_kq‖_F'])
      expect(svg).toContain(`>${t}<`);
    expect(count(svg, />Stage \d: /g)).toBe(6);
    // Log ticks span the loss range down to 1e-22 and the 1 − cos range down to the 1e-16 floor.
    expect(svg).toMatch(/>1e-2[0-2]</);
    expect(svg).toContain('>1e+0<');
    expect(svg).toMatch(/>1e-1[4-6]</);
    expect(linePaths(svg)).toBe(6);
    expect(svg).toMatch(/<rect [^>]*fill="white"/);
    expect(svg).not.toContain('NaN');
  });

  it('drops NaN/Infinity/null and floors 1 − cos in the inline data', async () => {
    const spec = JSON.stringify(figure2Spec(synthetic(1000)));
    expect(spec).not.toMatch(/null|NaN|Infinity/);
    expect(spec).toContain('"value":1e-16');
    expect(await compileFigure2(synthetic(10))).toHaveProperty('marks');
  });

  it('renders an empty stage 1 (joint training) with placeholders', async () => {
    const svg = await renderFigure2Svg({ stage1: [], stage2: synthetic(100).stage2 });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(count(svg, />no stage 1 data</g)).toBe(3);
    expect(linePaths(svg)).toBe(3);
    await expect(renderFigure2Svg({ stage1: [], stage2: [] })).resolves.toContain('no stage 2 data');
  });
});
