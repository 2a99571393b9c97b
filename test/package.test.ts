// The package as a user gets it: `npm pack` (of the built dist/), installed into an empty project.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../', import.meta.url).pathname;
const tsc = join(root, 'node_modules/typescript/bin/tsc');
// offline where the cache has it (CI's `npm ci` fills it); never runs install scripts
const npmFlags = ['--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'];

let dir: string;
let project: string;
let tarball: string;
let files: string[];

async function sizeOf(path: string): Promise<number> {
  const s = await stat(path);
  if (!s.isDirectory()) return s.size;
  let total = 0;
  for (const name of await readdir(path)) total += await sizeOf(join(path, name));
  return total;
}

/** Runs an ES module in the consumer project; resolves to its stdout, stderr and exit code. */
async function node(code: string, args: string[] = []): Promise<{ out: string; err: string; code: number }> {
  const file = join(project, `check-${Math.random().toString(36).slice(2)}.mjs`);
  await writeFile(file, code);
  try {
    const { stdout, stderr } = await run(process.execPath, [file, ...args], { cwd: project });
    return { out: stdout, err: stderr, code: 0 };
  } catch (e) {
    const x = e as { stdout: string; stderr: string; code: number };
    return { out: x.stdout, err: x.stderr, code: x.code };
  }
}

async function bin(name: string, args: string[]): Promise<{ out: string; err: string; code: number }> {
  try {
    const { stdout, stderr } = await run(join(project, 'node_modules/.bin', name), args, { cwd: project });
    return { out: stdout, err: stderr, code: 0 };
  } catch (e) {
    const x = e as { stdout: string; stderr: string; code: number };
    return { out: x.stdout, err: x.stderr, code: x.code };
  }
}

