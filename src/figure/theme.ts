/**
 * One figure theme for every family: the step axis named the same everywhere, series told apart
 * by colour and dash, legends in numeric order, log axes floored where the data stop meaning
 * anything, and diverged runs cut and marked. Pure functions over Vega-Lite specs (no vega
 * import), used by each family's figure builders; `figureProblems` checks a spec against the theme.
 * @module
 */
import type { VegaLiteSpec } from './spec-type.js';

/** The title of every step axis. */
export const STEP_AXIS = 'step';

/** Ten colours distinguishable in print and by most colour-blind readers (Tableau 10). */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** Dash patterns, cycled after the colours so that no two of 40 series look the same. */
export const DASHES: number[][] = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3]];

/**
 * Natural order of series names: numbers inside names compare as numbers, so
 * "n = 5" < "n = 10" < "n = 15" (a plain sort gives "n = 10, 15, 5").
 */
export function naturalOrder(names: Iterable<string>): string[] {
  const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  return [...new Set(names)].sort((a, b) => collator.compare(a, b));
}

/**
 * Colour and dash encodings of a series field over `names` (in the order given, or natural
 * order): series i gets colour i mod 10 and dash ⌊i / 10⌋ mod 4, so every series differs in
 * colour or dash from every other of up to 40.
 */
export function seriesEncoding(field: string, names: readonly string[], title: string | null = null, opts: { natural?: boolean; labelLimit?: number } = {}) {
  const domain = opts.natural === false ? [...new Set(names)] : naturalOrder(names);
  const colors = domain.map((_, i) => PALETTE[i % PALETTE.length]);
  const dashes = domain.map((_, i) => DASHES[Math.floor(i / PALETTE.length) % DASHES.length]);
  const legend = { labelLimit: opts.labelLimit ?? 400, symbolStrokeWidth: 2 };
  return {
    color: { field, type: 'nominal' as const, title, sort: domain, scale: { domain, range: colors }, legend },
    strokeDash: { field, type: 'nominal' as const, title, sort: domain, scale: { domain, range: dashes }, legend },
  };
}

/** A value past which a run counts as diverged on a figure (the curve is cut there and marked). */
export const DIVERGED_LIMIT = 1e10;

/**
 * The points of a series up to where it diverges: the first non-finite value, or a value past
 * `limit` times the first finite one in magnitude, ends it. Returns the kept points and the step
 * where it was cut (null when it never diverged).
 */
export function cutDiverged<P extends { x: number; y: number | null }>(points: readonly P[], limit = DIVERGED_LIMIT): { points: P[]; cutAt: number | null } {
  const kept: P[] = [];
  let scale: number | null = null;
  for (const p of points) {
    const y = p.y;
    if (y === null || !Number.isFinite(y) || (scale !== null && Math.abs(y) > limit * Math.max(scale, 1))) return { points: kept, cutAt: p.x };
    if (scale === null) scale = Math.abs(y);
    kept.push(p);
  }
  return { points: kept, cutAt: null };
}

/**
 * The floor of a log axis: values below `ratio` times the largest value are drawn at the floor
 * (a curve that reaches 1e-30 would otherwise squash every other curve into a line), and the
 * floor is said in the axis title. Returns the floor, or null when nothing is below it.
 */
export function logFloor(values: Iterable<number>, ratio = 1e-16): number | null {
  let max = 0;
  let min = Infinity;
  for (const v of values) {
    if (!(v > 0) || !Number.isFinite(v)) continue;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  if (max === 0) return null;
  const floor = max * ratio;
  return min < floor ? floor : null;
}

/** A marker layer: a labelled point where each diverged series was cut, at the top of its last drawn value. */
export function divergedMarks(marks: ReadonlyArray<{ x: number; y: number; series: string }>, xTitle: string, yTitle: string) {
  const x = { field: 'x', type: 'quantitative' as const, title: xTitle };
  const y = { field: 'y', type: 'quantitative' as const, title: yTitle };
  return {
    data: { values: marks.map((m) => ({ ...m, label: `${m.series}: diverged` })) },
    layer: [
      { mark: { type: 'point' as const, shape: 'cross', size: 80, color: '#b00', strokeWidth: 2 }, encoding: { x, y } },
      { mark: { type: 'text' as const, align: 'left' as const, dx: 6, dy: -6, color: '#b00', fontSize: 10 }, encoding: { x, y, text: { field: 'label', type: 'nominal' as const } } },
    ],
  };
}

/** The theme's config block (fonts, view), merged into every top-level spec. */
export const THEME_CONFIG = {
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 10, titleFontSize: 11, titleFontWeight: 'normal' as const },
  legend: { labelFontSize: 10, titleFontSize: 11 },
  title: { fontSize: 13, subtitleFontSize: 11, anchor: 'start' as const },
  line: { strokeWidth: 1.6 },
};

