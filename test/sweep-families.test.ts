import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSweep } from '../src/sweep/run.js';
import { cyclicFamily } from '../src/tasks/cyclic/sweep.js';
import { factorizedFamily } from '../src/tasks/factorized/sweep.js';
import { factorizedRankFamily } from '../src/tasks/factorized/rank-sweep.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

// Every task family runs through the sweep engine: its runs.jsonl line holds exactly what the
// family's own run gives for the same options (the engine's `family` key is not passed on).
describe('task families in a sweep', () => {
  for (const [family, base] of [
    [cyclicFamily, { steps: 60 }],
    [cyclicFamily, { steps: 60, precision: 'f32' }],
    [factorizedFamily, { steps: 60 }],
    [factorizedRankFamily, { n: 5, T: 5, d: 3 }],
  ] as const) {
    it(`${family.name} ${JSON.stringify(base)}: two seeds on 2 workers equal the family's direct runs`, async () => {
      const out = await mkdtemp(join(tmpdir(), `ntp-sweep-${family.name}-`));
      dirs.push(out);
      const summary = await runSweep({ base: { family: family.name, ...base }, grid: { seed: [1, 2] } }, { out, workers: 2, every: 20 });
      expect(summary.failed).toBe(0);
      const lines = (await readFile(join(out, 'runs.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      expect(lines).toHaveLength(2);
      for (const line of lines) {
        const direct = await family.run({ ...base, seed: line.config.seed }, 20);
        expect(line.status).toBe(direct.status);
        expect(line.final).toEqual(JSON.parse(JSON.stringify(direct.final)));
      }
    });
  }
});

it('the cyclic family passes precision on: f32 runs differ from f64 ones, by f32 rounding only', async () => {
  const f64 = await cyclicFamily.run({ steps: 60, seed: 3 }, 20);
  const f32 = await cyclicFamily.run({ steps: 60, seed: 3, precision: 'f32' }, 20);
  const [a, b] = [f64.final.loss as number, f32.final.loss as number];
  expect(b).not.toBe(a);
  expect(Math.abs(b - a) / a).toBeLessThan(1e-4);
  expect(() => cyclicFamily.validate({ precision: 'f16' })).toThrow(/precision/);
});