const FIGURE_INPUT = `{ stage1: [{ step: 0, loss: 1, norm: 0, cosine: null }, { step: 1, loss: 0.5, norm: 1, cosine: 0.9 }],
  stage2: [{ step: 0, loss: 1, norm: 0, cosine: null, optimalAttention: 0.5, accuracy: 1 }, { step: 1, loss: 0.1, norm: 1, cosine: 0.99, optimalAttention: 0.9, accuracy: 1 }] }`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ntp-pack-'));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root });
  const info = JSON.parse(stdout)[0] as { filename: string; files: { path: string }[] };
  tarball = join(dir, info.filename);
  files = info.files.map((f) => f.path);
  project = join(dir, 'consumer');
  await mkdir(project);
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await run('npm', ['install', ...npmFlags, tarball], { cwd: project });
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the built code with types, the theory pages, the AssemblyScript sources, LICENSE and CHANGELOG, and no TypeScript sources, maps or build/ntp.wat', () => {
    for (const f of ['LICENSE', 'CHANGELOG.md', 'README.md', 'package.json', 'dist/src/index.js', 'dist/src/index.d.ts',
      'dist/src/figure/index.js', 'dist/src/figure/index.d.ts', 'dist/src/cli/main.js', 'build/ntp.wasm', 'assembly/index.ts', 'docs/theory/core.md']) {
      expect(files, f).toContain(f);
    }
    // the TypeScript sources (and declaration maps into them) stay in the repository: with them the install passed 3 MB
    expect(files.filter((f) => f.startsWith('src/') || f.endsWith('.d.ts.map'))).toEqual([]);
    expect(files).not.toContain('build/ntp.wat');
    // tsc's line-for-line output reads without them, and they were a quarter of the install (README)
    expect(files.filter((f) => f.endsWith('.js.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('dist/bench/') || f.startsWith('dist/test/'))).toEqual([]);
  });

  it('installs into an empty project with no charting library and under 3 MB in all', async () => {
    const installed = (await readdir(join(project, 'node_modules'))).filter((n) => !n.startsWith('.'));
    // the package and the sweep's worker pool (tinypool, no dependencies): no charting library
    expect(installed.sort()).toEqual(['ntp-dynamics', 'tinypool']);
    const bytes = await sizeOf(join(project, 'node_modules'));
    expect(bytes).toBeLessThan(3_000_000);
  });

  it('is imported by name, required from CommonJS, and runs as ntp and ntp-dynamics', async () => {
    const esm = await node(`import { svopExample, train } from 'ntp-dynamics';
const r = await train(svopExample(), { t0: 50, t1: 50 });
console.log(r.config.backend, r.stage2.length);`);
    expect(esm).toMatchObject({ code: 0, out: 'wasm 6\n' });
    const cjsFile = join(project, 'check.cjs');
    await writeFile(cjsFile, `const { svopExample, analyze } = require('ntp-dynamics');\nconsole.log(analyze(svopExample()).realizable);\n`);
    const { stdout } = await run(process.execPath, [cjsFile], { cwd: project });
    expect(stdout).toBe('true\n');
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
    for (const name of ['ntp', 'ntp-dynamics']) expect(await bin(name, ['--version'])).toMatchObject({ code: 0, out: `${pkg.version}\n` });
  });

  it('the README example type-checks under strict TypeScript against the installed types', async () => {
    await copyFile(join(root, 'examples/api.mjs'), join(project, 'api.mjs'));
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, allowJs: true, checkJs: true, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022', 'DOM'], types: [] },
      files: ['api.mjs'],
    }));
    const r = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    expect(r.stdout).toBe('');
  });

  it('without vega: the figure subpath builds specs, rendering names the missing peers, the CLI writes figure.vl.json', async () => {
    const r = await node(`import { figure2Spec, renderFigure2Svg } from 'ntp-dynamics/figure';
const input = ${FIGURE_INPUT};
console.log(figure2Spec(input).vconcat.length);
try { await renderFigure2Svg(input); console.log('rendered'); } catch (e) { console.log(e.name, e.code); console.log(e.message); }`);
    expect(r.code).toBe(0);
    const [panels, error, message] = r.out.trim().split('\n');
    expect(panels).toBe('2');
    expect(error).toBe('NtpError missing-peer');
    expect(message).toContain('npm install vega vega-lite');
    const cli = await bin('ntp-dynamics', ['train', '--t0', '20', '--t1', '20', '--out', 'no-peers']);
    expect(cli.code).toBe(0);
    expect((await readdir(join(project, 'no-peers'))).sort()).toEqual(['figure.vl.json', 'maxmargin.json', 'model.json', 'trajectory.csv', 'trajectory.json']);
    expect(JSON.parse(await readFile(join(project, 'no-peers/figure.vl.json'), 'utf8')).$schema).toContain('vega-lite');
    expect(cli.err).toContain('npm install vega vega-lite');
    expect(cli.out).toContain('figure.vl.json');
  });

  it('without vega: every family command from the tarball writes its results and its figures as .vl.json, exit 0', async () => {
    await bin('ntp', ['example', 'cyclic-1', '--out', 'cyclic-1.txt']);
    await bin('ntp', ['generate', '--vocab', '8', '--out', 'd8.txt']);
    for (const [args, json] of [
      [['recall', 'train', '--steps', '2'], 'trajectory.json'],
      [['autoregressive', 'train', '--steps', '2'], 'trajectory.json'],
      [['autoregressive', 'reference', '--sequences', '4'], 'reference.json'],
      [['cyclic', 'train', '--data', 'cyclic-1.txt', '--steps', '5'], 'run.json'],
      [['cyclic', 'experiment', 'global', '--datasets', '2', '--steps', '5', '--workers', '1'], 'global.json'],
      [['factorized', 'train', '--data', 'd8.txt', '--steps', '5'], 'trajectory.json'],
      [['factorized', 'experiment', 'local', '--n', '4', '--T', '4', '--steps', '5', '--workers', '1'], 'local.json'],
    ] as Array<[string[], string]>) {
      const out = `fam-${args.slice(0, 2).join('-')}`;
      const cli = await bin('ntp', [...args, '--out', out]);
      expect({ args, code: cli.code, err: cli.err.replace(/^(warning|note): .*\n/gm, '') }).toEqual({ args, code: 0, err: '' });
      const written = await readdir(join(project, out));
      expect(written, args.join(' ')).toContain(json);
      expect(written.some((f) => f.endsWith('.vl.json')), args.join(' ')).toBe(true);
      expect(written.some((f) => f.endsWith('.svg')), args.join(' ')).toBe(false);
    }
  }, 120_000);

  it('with vega and vega-lite installed: the figure subpath renders SVG, type-checks, and the CLI writes figure.svg', async () => {
    await run('npm', ['install', ...npmFlags, 'vega@^6.4.0', 'vega-lite@^6.4.3'], { cwd: project });
    const r = await node(`import { renderFigure2Svg, renderVegaLiteSvg } from 'ntp-dynamics/figure';
const svg = await renderFigure2Svg(${FIGURE_INPUT});
const bar = await renderVegaLiteSvg({ data: { values: [{ a: 1 }] }, mark: 'bar', encoding: { x: { field: 'a', type: 'quantitative' } } });
console.log(svg.slice(0, 4), (svg.match(/>Stage \\d: /g) ?? []).length, bar.slice(0, 4));`);
    expect(r).toMatchObject({ code: 0, out: '<svg 6 <svg\n' });
    await writeFile(join(project, 'figure.ts'), `import { figure2Spec, renderFigure2Svg, type FigureInput } from 'ntp-dynamics/figure';
import type { TopLevelSpec } from 'vega-lite';
const input: FigureInput = ${FIGURE_INPUT};
const spec: TopLevelSpec = figure2Spec(input);
export const svg: Promise<string> = renderFigure2Svg(input);
export { spec };
`);
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022', 'DOM'], types: [], skipLibCheck: true },
      files: ['figure.ts'],
    }));
    const t = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    expect(t.stdout).toBe('');
    const cli = await bin('ntp', ['train', '--t0', '20', '--t1', '20', '--out', 'with-peers']);
    expect(cli.code).toBe(0);
    expect(await readFile(join(project, 'with-peers/figure.svg'), 'utf8')).toMatch(/^<svg/);
  }, 120_000);
});
