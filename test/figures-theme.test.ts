// Every figure of every family, built at a tiny size, follows the one theme (a title, titled
// axes without raw TeX, the step axis called "step", series told apart by colour and dash, legends
// in numeric order, no non-finite data) and renders to SVG.
import { describe, expect, it } from 'vitest';
import type { FamilyDefinition } from '../src/family/definition.js';
import { resolveOptions } from '../src/family/schema.js';
import { figure2Spec } from '../src/figure/spec.js';
import { renderVegaLiteSvg, vegaLiteWarnings } from '../src/figure/svg.js';
import { cutDiverged, figureProblems, logFloor, naturalOrder, seriesEncoding } from '../src/figure/theme.js';
import { autoregressiveDefinition } from '../src/tasks/autoregressive/definition.js';
import { recallDefinition } from '../src/tasks/recall/definition.js';
import { cyclicDefinition } from '../src/tasks/cyclic/definition.js';
import { factorizedDefinition } from '../src/tasks/factorized/definition.js';
import { svopExample } from '../src/dataset/svop.js';
import { EXAMPLE_1, datasetFromTargets } from '../src/tasks/cyclic/examples.js';
import { train } from '../src/index.js';
import { generateRealizable } from '../src/dataset/random.js';

const recallTiny = { vocab: 12, triggers: 2, outputs: 2, context: 10, batch: 16, evalSize: 32, testSize: 16, steps: 6, every: 3 };
const arTiny = { d: 2, length: 5, steps: 4, batch: 4, trainSequences: 8, testSequences: 4, every: 2 };

/** Tiny options of each command of each family: [family, command, options, dataset?]. */
const CASES: Array<[FamilyDefinition, string, Record<string, unknown>, unknown?]> = [
  [cyclicDefinition, 'train', { steps: 40, every: 10 }, datasetFromTargets(EXAMPLE_1.vocab, EXAMPLE_1.samples)],
  [factorizedDefinition, 'train', { t0: 20, steps: 40, every: 10 }, svopExample()],
  [factorizedDefinition, 'local', { runs: 2, steps: 20, every: 5, workers: 1 }],
  [factorizedDefinition, 'rank', { runs: 2, ns: [5], Ts: [5], ds: [2, 3], workers: 1 }],
  [cyclicDefinition, 'global', { datasets: 2, steps: 40, every: 10, workers: 1 }],
  [recallDefinition, 'train', { ...recallTiny, alpha: 0.5, model: 'reparam' }],
  [recallDefinition, 'figure1', recallTiny],
  [recallDefinition, 'figure2', { ...recallTiny, samples: 32 }],
  [recallDefinition, 'alpha-sweep', recallTiny],
  [recallDefinition, 'logits', { ...recallTiny, samples: 32 }],
  [recallDefinition, 'closed-forms', { ...recallTiny, every: 1 }],
  [autoregressiveDefinition, 'train', arTiny],
  [autoregressiveDefinition, 'reference', { length: 30, depth: 8, sequences: 4 }],
  [autoregressiveDefinition, 'c1', {}],
  [autoregressiveDefinition, 'c2', { sequences: 4 }],
  [autoregressiveDefinition, 'c3', { sequences: 4 }],
  [autoregressiveDefinition, 'c4', { layers: [1], steps: 2, d: 2, length: 4, batch: 4, trainSequences: 8, testSequences: 4 }],
];

function commandOf(f: FamilyDefinition, name: string) {
  return name === 'train' ? f.train : (f.verbs?.[name] ?? f.experiments[name]);
}

describe('the figure theme', () => {
  it('orders legends naturally, gives each of 40 series its own colour-and-dash, floors log axes, cuts diverged curves', () => {
    expect(naturalOrder(['n = 10', 'n = 15', 'n = 5'])).toEqual(['n = 5', 'n = 10', 'n = 15']);
    const names = Array.from({ length: 40 }, (_, i) => `s${i}`);
    const enc = seriesEncoding('k', names);
    const pairs = new Set(names.map((_, i) => `${enc.color.scale.range[i]} ${enc.strokeDash.scale.range[i].join(',')}`));
    expect(pairs.size).toBe(40);
    expect(logFloor([1, 1e-3, 1e-30])).toBe(1e-16);
    expect(logFloor([1, 1e-3])).toBeNull();
    const pts = [1, 2, 4e10, 8e20].map((y, x) => ({ x, y }));
    expect(cutDiverged(pts)).toEqual({ points: pts.slice(0, 2), cutAt: 2 });
    expect(cutDiverged([{ x: 0, y: 1 }, { x: 1, y: NaN }]).cutAt).toBe(1);
  });

  it('finds what breaks the theme', () => {
    const bad = {
      data: { values: [{ step: 1, v: 1, s: 'n = 10' }, { step: 1, v: NaN, s: 'n = 5' }] },
      mark: 'line',
      encoding: { x: { field: 'step', type: 'quantitative', title: 'iteration' }, y: { field: 'v', type: 'quantitative', title: 'x_{t+1}' }, color: { field: 's', type: 'nominal', sort: ['n = 10', 'n = 5'] } },
    };
    const p = figureProblems(bad);
    expect(p).toContain('no title');
    expect(p.some((m) => /raw TeX/.test(m))).toBe(true);
    expect(p.some((m) => /the step axis is "iteration"/.test(m))).toBe(true);
    expect(p.some((m) => /colour only/.test(m))).toBe(true);
    expect(p.some((m) => /numeric order/.test(m))).toBe(true);
    expect(p.some((m) => /non-finite v/.test(m))).toBe(true);
  });

  it('Figure 2 of the core family follows the theme and renders', async () => {
    const r = await train(generateRealizable({ vocab: 6, seed: 1 }), { t0: 20, t1: 20, every: 5 });
    const spec = figure2Spec({ stage1: r.stage1, stage2: r.stage2, title: 'tiny', reference: r.reference.label });
    expect(figureProblems(spec)).toEqual([]);
    expect(await vegaLiteWarnings(spec)).toEqual([]);
    expect(await renderVegaLiteSvg(spec)).toMatch(/^<svg/);
  });

  it.each(CASES.map(([f, c, o, ds]) => [`${f.name} ${c}`, f, c, o, ds] as const))('%s: every figure follows the theme and renders', async (_label, family, name, options, dataset) => {
    const c = commandOf(family, name);
    const o = resolveOptions(c.options, options, { fn: name });
    const result = await c.run(o, { progress() {}, warn() {}, dataset: dataset as never });
    const p = c.present(result, o);
    expect(p.figures?.length, 'at least one figure').toBeGreaterThan(0);
    for (const f of p.figures!) {
      expect(figureProblems(f.spec), f.name).toEqual([]);
      expect(await vegaLiteWarnings(f.spec), f.name).toEqual([]);
      expect(await renderVegaLiteSvg(f.spec), f.name).toMatch(/^<svg/);
    }
  });
});
