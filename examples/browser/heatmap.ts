// The learned W_kq beside the max-margin W*_kq, both in token space (the attention score of key
// token v for query token q, e_vᵀ W_kq e_q), drawn with Vega-Lite like Figure 2.
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Tokens drawn per axis; beyond this a heatmap is unreadable and the SVG grows huge. */
const MAX_TOKENS = 60;

/** Width of a panel besides its cells: key-axis labels and title, colour legend, padding. */
const PANEL_CHROME = 150;

interface Matrix {
  title: string;
  values: Float64Array;
}

/** Pixels a tick label needs across its axis (10 px font, rotated labels stacked side by side). */
const LABEL_PX = 12;

/** Every k-th token's label, so that labels never overlap however small the cells get. */
export function tickTokens(order: readonly string[], cell: number): string[] {
  const k = Math.max(1, Math.ceil(LABEL_PX / cell));
  return order.filter((_, i) => i % k === 0);
}

function panel(vocab: readonly string[], n: number, m: Matrix, cell: number) {
  const V = vocab.length;
  const cells: { key: string; query: string; value: number }[] = [];
  for (let v = 0; v < n; v++) for (let q = 0; q < n; q++) cells.push({ key: vocab[v], query: vocab[q], value: m.values[v * V + q] });
  const order = vocab.slice(0, n);
  const ticks = tickTokens(order, cell);
  return {
    title: m.title,
    width: cell * n,
    height: cell * n,
    data: { values: cells },
    mark: 'rect' as const,
    encoding: {
      x: { field: 'query', type: 'ordinal' as const, sort: order, title: 'query token q', axis: { labelAngle: n > 8 ? -90 : 0, values: ticks, labelOverlap: true } },
      y: { field: 'key', type: 'ordinal' as const, sort: order, title: 'key token v', axis: { values: ticks, labelOverlap: true } },
      // diverging around 0: the sign is what Theorem 3's ranking is about
      color: { field: 'value', type: 'quantitative' as const, scale: { scheme: 'redblue', reverse: true, domainMid: 0 }, legend: { title: null } },
      tooltip: [
        { field: 'query', title: 'q' },
        { field: 'key', title: 'v' },
        { field: 'value', type: 'quantitative' as const, format: '.4f' },
      ],
    },
  };
}

/** Side-by-side heatmaps; each has its own colour scale since ‖W_kq‖ keeps growing while W* is fixed. */
export async function renderHeatmaps(container: HTMLElement, vocab: readonly string[], matrices: Matrix[]): Promise<void> {
  const n = Math.min(vocab.length, MAX_TOKENS);
  // Both panels side by side must fit the container: the room left by the axis labels and titles
  // of each panel, split into n cells (at least 3 px; the container scrolls beyond that).
  const room = Math.max(200, (container.clientWidth || 700) - matrices.length * PANEL_CHROME) / matrices.length;
  const cell = Math.max(3, Math.min(36, Math.floor(Math.min(220, room) / n)));
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(n < vocab.length ? { title: { text: `first ${n} of ${vocab.length} tokens`, fontSize: 11, fontWeight: 'normal' } } : {}),
    background: 'white',
    hconcat: matrices.map((m) => panel(vocab, n, m, cell)),
    resolve: { scale: { color: 'independent' } },
    config: { view: { stroke: null }, axis: { labelFontSize: 10, titleFontSize: 11 } },
  } as TopLevelSpec;
  const target = document.createElement('div');
  const view = new View(parse(compile(spec).spec), { renderer: 'svg', container: target });
  await view.runAsync();
  container.replaceChildren(target);
  shown.get(container)?.finalize();
  shown.set(container, view);
}

// the view drawn in each container, finalized (listeners and timers released) when replaced
const shown = new WeakMap<HTMLElement, View>();
