// The lab's family pages (examples/browser/*.html) in headless Chromium, served by Vite's dev server
// with the COOP/COEP headers: each trains its default example to the result the theory gives, with
// no console error, and leaves a screenshot in test-results/lab-<family>.png.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoregressive } from '../../src/index.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PAGES = ['core', 'cyclic', 'factorized', 'recall', 'autoregressive'];

interface PageStatus {
  done: boolean;
  error: string | null;
  summary: Record<string, unknown>;
}

let server: ViteDevServer | undefined;
let browser: Browser | undefined;
let baseUrl = '';
let setupError: Error | null = null;

beforeAll(async () => {
  try {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`);
    server = await createServer({ configFile: `${repo}examples/browser/vite.config.ts`, server: { host: '127.0.0.1', port: 0 }, logLevel: 'warn', clearScreen: false });
    await server.listen();
    baseUrl = server.resolvedUrls?.local[0] ?? '';
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    await mkdir(`${repo}test-results`, { recursive: true });
  } catch (e) {
    setupError = e instanceof Error ? e : new Error(String(e));
  }
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh page; errors in the page, its console and its workers are collected for the assertions. */
async function open(file: string): Promise<{ page: Page; errors: string[] }> {
  if (setupError) throw setupError;
  const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && errors.push(`worker: ${m.text()}`)));
  await page.goto(`${baseUrl}${file}`);
  return { page, errors };
}

async function finished(page: Page, timeout = 120_000): Promise<PageStatus> {
  await page.waitForFunction(() => (window as unknown as { __ntpPage?: PageStatus }).__ntpPage?.done === true, null, { timeout });
  return page.evaluate(() => (window as unknown as { __ntpPage: PageStatus }).__ntpPage);
}

interface RecallLab {
  error: string | null;
  bayesRisk: number;
  lossHat: number;
  steps: number;
}

/** The recall page's status once its run has ended (it keeps its own, `__ntpRecallLab`). */
async function recallFinished(page: Page, timeout = 120_000): Promise<RecallLab> {
  await page.waitForFunction(() => (window as unknown as { __ntpRecallLab?: { done: boolean } }).__ntpRecallLab?.done === true, null, { timeout });
  return page.evaluate(() => (window as unknown as { __ntpRecallLab: RecallLab }).__ntpRecallLab);
}

/** The shared navigation: every page linked, this one marked current. */
async function expectNav(page: Page, current: string): Promise<void> {
  for (const p of PAGES) expect(await page.locator(`[data-testid=nav-${p}]`).count(), p).toBe(1);
  expect(await page.getAttribute(`[data-testid=nav-${current}]`, 'aria-current')).toBe('page');
}

/** Nothing drawn wider than its panel: a chart or legend past the edge would be clipped or scroll. */
async function expectNoOverflow(page: Page): Promise<void> {
  const over = await page.evaluate(() => Array.from(document.querySelectorAll('section')).filter((s) => s.scrollWidth > s.clientWidth + 1).map((s) => s.querySelector('h2')?.textContent));
  expect(over).toEqual([]);
}

describe('lab pages, one per family', () => {
  it('cyclic: worked example 1 goes to the graph-SVM direction, cos(W_kq, W_svm) > 0.99, with W_svm and W_fin beside it', async () => {
    const { page, errors } = await open('cyclic.html');
    await expectNav(page, 'cyclic');
    // served cross-origin isolated, so the thread control offers more than one thread where there are cores
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await page.click('[data-testid=train]');
    const s = await finished(page);
    expect(s.error).toBeNull();
    expect(s.summary.cosine as number).toBeGreaterThan(0.99);
    const heatmaps = await page.locator('[data-testid=heatmaps] svg').textContent();
    for (const title of ['learned W_kq', 'graph-SVM W_svm', 'finite part W_fin']) expect(heatmaps).toContain(title);
    // Figure 2's stage-2 direction panel names the reference it measures against
    const fig = await page.locator('[data-testid=figure] svg').textContent();
    expect(fig).toContain('1 − cos(W_kq, W_svm)');
    expect(fig).not.toContain('W*_kq');
    await expectNoOverflow(page);
    await page.screenshot({ path: `${repo}test-results/lab-cyclic.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('factorized: W reaches the Frobenius SVM (ratio 1), K_f·Q_fᵀ the nuclear-norm SVM (ratio < 1.02); rank W_F = 2, rank W_* = 1; stop and resume change nothing', async () => {
    const { page, errors } = await open('factorized.html');
    await expectNav(page, 'factorized');
    await page.click('[data-testid=train]');
    const s = await finished(page);
    expect(s.error).toBeNull();
    const r = s.summary as Record<string, number>;
    // ν* = 2/√3 and ‖W_F‖_* / ν* = ((1 + √3)/2) / (2/√3) for these two constraints
    expect(Math.abs(r.nuStar - 2 / Math.sqrt(3))).toBeLessThan(2e-9);
    expect(Math.abs(r.froW - 1)).toBeLessThan(1e-6);
    expect(Math.abs(r.nucW - (1 + Math.sqrt(3)) / 2 / (2 / Math.sqrt(3)))).toBeLessThan(1e-5);
    expect(r.nucKQ).toBeGreaterThan(1);
    expect(r.nucKQ).toBeLessThan(1.02);
    expect(r.froKQ).toBeGreaterThan(1.1);
    expect(r.rankWF).toBe(2);
    expect(r.rankWstar).toBe(1);
    await expectNoOverflow(page);
    await page.screenshot({ path: `${repo}test-results/lab-factorized.png`, fullPage: true });

    // the same run paused midway and resumed: the very same iterates, so the very same numbers
    await page.click('[data-testid=train]');
    await page.waitForFunction(() => /^\d+ \//.test(document.querySelector('[data-testid=step]')?.textContent ?? '') && Number.parseInt(document.querySelector('[data-testid=step]')!.textContent!, 10) > 0);
    await page.click('[data-testid=stop]');
    await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.textContent === 'paused');
    const pausedAt = await page.textContent('[data-testid=step]');
    await page.waitForTimeout(300);
    expect(await page.textContent('[data-testid=step]')).toBe(pausedAt);
    await page.click('[data-testid=resume]');
    const again = await finished(page);
    expect(again.summary).toEqual(s.summary);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('recall: Reparam-Linear-FA at α = 0.5 reaches the Bayes risk ln 2, the legend inside its panel', async () => {
    const { page, errors } = await open('recall.html');
    await expectNav(page, 'recall');
    await page.click('[data-testid=run]');
    const lab = await recallFinished(page);
    expect(lab.error).toBeNull();
    expect(lab.steps).toBe(200);
    // L̂_200 = ln 2 + ln(1 + 29e^{−20}) (docs/theory/recall.md)
    expect(Math.abs(lab.lossHat - Math.log(2) - Math.log1p(29 * Math.exp(-20)))).toBeLessThan(1e-12);
    expect(await page.locator('[data-testid=figure] svg').textContent()).toContain('Bayes risk h(0.5)');
    // the legend lies within the figure's panel (it was cut off at the right edge)
    const inside = await page.evaluate(() => {
      const panel = document.querySelector('[data-testid=figure]')!.closest('section')!.getBoundingClientRect();
      const legend = document.querySelector('[data-testid=figure] .role-legend')!.getBoundingClientRect();
      return legend.width > 0 && legend.left >= panel.left && legend.right <= panel.right;
    });
    expect(inside).toBe(true);
    await expectNoOverflow(page);
    await page.screenshot({ path: `${repo}test-results/lab-recall.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('autoregressive: the test loss falls, and the CKD curve on the page is the reference computed in Node on the same test sequences', async () => {
    const { page, errors } = await open('autoregressive.html');
    await expectNav(page, 'autoregressive');
    await page.click('[data-testid=train]');
    const s = await finished(page);
    expect(s.error).toBeNull();
    const r = s.summary as { firstTestLoss: number; lastTestLoss: number; steps: number; T: number; ckd: number[]; model: number[] };
    expect(r.steps).toBe(300);
    expect(r.lastTestLoss).toBeLessThan(r.firstTestLoss / 2);
    // CKD (linear kernel, Kaczmarz limit) on the page's default test set, here in Node
    const config = autoregressive.resolveTrainConfig({ process: 'haar', d: 3, length: 20, attention: 'linear', layers: 2, heads: 2, steps: 300 });
    const { test } = autoregressive.trainTestSets({ family: config.process, d: config.d, length: config.length, period: config.period, theta: config.theta, trainSequences: config.trainSequences, testSequences: config.testSequences, seed: config.seed });
    const ckd = autoregressive.errorCurve((x, d, T) => autoregressive.ckdPredictions(x, d, T, { kernel: 'linear', depth: Infinity, eta: 1 }), test);
    expect(r.ckd.length).toBe(20);
    r.ckd.forEach((v, i) => expect(Math.abs(v - ckd.squared[i]!), `e(${i + 1})`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(ckd.squared[i]!))));
    const text = await page.locator('[data-testid=curves] svg').textContent();
    for (const name of ['trained transformer', 'CKD, linear kernel', 'least squares']) expect(text).toContain(name);
    await expectNoOverflow(page);
    await page.screenshot({ path: `${repo}test-results/lab-autoregressive.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('factorized, recall, autoregressive: a run on 2 threads says so and ends where the run on 1 thread ends', async () => {
    // each page's summary numbers (recall's: the held-out loss), which must agree across thread counts to rounding
    for (const file of ['factorized', 'recall', 'autoregressive']) {
      const { page, errors } = await open(`${file}.html`);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      const button = file === 'recall' ? 'run' : 'train';
      const numbers = async (): Promise<Record<string, number>> => {
        if (file === 'recall') {
          const lab = await recallFinished(page);
          expect(lab.error).toBeNull();
          return { lossHat: lab.lossHat };
        }
        const s = await finished(page);
        expect(s.error).toBeNull();
        return Object.fromEntries(Object.entries(s.summary).filter(([, v]) => typeof v === 'number')) as Record<string, number>;
      };
      const runs: Array<Record<string, number>> = [];
      for (const threads of ['1', '2']) {
        await page.selectOption('[data-testid=threads]', threads);
        await page.click(`[data-testid=${button}]`);
        runs.push(await numbers());
        expect(await page.textContent('[data-testid=status]'), `${file}, ${threads} threads`).toMatch(new RegExp(`^done: [0-9.]+ s on ${threads} thread${threads === '1' ? '' : 's'}$`));
      }
      expect(Object.keys(runs[0]).length, file).toBeGreaterThan(0);
      for (const [k, v] of Object.entries(runs[0])) expect(Math.abs(runs[1][k] - v), `${file} ${k}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(v)));
      expect(errors).toEqual([]);
      await page.close();
    }
  }, 360_000);

  it('core: the shared navigation and a thread control on the Algorithm 1 page', async () => {
    const { page, errors } = await open('');
    await expectNav(page, 'core');
    const threads = await page.locator('[data-testid=threads] option').count();
    expect(threads).toBeGreaterThanOrEqual(1);
    expect(await page.isDisabled('[data-testid=threads]')).toBe(threads === 1);
    // the js backend has no threads: the control says so while it is chosen
    await page.selectOption('[data-testid=backend]', 'js');
    expect(await page.isDisabled('[data-testid=threads]')).toBe(true);
    expect(await page.textContent('#thread-note')).toBe('one thread: the js backend has no threads');
    await page.selectOption('[data-testid=backend]', 'wasm');
    expect(await page.isDisabled('[data-testid=threads]')).toBe(threads === 1);
    expect(await page.textContent('#thread-note')).toMatch(/^of \d+ cores$/);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
