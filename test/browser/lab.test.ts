// End-to-end test of the browser lab (examples/browser) in a real headless Chromium: Vite
// serves the page from the package's sources, Playwright drives it like a person would.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
// Debian's package; CI installs it (apt-get install -y chromium). Never a downloaded browser.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface LabStatus {
  backendUsed: 'wasm' | 'js' | null;
  finalLoss: number | null;
  done: boolean;
  error: string | null;
}

let server: ViteDevServer | undefined;
let browser: Browser | undefined;
let baseUrl = '';
// Set-up failures are rethrown by every test: vitest reports a throwing beforeAll as skipped
// tests in a failed file, which test-count summaries can miss. A missing browser is a failure.
let setupError: Error | null = null;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    setupError = new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`);
    return;
  }
  try {
    await setUp();
  } catch (e) {
    setupError = e instanceof Error ? e : new Error(String(e));
  }
}, 90_000);

async function setUp(): Promise<void> {
  server = await createServer({
    configFile: `${repo}examples/browser/vite.config.ts`,
    server: { host: '127.0.0.1', port: 0 },
    logLevel: 'warn',
    clearScreen: false,
  });
  await server.listen();
  baseUrl = server.resolvedUrls?.local[0] ?? '';
  if (!baseUrl) throw new Error('Vite did not report the URL it listens on');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh page; uncaught exceptions in the page or its worker are collected for the assertions. */
async function openLab(): Promise<{ page: Page; errors: string[] }> {
  if (setupError) throw setupError;
  const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && errors.push(`worker: ${m.text()}`)));
  await page.goto(baseUrl);
  return { page, errors };
}

const labStatus = (page: Page) => page.evaluate(() => (window as unknown as { __ntpLab: LabStatus }).__ntpLab);

async function waitForEnd(page: Page, timeout: number): Promise<LabStatus> {
  await page.waitForFunction(() => {
    const lab = (window as unknown as { __ntpLab?: LabStatus }).__ntpLab;
    return lab !== undefined && (lab.done || lab.error !== null);
  }, null, { timeout });
  return labStatus(page);
}

describe('browser lab', () => {
  it('trains SVOP with WASM in a worker, draws Figure 2 and the heatmaps, and predicts "S P" → V', async () => {
    const { page, errors } = await openLab();
    await page.selectOption('[data-testid=data-source]', 'svop');
    await page.waitForSelector('[data-testid=structure-table] tbody tr');
    expect(await page.locator('[data-testid=structure-table] tbody tr').count()).toBe(4);
    await page.selectOption('[data-testid=backend]', 'wasm');
    await page.click('[data-testid=train]');

    const lab = await waitForEnd(page, 90_000);
    expect(lab.error).toBeNull();
    expect(lab.backendUsed).toBe('wasm');
    expect(lab.finalLoss).not.toBeNull();
    expect(lab.finalLoss!).toBeLessThan(0.05);
    expect(await page.textContent('[data-testid=backend-used]')).toContain('wasm');
    expect(Number(await page.textContent('[data-testid=final-loss]'))).toBeCloseTo(lab.finalLoss!, 4);
    expect(await page.textContent('[data-testid=progress]')).toBe('1800 / 1800');

    // six panels of Figure 2 and two heatmaps, drawn as SVG by vega
    expect(await page.locator('[data-testid=figure] svg').count()).toBe(1);
    expect(await page.locator('[data-testid=figure] svg').textContent()).toContain('Stage 2: direction of W_kq');
    expect(await page.locator('[data-testid=heatmaps] svg').textContent()).toContain('max-margin W*_kq');
    expect(await page.textContent('[data-testid=prop2-gap]')).toMatch(/\d/);

    await page.fill('[data-testid=context-input]', 'S P');
    await expect.poll(() => page.textContent('[data-testid=prediction-next]')).toBe('V');
    const probability = Number(await page.textContent('[data-testid=prediction-probability]'));
    expect(probability).toBeGreaterThan(0.5);

    // under test-results/ (ignored by git): a test run never rewrites the tracked docs/lab.png
    await mkdir(`${repo}test-results`, { recursive: true });
    await page.screenshot({ path: `${repo}test-results/lab.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('stops between chunks and resumes the same run', async () => {
    const { page, errors } = await openLab();
    await page.selectOption('[data-testid=data-source]', 'random');
    await page.fill('[data-testid=random-vocab]', '12');
    await page.click('#generate');
    await page.waitForSelector('[data-testid=structure-table] tbody tr');
    await page.fill('[data-testid=t0]', '1000');
    await page.fill('[data-testid=t1]', '1000000');
    await page.click('[data-testid=train]');
    await page.waitForFunction(() => /^[1-9]\d* \//.test(document.querySelector('[data-testid=progress]')?.textContent ?? ''));
    await page.click('[data-testid=stop]');
    await page.waitForSelector('[data-testid=run-status]:text-matches("^paused")');
    const stepOf = async () => Number((await page.textContent('[data-testid=progress]'))!.split(' / ')[0]);
    const paused = await stepOf();
    expect(paused).toBeGreaterThan(0);
    expect(paused).toBeLessThan(1_001_000);
    await page.waitForTimeout(300);
    expect(await stepOf()).toBe(paused); // really paused: no more records
    // a paused run already answers predictions
    await page.fill('[data-testid=context-input]', 't0');
    await expect.poll(() => page.locator('[data-testid=prediction-next]').count()).toBe(1);

    await page.click('[data-testid=resume]');
    await expect.poll(stepOf, { timeout: 20_000 }).toBeGreaterThan(paused);
    await page.click('[data-testid=stop]');
    await page.waitForSelector('[data-testid=run-status]:text-matches("^paused")');
    expect((await labStatus(page)).done).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('refuses an empty T0 box with a message, and no stale "done"', async () => {
    const { page, errors } = await openLab();
    await page.selectOption('[data-testid=data-source]', 'svop');
    await page.waitForSelector('[data-testid=structure-table] tbody tr');
    await page.fill('[data-testid=t0]', '20');
    await page.fill('[data-testid=t1]', '20');
    await page.click('[data-testid=train]');
    expect((await waitForEnd(page, 60_000)).done).toBe(true);
    await page.fill('[data-testid=t0]', '');
    await page.click('[data-testid=train]');
    const box = page.locator('[data-testid=error]');
    await box.waitFor({ state: 'visible' });
    expect(await box.textContent()).toContain('T0 must be a whole number of steps ≥ 0 (the box is empty)');
    expect(await page.textContent('[data-testid=run-status]')).toBe('idle');
    expect((await labStatus(page)).done).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('shows the SCCs of cyclic data and the W_svm / W_fin heatmaps (example 1 of docs/theory/cyclic.md#worked-examples)', async () => {
    const { page, errors } = await openLab();
    const cyclic = {
      vocab: ['a', 'b', 'c', 'q'],
      samples: [
        { context: ['a'], next: 'b' }, { context: ['b'], next: 'c' }, { context: ['c'], next: 'q' }, { context: ['q'], next: 'a' },
        { context: ['a', 'b', 'q'], next: 'b', count: 2 }, { context: ['b', 'a', 'q'], next: 'c' }, { context: ['a', 'c', 'q'], next: 'b' }, { context: ['c', 'q'], next: 'q' },
      ],
    };
    await page.selectOption('[data-testid=data-source]', 'upload');
    await page.setInputFiles('[data-testid=file-input]', { name: 'cyclic.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(cyclic)) });
    await page.waitForSelector('[data-testid=sccs] li');
    expect(await page.textContent('[data-testid=sccs]')).toBe('query q: {a b} > {c} > {q}');
    await page.fill('[data-testid=t0]', '100');
    await page.fill('[data-testid=t1]', '100');
    await page.click('[data-testid=train]');
    const lab = await waitForEnd(page, 60_000);
    expect(lab.error).toBeNull();
    const heat = await page.locator('[data-testid=heatmaps] svg').textContent();
    expect(heat).toContain('graph-SVM W_svm');
    expect(heat).toContain('finite part W_fin (selection head)');
    // the cosine is measured against W_svm (the trainer's reference on cyclic data), not left blank
    expect(await page.textContent('#result-summary')).toContain('cos(W_kq, W_svm)');
    expect(Number(await page.textContent('[data-testid=cosine]'))).toBeGreaterThan(0.9);
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it('says a converged run converged, with the steps, rather than "stopped early (converged, converged)"', async () => {
    const { page, errors } = await openLab();
    await page.selectOption('[data-testid=data-source]', 'svop');
    await page.waitForSelector('[data-testid=structure-table] tbody tr');
    await page.fill('[data-testid=t0]', '20000');
    await page.fill('[data-testid=t1]', '20000');
    await page.click('[data-testid=train]');
    expect((await waitForEnd(page, 90_000)).done).toBe(true);
    const status = await page.textContent('[data-testid=run-status]');
    expect(status).toMatch(/^done: stage 1 converged at step \d+ of 20000, stage 2 converged at step \d+ of 20000 \(loss below what the precision resolves\)$/);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('fits both heatmaps in their box at |V| = 80 and thins the tick labels so none overlap', async () => {
    const { page, errors } = await openLab();
    await page.selectOption('[data-testid=data-source]', 'random');
    await page.fill('[data-testid=random-vocab]', '80');
    await page.click('#generate');
    await page.waitForSelector('[data-testid=structure-table] tbody tr');
    await page.fill('[data-testid=t0]', '10');
    await page.fill('[data-testid=t1]', '10');
    await page.click('[data-testid=train]');
    expect((await waitForEnd(page, 90_000)).done).toBe(true);
    await page.waitForSelector('[data-testid=heatmaps] svg');
    const layout = await page.evaluate(() => {
      const box = document.querySelector('[data-testid=heatmaps]')!;
      const svg = box.querySelector('svg')!.getBoundingClientRect();
      const labels = Array.from(box.querySelectorAll('.role-axis-label text')).map((t) => t.getBoundingClientRect());
      let overlaps = 0;
      for (let i = 0; i < labels.length; i++) {
        for (let j = i + 1; j < labels.length; j++) {
          const a = labels[i];
          const b = labels[j];
          if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) overlaps++;
        }
      }
      return { svgRight: svg.right, boxRight: box.getBoundingClientRect().right, labels: labels.length, overlaps };
    });
    expect(layout.svgRight).toBeLessThanOrEqual(layout.boxRight + 1);
    expect(layout.labels).toBeGreaterThan(8); // 2 panels × 2 axes, thinned but present
    expect(layout.labels).toBeLessThan(4 * 60);
    expect(layout.overlaps).toBe(0);
    await mkdir(`${repo}test-results`, { recursive: true });
    await page.locator('[data-testid=heatmaps]').screenshot({ path: `${repo}test-results/lab-heatmaps-80.png` });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('shows a malformed uploaded dataset in the error box', async () => {
    const { page, errors } = await openLab();
    await page.selectOption('[data-testid=data-source]', 'upload');
    await page.setInputFiles('[data-testid=file-input]', { name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"vocab": ["a", "b"], "samples": [ {"context": ["a"], "next": "c"} ]}') });
    const box = page.locator('[data-testid=error]');
    await box.waitFor({ state: 'visible' });
    expect(await box.textContent()).toMatch(/broken\.json: .*"c"/);
    expect(await page.locator('[data-testid=train]').isDisabled()).toBe(true);

    await page.setInputFiles('[data-testid=file-input]', { name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"vocab": ["a", "b"],') });
    await expect.poll(() => box.textContent()).toMatch(/bad\.json: malformed JSON/);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
