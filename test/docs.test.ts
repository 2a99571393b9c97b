// The API reference (`npm run docs`, typedoc over both public entry points) builds without a
// single warning: every type a public signature uses is exported, every {@link} resolves.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url).pathname;

describe('API reference', () => {
  it('typedoc reports no warnings and no errors', async () => {
    const r = await promisify(execFile)(process.execPath, [`${root}node_modules/typedoc/bin/typedoc`, '--emit', 'none', '--treatWarningsAsErrors'], { cwd: root })
      .then(({ stdout, stderr }) => ({ code: 0, out: stdout + stderr }))
      .catch((e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }));
    expect(r.out).not.toMatch(/\[warning\]|\[error\]/);
    expect(r.code).toBe(0);
  }, 120_000);
});
