// Planned sizes: every family refuses a run past the memory budget from its options, at once and
// before allocating, through the API and the CLI; and the built CLI runs under `ulimit -v`.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { MAX_RUN_BYTES, refuseTooLarge } from '../src/engine/limits.js';
import { NtpError } from '../src/errors.js';
import * as ar from '../src/tasks/autoregressive/limits.js';
import { generateSequences } from '../src/tasks/autoregressive/data.js';
import { ckdPredictions, leastSquaresPredictions } from '../src/tasks/autoregressive/references.js';
import { trainAutoregressive } from '../src/tasks/autoregressive/train.js';
import { experimentC2 } from '../src/tasks/autoregressive/experiments.js';
import { rankStudy } from '../src/tasks/factorized/experiments.js';
import * as factorized from '../src/tasks/factorized/index.js';
import { trainCyclic } from '../src/tasks/cyclic/train.js';
import { runGlobalConvergence } from '../src/tasks/cyclic/experiment.js';
import { resolveRecallRun } from '../src/tasks/recall/run.js';
import { planRecallRun } from '../src/tasks/recall/options.js';
import { checkPlan } from '../src/family/limits.js';
import { capture } from './helpers/cli.js';

const tooLarge = (f: () => unknown, ...parts: RegExp[]) => {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(NtpError);
  expect((err as NtpError).code).toBe('too-large');
  for (const p of parts) expect((err as Error).message).toMatch(p);
};
const tooLargeAsync = async (f: () => Promise<unknown>, ...parts: RegExp[]) => {
  const err = await f().then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(NtpError);
  expect((err as NtpError).code).toBe('too-large');
  for (const p of parts) expect((err as Error).message).toMatch(p);
};

describe('refuseTooLarge, the one size check', () => {
  it('returns the bytes within the budget and refuses past it, naming the run and its sizes', () => {
    expect(refuseTooLarge('x', MAX_RUN_BYTES, 'n = 1')).toBe(MAX_RUN_BYTES);
    tooLarge(() => refuseTooLarge('the run', MAX_RUN_BYTES + 1, 'n = 7'), /^the run would need 4\.00 GiB, more than the 4\.00 GiB a run may hold \(n = 7\)/);
    tooLarge(() => refuseTooLarge('r', 3 * 2 ** 20, 'w', 2 ** 20), /3\.0 MiB/, /1\.0 MiB a run may hold/);
    // a product of options that overflowed is not a size that fits
    tooLarge(() => refuseTooLarge('r', Infinity, 'w'), /more memory than can be counted/);
    tooLarge(() => refuseTooLarge('r', NaN, 'w'));
  });
});

describe('autoregressive sizes', () => {
  it('count the sequences, the T×T kernels and the arena exactly', () => {
    expect(ar.sequencesBytes(5, 50, 256)).toBe(256 * 51 * 5 * 8);
    expect(ar.predictorBytes(5, 50, 'ckd', 3)).toBe((2 * 2500 + 3 * 250 + 50) * 8);
    expect(ar.predictorBytes(5, 50, 'ckd')).toBe(2 * 250 * 8);
    expect(ar.predictorBytes(7, 50, 'ls')).toBe((4 * 49 + 14) * 8);
    // d = 1, T = 1, one layer, one head, tied, no data: P, G, M, Vm (4·1·3·16) + MV, MVT, dMV (3·(4 + 2)·8) + E (2·4) + E·M, v (8) + A (1) + dE, dPrev, ET, vT (4·4) + dA (1) + dEMV (8) + staging (2), plus the f64 init vector
    expect(ar.transformerBytes({ d: 1, length: 1, layers: 1, heads: 1, tied: true, precision: 'f64', trainSequences: 0, testSequences: 0 })).toBe((4 * 48 + 144 + 8 + 8 + 1 + 16 + 1 + 8 + 2) * 8 + 48 * 8);
    expect(ar.plannedBytes('reference', { d: 5, length: 50, sequences: 256 })).toBe(ar.referenceBytes({ d: 5, length: 50, sequences: 256 }));
  });

  it('the API refuses huge lengths, dimensions and counts before allocating', async () => {
    tooLarge(() => generateSequences({ length: 10_000_000 }), /T|10000001 tokens/, /256 sequences/);
    tooLarge(() => generateSequences({ sequences: 100_000_000 }), /100000000 sequences/);
    tooLarge(() => generateSequences({ d: 100_000 }), /d = 100000/);
    tooLarge(() => ckdPredictions(new Float64Array(25_000 * 2).fill(1), 2, 25_000, { depth: 1 }), /T×T/, /T = 25000/);
    tooLarge(() => leastSquaresPredictions(new Float64Array(2 * 20_000).fill(1), 20_000, 2), /d = 20000/);
    await tooLargeAsync(() => trainAutoregressive({ length: 200_000 }), /length = 200000/);
    // past an option's own range the options check names it first (an NtpError too)
    await expect(trainAutoregressive({ d: 100_000 })).rejects.toThrow(/option d must be an integer in \[1, 4096\]/);
    expect(() => experimentC2({ sequences: 100_000_000 })).toThrow(/option sequences must be an integer in \[1, 1000000\]/);
  });

});

