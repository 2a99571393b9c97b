import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);

describe('README', () => {
  it('shows examples/api.mjs verbatim, and the example prints what the README says', async () => {
    const readme = await readFile(new URL('README.md', root), 'utf8');
    const example = await readFile(new URL('examples/api.mjs', root), 'utf8');
    expect(readme).toContain('```js\n' + example + '```');
    // runs as a user would: the package imported by name (the built dist/ through package.json exports)
    const { stdout } = await promisify(execFile)(process.execPath, [new URL('examples/api.mjs', root).pathname], { cwd: root.pathname });
    const lines = stdout.trim().split('\n');
    expect(lines).toEqual(['stage-2 loss 8.14e-23, cos(W_kq, W*_kq) 0.9995', 'S P → V (p = 1.0000)']);
    for (const line of lines) expect(readme.replace(/\s+/g, ' ')).toContain(line.replace('→', '→'));
  });

  it('has its benchmark table filled in and the two set-up commands', async () => {
    const readme = await readFile(new URL('README.md', root), 'utf8');
    expect(readme).not.toContain('BENCH_TABLE');
    expect(readme).toContain('npm install && npm run demo');
    expect(readme).toContain('npm test');
  });
});
