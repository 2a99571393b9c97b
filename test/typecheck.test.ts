// The whole project typechecks under the root tsconfig: the package (src), its benchmarks (bench)
// and these tests. The build compiles only src and bench, so a test or a bench script could
// drift from the API it calls without this.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

describe('typecheck', () => {
  it('tsc --noEmit -p tsconfig.json reports no error in src, bench or test', async () => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.json'], { cwd: root, maxBuffer: 1 << 24 }).then(
      (o) => ({ code: 0, out: o.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );
    expect(r.out.trim()).toBe('');
    expect(r.code).toBe(0);
  }, 180_000);
});