describe('factorized, cyclic and recall sizes', () => {
  it('factorized: the API refuses the local study and the rank study from their sizes', async () => {
    await tooLargeAsync(() => factorized.experiment('local', { n: 10_000, T: 10_000 }), /n = 10000, T = 10000/);
    await tooLargeAsync(() => rankStudy({ runs: 1_000_000 }), /runs = 1000000/);
  });

  it('cyclic: |V| = 20000 one-hot is refused before the analysis; the experiment\'s records are planned', async () => {
    const V = 20_000;
    const vocab = Array.from({ length: V }, (_, i) => `t${i}`);
    const ds = { vocab, samples: [{ context: [0, 1], next: 2 }], counts: [1] };
    const t0 = performance.now();
    await expect(trainCyclic(ds)).rejects.toThrow(/\|V\| = 20000/);
    expect(performance.now() - t0).toBeLessThan(2000);
    await tooLargeAsync(() => runGlobalConvergence({ datasets: 1_000_000 }), /datasets = 1000000/);
  });

  it('recall: a huge batch is refused from the plan; past its range an option is named', () => {
    expect(() => checkPlan(planRecallRun(resolveRecallRun({ batch: 2_000_000, context: 256 })), 'recall.train()')).toThrow(/a run may hold/);
    expect(() => checkPlan(planRecallRun(resolveRecallRun({ vocab: 4096 })), 'recall.train()')).toThrow(/^recall\.train\(\) would need [\d.]+ GiB, more than the 4\.00 GiB a run may hold/);
    // past its own range the options check names the option (an NtpError before anything runs)
    expect(() => resolveRecallRun({ steps: 2 ** 40, every: 1 })).toThrow(/option steps must be an integer in \[0, 1000000000\]/);
  });
});

// The built CLI as a process under an address-space limit (build first: npm run build).
const cli = new URL('../dist/src/cli/main.js', import.meta.url).pathname;
const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'ntp-ulimit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function underLimit(kib: number, args: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('bash', ['-c', `ulimit -v ${kib}; exec ${process.execPath} ${cli} ${args}`], { cwd: work, maxBuffer: 2 ** 24 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe.runIf(existsSync(cli) && process.platform === 'linux')('the built CLI under ulimit -v', () => {
  it('train, autoregressive train (1 and 2 threads), recall, a 2-worker sweep and a 2-worker cyclic experiment run at 4 GiB', async () => {
    expect((await underLimit(4_000_000, 'example svop --out svop.json')).code).toBe(0);
    for (const args of [
      'train --data svop.json --out t1',
      'train --data svop.json --threads 2 --out t2',
      'recall train --steps 20 --out r1',
      'autoregressive train --steps 5 --out a1',
      'autoregressive train --steps 5 --threads 2 --out a2',
      `sweep run ${join(__dirname, 'fixtures', 'sweep-tiny.json')} --workers 2 --out s2`,
      'cyclic experiment global --datasets 4 --steps 20 --workers 2 --out c2',
    ]) {
      const r = await underLimit(4_000_000, args);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
      expect(r.stdout).toMatch(/wrote|runs recorded/);
    }
  }, 120_000);

  it('a run too large for the limit is refused with exit 1 and one line, no stack trace', async () => {
    const r = await underLimit(2_000_000, 'autoregressive train --length 6000 --steps 1 --out big');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: ("ntp autoregressive train" would need .* a run may hold .*|could not grow WebAssembly memory to \d+\.\d MiB)\n$/);
    expect(existsSync(join(work, 'big'))).toBe(false);
  }, 120_000);
});
