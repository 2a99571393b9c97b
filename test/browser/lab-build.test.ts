// `npm run lab:build` builds every page of the lab: the built output has one page per family
// with its scripts, and the built recall page trains in headless Chromium.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const configFile = `${repo}examples/browser/vite.config.ts`;

let outDir = '';
let server: PreviewServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'ntp-lab-build-'));
  await build({ configFile, logLevel: 'error', build: { outDir, emptyOutDir: true } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/** The local files a built page loads (scripts and style sheets), relative to the output. */
function assetsOf(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1]);
}

describe('lab:build', () => {
  it('writes every page (core, cyclic, factorized, recall, autoregressive), each with the scripts it loads', () => {
    for (const page of ['index.html', 'cyclic.html', 'factorized.html', 'recall.html', 'autoregressive.html']) {
      const file = join(outDir, page);
      expect(existsSync(file), page).toBe(true);
      const html = readFileSync(file, 'utf8');
      const assets = assetsOf(html);
      expect(assets.some((a) => a.endsWith('.js')), `${page} loads a script`).toBe(true);
      for (const a of assets) expect(existsSync(join(outDir, a)), `${page} → ${a}`).toBe(true);
      // the sources are not referenced: the page runs without Vite
      expect(html).not.toMatch(/src="\.\/\w+\.ts"/);
    }
    expect(readFileSync(join(outDir, 'recall.html'), 'utf8')).toContain('data-testid="run"');
  });

  it('the built recall page trains Reparam-Linear-FA at α = 0.5 to the Bayes risk ln 2', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}`);
    server = await preview({ configFile, logLevel: 'error', build: { outDir }, preview: { host: '127.0.0.1', port: 0 } });
    const base = server.resolvedUrls?.local[0] ?? '';
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}recall.html`);
    await page.selectOption('[data-testid=model]', 'reparam');
    await page.fill('[data-testid=alpha]', '0.5');
    await page.fill('[data-testid=context]', '24');
    await page.fill('[data-testid=batch]', '32');
    await page.fill('[data-testid=steps]', '200');
    await page.click('[data-testid=run]');
    await page.waitForFunction(() => (window as unknown as { __ntpRecallLab?: { done: boolean } }).__ntpRecallLab?.done === true, null, { timeout: 90_000 });
    const lab = await page.evaluate(() => (window as unknown as { __ntpRecallLab: { error: string | null; bayesRisk: number; lossHat: number } }).__ntpRecallLab);
    expect(lab.error).toBeNull();
    expect(lab.bayesRisk).toBeCloseTo(Math.log(2), 12);
    // L̂_200 = ln 2 + ln(1 + 29e^{−20}) (docs/theory/recall.md#bayes-optimal-predictor-and-closed-forms), as in the dev-server test
    expect(Math.abs(lab.lossHat - Math.log(2) - Math.log1p(29 * Math.exp(-20)))).toBeLessThan(1e-12);
    // every built page is served cross-origin isolated by `vite preview`: threads, stop and resume
    for (const file of ['index.html', 'cyclic.html', 'factorized.html', 'recall.html', 'autoregressive.html']) {
      await page.goto(`${base}${file}`);
      expect(await page.evaluate(() => crossOriginIsolated), file).toBe(true);
    }
    expect(errors).toEqual([]);
  }, 120_000);
});