/** A top-level spec in the theme: schema, title and subtitle, white background, the config. */
export function themed(spec: Record<string, unknown>, title: string, subtitle?: string): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    ...spec,
    title: subtitle ? { text: title, subtitle } : { text: title },
    config: THEME_CONFIG,
  } as VegaLiteSpec;
}

const TEX = /\\[a-zA-Z]+|[_^]\{|\$/;

/**
 * What a spec does against the theme, as messages (empty when it follows it): a missing title;
 * an axis of a quantitative field without a title, or with raw TeX; a step axis not called
 * "step"; a series legend without dashes or not in natural order; non-finite data values.
 */
export function figureProblems(spec: unknown): string[] {
  const problems: string[] = [];
  const top = spec as Record<string, unknown>;
  const title = top.title as string | { text?: string } | undefined;
  const titleText = typeof title === 'string' ? title : title?.text;
  if (!titleText) problems.push('no title');
  if (titleText && TEX.test(titleText)) problems.push(`raw TeX in the title: ${titleText}`);
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      node.forEach((n, i) => visit(n, `${path}[${i}]`));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, unknown>;
    const data = o.data as { values?: unknown[] } | undefined;
    if (data?.values) {
      for (const row of data.values) {
        for (const [k, v] of Object.entries(row as Record<string, unknown>)) {
          if (typeof v === 'number' && !Number.isFinite(v)) problems.push(`${path}.data: non-finite ${k}`);
        }
      }
    }
    const enc = o.encoding as Record<string, Record<string, unknown>> | undefined;
    if (enc) {
      for (const ch of ['x', 'y'] as const) {
        const e = enc[ch];
        if (!e || e.type !== 'quantitative' || e.field === undefined) continue;
        const t = e.title;
        if (t === undefined && ch === 'x') problems.push(`${path}.encoding.${ch}: no axis title`);
        if (typeof t === 'string' && TEX.test(t)) problems.push(`${path}.encoding.${ch}: raw TeX in "${t}"`);
        if (ch === 'x' && typeof t === 'string' && /^(iteration|iterations|iteration t|steps?|step t|t)$/i.test(t) && t !== STEP_AXIS) problems.push(`${path}.encoding.x: the step axis is "${t}", not "${STEP_AXIS}"`);
      }
      const color = enc.color;
      if (color && color.type === 'nominal' && color.field !== undefined) {
        // a layered panel may give the dash to its line layer alone (an area takes no dash)
        const layers = Array.isArray(o.layer) ? (o.layer as Array<{ encoding?: Record<string, { field?: unknown }> }>) : [];
        const dash = enc.strokeDash ?? layers.find((l) => l.encoding?.strokeDash?.field === color.field)?.encoding?.strokeDash;
        const domain = (color.scale as { domain?: string[] } | undefined)?.domain ?? (color.sort as string[] | undefined);
        const many = Array.isArray(domain) ? domain.length > 1 : true;
        const mark = (o.mark as { type?: string } | string | undefined);
        const markType = typeof mark === 'string' ? mark : mark?.type;
        if (many && (markType === 'line' || markType === undefined) && !dash) problems.push(`${path}.encoding: series "${String(color.field)}" told apart by colour only`);
        if (Array.isArray(domain) && domain.every((d) => typeof d === 'string')) {
          const natural = naturalOrder(domain);
          const sameSet = natural.length === domain.length;
          if (sameSet && /\d/.test(domain.join('')) && natural.join('\u0000') !== domain.join('\u0000') && color.sortNatural !== false) {
            // only names that differ by their numbers must be in numeric order
            const stripped = new Set(domain.map((d) => d.replace(/\d+(\.\d+)?/g, '#')));
            if (stripped.size < domain.length) problems.push(`${path}.encoding.color: legend not in numeric order: ${domain.join(', ')}`);
          }
        }
      }
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'data' && k !== 'encoding') visit(v, `${path}.${k}`);
  };
  visit(spec, 'spec');
  return problems;
}
