// A user's browser page, bundled with no configuration: `import … from 'ntp-dynamics'` resolved
// through the package's exports (the built dist/, as installed), by esbuild for the browser and by
// Vite, with no error and no warning (no Node built-in reachable, not even through a dynamic
// import). The esbuild bundle then trains every family in Chromium, to the same numbers as Node.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build as esbuild, type Metafile } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { build as viteBuild, createLogger } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Every family's browser-safe API on a tiny example; returns the numbers the test compares.
const FAMILIES_JS = `import { train, predict, svopExample, trainCyclic, generateLiCyclic, createFactorizedModel, packDataset, analyze, fromArrays, recall, autoregressive } from 'ntp-dynamics';

export async function runFamilies() {
  // recall first: its WebAssembly backend takes a pooled instance without zeroing its weights, so a
  // model disposed before it (any family's) changes its run
  const rc = await recall.runRecall({ model: 'reparam', attention: 'linear', kappa: 1, alpha: 0.5, vocab: 60, context: 24, batch: 32, steps: 200, eta: 0.1, every: 100, evalSize: 256, testSize: 128 });
  const svop = svopExample();
  const core = await train(svop, { t0: 300, t1: 300 });
  const last = core.stage2[core.stage2.length - 1];
  const next = predict(core.parameters, ['S', 'P'].map((t) => svop.vocab.indexOf(t))).next;

  const cyclic = await trainCyclic(generateLiCyclic({ seed: 3 }), { steps: 200, every: 50 });

  const ds = fromArrays(['x', 'y', 'z'], [
    { context: ['x'], next: 'y' }, { context: ['y'], next: 'z' }, { context: ['z'], next: 'x' },
    { context: ['y', 'x'], next: 'z' }, { context: ['y', 'z'], next: 'z' },
  ]);
  const fm = await createFactorizedModel(packDataset(ds, analyze(ds).collocation), { init: 'pytorch', initSeed: 0 });
  fm.model.stage1(100, 0.5);
  const factorized = fm.stage2(200, 0.01);
  const Wkq = Array.from(fm.getWkq());
  fm.dispose();

  const ar = await autoregressive.trainAutoregressive({ d: 2, length: 6, layers: 1, heads: 1, batch: 8, steps: 20, trainSequences: 32, testSequences: 8 }, 10);

  return {
    core: { loss: last.loss, cosine: last.cosine, next: svop.vocab[next] },
    cyclic: { status: cyclic.status, loss: cyclic.records[cyclic.records.length - 1].loss, cosSvm: cyclic.records[cyclic.records.length - 1].cosSvm },
    factorized: { loss: factorized.loss, Wkq },
    recall: { lossHat: rc.final.lossHat, bayesRisk: rc.bayesRisk },
    autoregressive: { testLoss: ar.records[ar.records.length - 1].testLoss },
  };
}
`;

const PAGE_JS = `import { runFamilies } from './families.js';
runFamilies().then((r) => { window.__result = r; }, (e) => { window.__error = String((e && e.stack) || e); });
`;

// a page that trains the core family only: every other family must be tree-shaken away
const CORE_JS = `import { train, predict, svopExample } from 'ntp-dynamics';
const run = await train(svopExample(), { t0: 20, t1: 20 });
console.log(predict(run.parameters, [0, 3]).next);
`;

const HTML = '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body><script type="module" src="./page.js"></script></body></html>\n';

let dir = '';
let server: Server | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  // a project with the package installed: node_modules/ntp-dynamics is this repository
  dir = await mkdtemp(join(tmpdir(), 'ntp-bundle-'));
  await mkdir(join(dir, 'node_modules'));
  await symlink(repo, join(dir, 'node_modules/ntp-dynamics'), 'dir');
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'page', private: true, type: 'module' }));
  await writeFile(join(dir, 'families.js'), FAMILIES_JS);
  await writeFile(join(dir, 'page.js'), PAGE_JS);
  await writeFile(join(dir, 'core.js'), CORE_JS);
  await writeFile(join(dir, 'index.html'), HTML);
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function bundle(entry: string, outfile: string): Promise<{ warnings: string[]; metafile: Metafile }> {
  const r = await esbuild({ absWorkingDir: dir, entryPoints: [entry], outfile, bundle: true, platform: 'browser', format: 'esm', logLevel: 'silent', metafile: true });
  return { warnings: r.warnings.map((w) => w.text), metafile: r.metafile };
}

