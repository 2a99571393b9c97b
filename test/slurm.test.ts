import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The real Slurm test (scripts/slurm-test.sh): a single-node cluster, the example job array, a
// merge compared with a single-machine run. It installs Slurm from Debian when missing, so it
// needs root and apt-get (or Slurm already there); elsewhere it is skipped, except in CI.
const script = fileURLToPath(new URL('../scripts/slurm-test.sh', import.meta.url));
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const root = process.getuid?.() === 0;
const runnable = root && ((has('slurmctld') && has('munged')) || has('apt-get'));

describe('Slurm', () => {
  it.runIf(runnable || process.env.CI)('runs the example job array on a single-node cluster; the merged shards equal a single-machine run', () => {
    expect(runnable, 'CI must run the Slurm test: it needs root and apt-get').toBe(true);
    const r = spawnSync('bash', [script], { encoding: 'utf8', timeout: 420_000 });
    expect(r.stderr + r.stdout).toMatch(/slurm test: OK \(job array \d+: 3 tasks, 12 runs merged from 3 shards equal a single-machine run\)/);
    expect(r.status).toBe(0);
  }, 480_000);
});
