// Figure 2 of the paper drawn live from the worker's records. Records arrive many times a
// second; the figure is rebuilt at most every `minIntervalMs` (longer when drawing is slow), so
// drawing never starves the page.
import { parse, View } from 'vega';
import type { TrainRecord } from 'ntp-dynamics';
import { compileFigure2, type Stage1Point, type Stage2Point } from 'ntp-dynamics/figure';

/**
 * Points drawn per stage, about two per pixel of a panel. A long run records hundreds of
 * thousands; an evenly thinned series looks the same and keeps each redraw short.
 */
const MAX_POINTS = 600;

function thin<T>(points: readonly T[]): T[] {
  const n = points.length;
  if (n <= MAX_POINTS) return points.slice();
  return Array.from({ length: MAX_POINTS }, (_, i) => points[Math.round((i * (n - 1)) / (MAX_POINTS - 1))]);
}

export class LiveFigure {
  private stage1: Stage1Point[] = [];
  private stage2: Stage2Point[] = [];
  private title = '';
  // what stage 2's direction is measured against: W*_kq, or W_svm on cyclic data
  private reference: 'W*_kq' | 'W_svm' = 'W*_kq';
  private view: View | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastRender = 0;
  private lastDuration = 0;
  // renders run one after another, so an older figure never replaces a newer one
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly container: HTMLElement,
    private readonly minIntervalMs = 300,
  ) {}

  reset(title: string): void {
    this.stage1 = [];
    this.stage2 = [];
    this.title = title;
    this.reference = 'W*_kq';
    this.request();
  }

  /** Names stage 2's reference in its direction panel (the worker knows it once the run starts). */
  setReference(reference: 'W*_kq' | 'W_svm'): void {
    this.reference = reference;
    this.request();
  }

  push(records: readonly TrainRecord[]): void {
    for (const { stage, ...point } of records) {
      if (stage === 'stage1') this.stage1.push(point);
      else this.stage2.push(point as Stage2Point);
    }
    this.request();
  }

  /** Draws now (skipping the throttle), e.g. once training has finished. */
  flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    return this.enqueue();
  }

  private request(): void {
    if (this.timer !== null) return;
    // never spend more than about a third of the main thread on redrawing
    const interval = Math.max(this.minIntervalMs, 3 * this.lastDuration);
    const wait = Math.max(0, this.lastRender + interval - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.enqueue();
    }, wait);
  }

  private enqueue(): Promise<void> {
    this.queue = this.queue.then(() => this.render()).catch((e) => console.error('Figure 2 failed to render', e));
    return this.queue;
  }

  private async render(): Promise<void> {
    const start = performance.now();
    const spec = await compileFigure2({ stage1: thin(this.stage1), stage2: thin(this.stage2), title: this.title, reference: this.reference });
    // Draw off-document, then swap: the old figure stays up until the new one is complete.
    const target = document.createElement('div');
    const view = new View(parse(spec), { renderer: 'svg', container: target });
    await view.runAsync();
    this.container.replaceChildren(target);
    this.view?.finalize();
    this.view = view;
    this.lastRender = performance.now();
    this.lastDuration = this.lastRender - start;
  }
}
