// Sizes refused by the CLI from the options alone (in a file of its own: the API checks of
// reliability-plan.test.ts leave nothing behind, but a fresh worker keeps this timing honest).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { capture } from './helpers/cli.js';

describe('autoregressive, factorized and cyclic sizes on the command line', () => {
  it('the CLI refuses them with exit 1 in well under a second, and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ntp-plan-'));
    try {
      // [command line, exit code]: 1 when the plan refuses the sizes, 2 when a flag is past its own range
      for (const [args, want] of [
        [['autoregressive', 'reference', '--length', '10000000'], 2],
        [['autoregressive', 'reference', '--d', '100000'], 2],
        [['autoregressive', 'reference', '--sequences', '100000000', '--out', join(dir, 'f')], 1],
        [['autoregressive', 'reference', '--length', '1000000', '--out', join(dir, 'g')], 1],
        [['autoregressive', 'train', '--length', '200000', '--out', join(dir, 'a')], 1],
        [['autoregressive', 'experiment', 'c2', '--sequences', '100000000', '--out', join(dir, 'b')], 2],
        [['autoregressive', 'experiment', 'c4', '--length', '1000000', '--out', join(dir, 'c')], 1],
        [['factorized', 'experiment', 'local', '--n', '10000', '--T', '10000', '--out', join(dir, 'd')], 1],
        [['factorized', 'experiment', 'rank', '--runs', '1000000', '--out', join(dir, 'e')], 1],
        [['cyclic', 'experiment', 'global', '--datasets', '1000000', '--out', join(dir, 'h')], 1],
      ] as const) {
        const io = capture();
        const t0 = performance.now();
        const code = await main([...args], io);
        expect({ args, code }).toEqual({ args, code: want });
        expect(io.err).toMatch(want === 1 ? /^error: .* would need .*, more than the 4\.00 GiB a run may hold \(.* = / : /^error: option --[a-z-]+ must be /);
        expect(io.err).not.toMatch(/\n\s+at /);
        expect(performance.now() - t0).toBeLessThan(2000);
      }
      for (const sub of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) expect(existsSync(join(dir, sub))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
