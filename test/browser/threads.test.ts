// Training on two threads in a real headless Chromium: the lab's Vite server sends the
// cross-origin isolation headers, so a Web Worker gets SharedArrayBuffer and starts workers of
// its own; the page itself (a main thread) falls back to one thread and says why.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let server: ViteDevServer | undefined;
let browser: Browser | undefined;
let baseUrl = '';

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`);
  server = await createServer({ configFile: `${repo}examples/browser/vite.config.ts`, server: { host: '127.0.0.1', port: 0 }, logLevel: 'warn', clearScreen: false });
  await server.listen();
  baseUrl = server.resolvedUrls?.local[0] ?? '';
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface Run { threads: number; warnings: string[]; loss: number; Wkq: number[]; Wov: number[] }

describe('threads in the browser', () => {
  it('a Web Worker of the cross-origin isolated lab trains on two threads, with the one-thread numbers', async () => {
    const page = await browser!.newPage();
    await page.goto(baseUrl);
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    const url = `${baseUrl}@fs${repo}test/browser/threads-worker.ts`;
    const out = await page.evaluate(
      (u) =>
        new Promise<{ isolated: boolean; one: Run; two: Run; error?: string }>((resolve) => {
          const w = new Worker(u, { type: 'module' });
          w.onmessage = (e) => resolve(e.data);
          w.onerror = (e) => resolve({ error: e.message } as never);
        }),
      url,
    );
    expect(out.error).toBeUndefined();
    expect(out.isolated).toBe(true);
    expect(out.one.threads).toBe(1);
    expect(out.two.threads).toBe(2);
    expect(out.two.warnings.filter((w) => /thread/.test(w))).toEqual([]);
    expect(out.two.Wkq).toEqual(out.one.Wkq);
    expect(out.two.Wov).toEqual(out.one.Wov);
    expect(out.two.loss).toBe(out.one.loss);
    expect(out.one.loss).toBeLessThan(3);
    await page.close();
  }, 120_000);

  it("a page's main thread, which may not block, trains on one thread and says why in the warnings", async () => {
    const page = await browser!.newPage();
    await page.goto(baseUrl);
    // a string, so that vitest does not rewrite the page's dynamic import
    const r = (await page.evaluate(`(async () => {
      const ntp = await import(${JSON.stringify(`${baseUrl}@fs${repo}src/index.ts`)});
      const res = await ntp.train(ntp.svopExample(), { threads: 2, t0: 20, t1: 20 });
      return { threads: res.config.threads, warnings: res.warnings };
    })()`)) as { threads: number; warnings: string[] };
    expect(r.threads).toBe(1);
    expect(r.warnings).toContain("training on one thread instead of 2: a browser's main thread cannot wait for other threads (Atomics.wait); train in a Web Worker");
    await page.close();
  }, 120_000);
});
