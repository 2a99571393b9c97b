// The recall lab page (examples/browser/recall.html) in headless Chromium: pick a model, train,
// watch the loss reach the Bayes risk; a refused configuration shows its error.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface RecallLabStatus {
  done: boolean;
  error: string | null;
  bayesRisk: number | null;
  lossHat: number | null;
  status: string | null;
}

let server: ViteDevServer | undefined;
let browser: Browser | undefined;
let baseUrl = '';
let setupError: Error | null = null;

beforeAll(async () => {
  try {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}`);
    server = await createServer({ configFile: `${repo}examples/browser/vite.config.ts`, server: { host: '127.0.0.1', port: 0 }, logLevel: 'warn', clearScreen: false });
    await server.listen();
    baseUrl = server.resolvedUrls?.local[0] ?? '';
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  } catch (e) {
    setupError = e instanceof Error ? e : new Error(String(e));
  }
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(): Promise<{ page: Page; errors: string[] }> {
  if (setupError) throw setupError;
  const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${baseUrl}recall.html`);
  return { page, errors };
}

const finished = async (page: Page, timeout: number): Promise<RecallLabStatus> => {
  await page.waitForFunction(() => (window as unknown as { __ntpRecallLab?: RecallLabStatus }).__ntpRecallLab?.done === true, null, { timeout });
  return page.evaluate(() => (window as unknown as { __ntpRecallLab: RecallLabStatus }).__ntpRecallLab);
};

describe('recall lab', () => {
  it('Reparam-Linear-FA at α = 0.5 reaches the Bayes risk ln 2, drawn with its line', async () => {
    const { page, errors } = await open();
    await page.selectOption('[data-testid=model]', 'reparam');
    await page.fill('[data-testid=alpha]', '0.5');
    await page.fill('[data-testid=context]', '24');
    await page.fill('[data-testid=batch]', '32');
    await page.fill('[data-testid=steps]', '200');
    await page.click('[data-testid=run]');
    const lab = await finished(page, 90_000);
    expect(lab.error).toBeNull();
    expect(lab.bayesRisk).toBeCloseTo(Math.log(2), 12);
    // L̂_200 = ln 2 + ln(1 + 29e^{−20}) (docs/theory/recall.md#bayes-optimal-predictor-and-closed-forms)
    expect(Math.abs(lab.lossHat! - Math.log(2) - Math.log1p(29 * Math.exp(-20)))).toBeLessThan(1e-12);
    expect(await page.textContent('[data-testid=step]')).toBe('200 / 200');
    expect(await page.locator('[data-testid=figure] svg').textContent()).toContain('Bayes risk h(0.5)');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('Origin-Linear-F is refused with its reason', async () => {
    const { page, errors } = await open();
    await page.selectOption('[data-testid=model]', 'origin');
    await page.selectOption('[data-testid=kappa]', '0');
    await page.click('[data-testid=run]');
    const lab = await finished(page, 30_000);
    expect(lab.error).toMatch(/never trains attention/);
    expect(await page.isVisible('[data-testid=error]')).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
