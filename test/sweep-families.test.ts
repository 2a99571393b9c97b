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
    [factorizedFamily, { steps: 60 }],
    [factorizedRankFamily, { n: 5, T: 5, d: 3 }],
  ] as const) {
    it(`${family.name}: two seeds on 2 workers equal the family's direct runs`, async () => {
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
