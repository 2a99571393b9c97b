// A TypeScript file with one misspelled option per family fails `tsc --strict`, naming each; the
// same calls in JavaScript throw NtpError naming the option with a suggestion.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import * as ntp from '../src/index.js';
import { NtpError } from '../src/errors.js';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(root, 'test', '.types-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** [family, the call with a misspelled key, the key, the suggestion] */
const CALLS: Array<[string, string, string, string, () => Promise<unknown>]> = [
  ['recall', `ntp.recall.train({ modle: 'origin' })`, 'modle', 'model', () => ntp.recall.train({ modle: 'origin' } as never)],
  ['recall', `ntp.recall.experiment('figure2', { alhpa: 0.2 })`, 'alhpa', 'alpha', () => ntp.recall.experiment('figure2', { alhpa: 0.2 } as never)],
  ['autoregressive', `ntp.autoregressive.train({ layres: 2 })`, 'layres', 'layers', () => ntp.autoregressive.train({ layres: 2 } as never)],
  ['autoregressive', `ntp.autoregressive.reference({ lenght: 4 })`, 'lenght', 'length', () => ntp.autoregressive.reference({ lenght: 4 } as never)],
  ['autoregressive', `ntp.autoregressive.experiment('c4', { stesp: 3 })`, 'stesp', 'steps', () => ntp.autoregressive.experiment('c4', { stesp: 3 } as never)],
];

describe('misspelled options', () => {
  it('fail tsc --strict, each named', async () => {
    const file = join(dir, 'misspelled.ts');
    writeFileSync(file, `import * as ntp from '../../src/index.js';\nexport async function calls(): Promise<void> {\n${CALLS.map(([, call]) => `  await ${call};`).join('\n')}\n}\n`);
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--skipLibCheck', '--types', 'node', file], { cwd: root }).then(
      () => ({ out: '', code: 0 }),
      (e: { stdout: string; code: number }) => ({ out: e.stdout, code: e.code }),
    );
    expect(r.code).not.toBe(0);
    const errors = r.out.split('\n').filter((l) => l.includes('misspelled.ts('));
    expect(errors.length, r.out).toBe(CALLS.length);
    CALLS.forEach(([family, , key], i) => {
      expect(errors[i], family).toMatch(new RegExp(`misspelled\\.ts\\(${i + 3},.*'${key}' does not exist`));
    });
  }, 120_000);

  it('throw NtpError in JavaScript, naming the option and the nearest one', async () => {
    for (const [family, , key, near, call] of CALLS) {
      const e = await call().then(() => null, (err: unknown) => err);
      expect(e, family).toBeInstanceOf(NtpError);
      expect((e as Error).message, family).toContain(`unknown option "${key}"`);
      expect((e as Error).message, family).toContain(`did you mean "${near}"?`);
    }
  });
});