/** The package's modules in a bundle, relative to the repository. */
const packageInputs = (m: Metafile) => Object.keys(m.inputs).map((p) => (p.startsWith('node:') ? p : relative(repo, resolve(dir, p))));

describe('a browser page bundled with no configuration', () => {
  it('esbuild --bundle --platform=browser: no error, no warning, no Node built-in, the browser entry', async () => {
    if (!existsSync(join(repo, 'dist/src/index.js'))) throw new Error('dist/ is missing: run `npm run build`');
    const { warnings, metafile } = await bundle('page.js', 'out/page.js');
    expect(warnings).toEqual([]);
    const inputs = packageInputs(metafile);
    expect(inputs.filter((p) => p.startsWith('node:'))).toEqual([]);
    // the main entry, not the Node one; no sweep engine, no file I/O, no worker pool
    expect(inputs).toContain('dist/src/index.js');
    expect(inputs.filter((p) => /dist\/src\/(node|sweep\/|io\/(files|output-dir))|tinypool/.test(p))).toEqual([]);
    for (const family of ['cyclic', 'factorized', 'recall', 'autoregressive']) expect(inputs.some((p) => p.startsWith(`dist/src/tasks/${family}/`)), family).toBe(true);
  });

  it('a core-only page (train, predict) tree-shakes every other family away', async () => {
    const { warnings, metafile } = await bundle('core.js', 'out/core.js');
    expect(warnings).toEqual([]);
    const inputs = packageInputs(metafile);
    expect(inputs).toContain('dist/src/train/run.js');
    const output = Object.values(metafile.outputs)[0].inputs;
    const shipped = Object.entries(output).filter(([, v]) => v.bytesInOutput > 0).map(([p]) => relative(repo, resolve(dir, p)));
    expect(shipped.filter((p) => p.includes('/tasks/') || p.includes('/figure/'))).toEqual([]);
  });

  it('vite build: no warning (no module "externalized for browser compatibility")', async () => {
    const warnings: string[] = [];
    const logger = createLogger('warn', { allowClearScreen: false });
    logger.warn = (msg) => void warnings.push(msg);
    logger.warnOnce = (msg) => void warnings.push(msg);
    logger.error = (msg) => void warnings.push(msg);
    await viteBuild({
      root: dir,
      configFile: false,
      logLevel: 'warn',
      customLogger: logger,
      build: {
        outDir: join(dir, 'vite-out'),
        emptyOutDir: true,
        target: 'es2022',
        // the embedded WebAssembly is most of a page: larger than Vite's 500 kB advice is expected
        chunkSizeWarningLimit: 1000,
        rollupOptions: { onwarn: (w) => void warnings.push(w.message) },
      },
    });
    expect(warnings).toEqual([]);
    expect(existsSync(join(dir, 'vite-out/index.html'))).toBe(true);
  }, 120_000);

  it('the esbuild bundle trains every family in Chromium to the numbers Node gets', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}`);
    await bundle('page.js', 'out/page.js');
    await writeFile(join(dir, 'out/index.html'), HTML);
    server = createServer((req, res) => {
      const path = join(dir, 'out', new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/$/, '/index.html'));
      readFile(path).then(
        (body) => res.writeHead(200, { 'content-type': extname(path) === '.html' ? 'text/html' : 'text/javascript' }).end(body),
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => '__result' in window || '__error' in window, null, { timeout: 90_000 });
    const inBrowser = await page.evaluate(() => (window as unknown as { __result?: unknown; __error?: string }).__result ?? (window as unknown as { __error: string }).__error);
    expect(errors).toEqual([]);
    // the same module in Node, where 'ntp-dynamics' resolves to the Node entry
    const { runFamilies } = (await import(pathToFileURL(join(dir, 'families.js')).href)) as { runFamilies: () => Promise<Record<string, Record<string, unknown>>> };
    const inNode = await runFamilies();
    expect(inNode.core).toMatchObject({ next: 'V' });
    expect(inNode.core.cosine as number).toBeGreaterThan(0.99);
    // Reparam-Linear-FA at α = 0.5: L̂_200 = ln 2 + ln(1 + 29e^{−20}) (docs/theory/recall.md)
    expect(Math.abs((inNode.recall.lossHat as number) - Math.log(2) - Math.log1p(29 * Math.exp(-20)))).toBeLessThan(1e-12);
    expect(inNode.recall.bayesRisk).toBeCloseTo(Math.log(2), 14);
    // the same WebAssembly kernels on the same data: equal to rounding, family by family
    expect(inBrowser).toEqual(JSON.parse(JSON.stringify(inNode)));
  }, 150_000);
});
