// The size of a browser page that trains the core family only (`train` + `predict`), bundled
// as a user would: `esbuild --bundle --platform=browser --format=esm --minify` on a page that
// imports 'ntp-dynamics' by name (the built dist/, through package.json exports).
//
//   npm run build && node scripts/bundle-size.mjs
//
// Prints the minified and gzipped bytes (gzip level 6, the gzip command's default) and the
// package's largest modules in the bundle (TOP=N of them, default 6); the other families must
// not appear (tree-shaken).
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const repo = fileURLToPath(new URL('..', import.meta.url));
const PAGE = `import { train, predict, svopExample } from 'ntp-dynamics';
const data = svopExample();
const run = await train(data);
console.log(data.vocab[predict(run.parameters, [0, 3]).next]);
`;

const dir = await mkdtemp(join(tmpdir(), 'ntp-bundle-size-'));
try {
  await mkdir(join(dir, 'node_modules'));
  await symlink(repo, join(dir, 'node_modules/ntp-dynamics'), 'dir');
  await writeFile(join(dir, 'page.js'), PAGE);
  const r = await build({ absWorkingDir: dir, entryPoints: ['page.js'], bundle: true, platform: 'browser', format: 'esm', minify: true, write: false, metafile: true, logLevel: 'warning' });
  const js = r.outputFiles[0].contents;
  const gz = gzipSync(js, { level: 6 }).length;
  const inputs = Object.entries(Object.values(r.metafile.outputs)[0].inputs)
    .filter(([, v]) => v.bytesInOutput > 0)
    .map(([p, v]) => [relative(repo, resolve(dir, p)), v.bytesInOutput])
    .sort((a, b) => b[1] - a[1]);
  const families = inputs.filter(([p]) => p.includes('/tasks/'));
  console.log(`core page (train + predict): ${js.length.toLocaleString('en')} bytes minified, ${gz.toLocaleString('en')} bytes gzip`);
  console.log(`other families' modules in it: ${families.length === 0 ? 'none' : families.map(([p]) => p).join(', ')}`);
  console.log('largest modules (bytes in the minified bundle):');
  for (const [p, b] of inputs.slice(0, +(process.env.TOP ?? 6))) console.log(`  ${String(b).padStart(7)}  ${p}`);
  if (families.length > 0) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
