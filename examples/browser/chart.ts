// A Vega-Lite chart redrawn live: records arrive many times a second, the chart is rebuilt at most
// every `minIntervalMs` (longer when drawing is slow), drawn off-document and swapped in. Every
// page's charts go through here, so they share one theme.
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The lab's look: the fonts and grid of Figure 2, legends below the plots so they never clip. */
export const THEME = {
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 10, titleFontSize: 11, gridColor: '#eee' },
  legend: { orient: 'bottom', direction: 'horizontal', columns: 2, labelFontSize: 11, titleFontSize: 11, labelLimit: 320 },
  title: { fontSize: 13, subtitleFontSize: 11 },
  range: { category: ['#4c78a8', '#e45756', '#54a24b', '#f58518', '#b279a2', '#72b7b2'] },
} as const;

/** The spec with the lab's theme under its own config (the spec's settings win). */
export function themed(spec: TopLevelSpec): TopLevelSpec {
  const own = (spec as { config?: Record<string, unknown> }).config ?? {};
  const config: Record<string, unknown> = { ...THEME };
  for (const [k, v] of Object.entries(own)) config[k] = typeof v === 'object' && v !== null && typeof config[k] === 'object' ? { ...(config[k] as object), ...v } : v;
  return { ...spec, config } as TopLevelSpec;
}

/** Draws a spec into a container once (off-document first, so the old chart stays up meanwhile). */
export async function drawSpec(container: HTMLElement, spec: TopLevelSpec): Promise<void> {
  const target = document.createElement('div');
  const view = new View(parse(compile(themed(spec)).spec), { renderer: 'svg', container: target });
  await view.runAsync();
  container.replaceChildren(target);
  views.get(container)?.finalize();
  views.set(container, view);
}

// the view drawn in each container, finalized (listeners and timers released) when replaced
const views = new WeakMap<HTMLElement, View>();

export class LiveChart {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastRender = 0;
  private lastDuration = 0;
  // renders run one after another, so an older chart never replaces a newer one
  private queue: Promise<void> = Promise.resolve();

  /** `spec` builds the chart from the page's current data whenever a redraw is due. */
  constructor(
    private readonly container: HTMLElement,
    private readonly spec: () => TopLevelSpec | null,
    private readonly minIntervalMs = 300,
  ) {}

  /** Asks for a redraw, throttled. */
  request(): void {
    if (this.timer !== null) return;
    // never spend more than about a third of the main thread on redrawing
    const interval = Math.max(this.minIntervalMs, 3 * this.lastDuration);
    const wait = Math.max(0, this.lastRender + interval - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.enqueue();
    }, wait);
  }

  /** Draws now (skipping the throttle), e.g. once a run has ended. */
  flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    return this.enqueue();
  }

  private enqueue(): Promise<void> {
    this.queue = this.queue.then(() => this.render());
    return this.queue;
  }

  private async render(): Promise<void> {
    const spec = this.spec();
    if (spec === null) return;
    const start = performance.now();
    await drawSpec(this.container, spec);
    this.lastRender = performance.now();
    this.lastDuration = this.lastRender - start;
  }
}
