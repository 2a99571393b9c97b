import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXAMPLES, runExample } from '../src/cli/example.js';
import { analyze } from '../src/dataset/analyze.js';
import { cyclicData } from '../src/dataset/cyclic-orders.js';
import { parseDataset } from '../src/dataset/format.js';
import type { Dataset } from '../src/dataset/types.js';
import { graphSvm } from '../src/maxmargin/graph-svm.js';
import { finitePart } from '../src/tasks/cyclic/finite.js';
import { capture } from './helpers/cli.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ntp-example-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What `ntp example NAME` prints, read back as a user's data file would be. */
async function printed(name: string): Promise<Dataset> {
  const io = capture();
  expect(await runExample([name], io)).toBe(0);
  expect(io.err).toBe('');
  return parseDataset(io.out);
}

/** The cyclic view of a dataset, with its embedding (rows per token) packed column-major as the solvers read it. */
function cyclicOf(ds: Dataset) {
  if (!ds.embedding) return cyclicData(ds);
  const V = ds.vocab.length;
  const d = ds.embedding[0].length;
  const E = new Float64Array(d * V);
  ds.embedding.forEach((row, v) => row.forEach((x, i) => (E[i * V + v] = x)));
  return cyclicData(ds, analyze(ds), E, d);
}

const close = (a: number, b: number, tol = 1e-11) => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol);

describe('ntp example: the built-in datasets', () => {
  it('--list prints every name with its one-line description, and nothing else', async () => {
    const io = capture();
    expect(await runExample(['--list'], io)).toBe(0);
    const lines = io.out.trimEnd().split('\n');
    expect(lines.map((l) => l.trim().split(/\s+/)[0])).toEqual(['svop', 'cyclic-1', 'cyclic-2', 'cyclic-3', 'cyclic-4', 'cyclic-5']);
    for (const [name, e] of Object.entries(EXAMPLES)) expect(io.out).toContain(`${name}  `), expect(io.out).toContain(e.description);
    const help = capture();
    expect(await runExample(['--help'], help)).toBe(0);
    for (const name of Object.keys(EXAMPLES)) expect(help.out).toContain(`  ${name} `);
  });

  it('--list with a name or --out is a malformed command line (exit 2)', async () => {
    const io = capture();
    expect(await runExample(['--list', 'svop'], io)).toBe(2);
    expect(io.err).toContain('ntp example --list takes no name and no --out');
    expect(io.out).toBe('');
  });

  it('cyclic-1 (docs/theory/cyclic.md#worked-examples, example 1): collocation v → v+1, SCCs {a,b} > {c} > {q}, W_svm column (3/4, 3/4, −1/4, −5/4), floor 0.3819085', async () => {
    const ds = await printed('cyclic-1');
    expect(ds.vocab).toEqual(['a', 'b', 'c', 'q']);
    // the collocation (one sample per token) then the four targets, next = n(target)
    expect(ds.samples.slice(0, 4)).toEqual([0, 1, 2, 3].map((v) => ({ context: [v], next: (v + 1) % 4 })));
    expect(ds.samples.slice(4)).toEqual([
      { context: [0, 1, 3], next: 1 },
      { context: [1, 0, 3], next: 2 },
      { context: [0, 2, 3], next: 1 },
      { context: [2, 3], next: 3 },
    ]);
    expect(ds.counts).toEqual([1, 1, 1, 1, 2, 1, 1, 1]);
    const data = cyclicOf(ds);
    const s = graphSvm(data);
    expect(s.status).toBe('optimal');
    close(s.norm ** 2, 11 / 4);
    [3 / 4, 3 / 4, -1 / 4, -5 / 4].forEach((x, v) => close(s.K[v * 4 + 3], x));
    const fin = finitePart(data, { head: 'selection' });
    close(fin.loss, 0.3819085009768878, 1e-12);
  });

  it('cyclic-2 carries the equi-correlated embedding ρ = 1/2 (unit rows, ⟨E_i, E_j⟩ = 1/2) and its ‖W_svm‖² = 256/23', async () => {
    const ds = await printed('cyclic-2');
    expect(ds.vocab).toEqual(['a', 'b', 'c', 'q1', 'q2']);
    const E = ds.embedding!;
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) close(E[i].reduce((acc, x, k) => acc + x * E[j][k], 0), i === j ? 1 : 0.5, 1e-15);
    const s = graphSvm(cyclicOf(ds));
    expect(s.status).toBe('optimal');
    close(s.norm ** 2, 256 / 23);
  });

  it('cyclic-3 is one three-token SCC with a direction; cyclic-4 is infeasible under its embedding; cyclic-5 has no direction', async () => {
    const s3 = graphSvm(cyclicOf(await printed('cyclic-3')));
    expect(s3.status).toBe('optimal');
    close(s3.norm ** 2, 3 / 4);
    const ds4 = await printed('cyclic-4');
    expect(ds4.embedding).toEqual([[1, 0, 0], [0, 1, 0], [0.5, 0.5, 0], [0, 0, 1]]);
    expect(graphSvm(cyclicOf(ds4)).status).toBe('infeasible');
    const s5 = graphSvm(cyclicOf(await printed('cyclic-5')));
    expect(s5.status).toBe('no-direction');
    expect(s5.norm).toBe(0);
  });

  it('writes a cyclic example with --out, all or nothing, as it writes svop', async () => {
    const out = join(dir, 'ex1.json');
    const io = capture();
    expect(await runExample(['cyclic-1', '--out', out], io)).toBe(0);
    expect(io.out).toBe(`wrote ${out}: 4 tokens, 8 samples\n`);
    expect(parseDataset(await readFile(out, 'utf8'))).toStrictEqual(await printed('cyclic-1'));
    const bad = capture();
    expect(await runExample(['cyclic-9', '--out', join(dir, 'x.json')], bad)).toBe(2);
    expect(bad.err).toContain('unknown example "cyclic-9"');
    expect(await readdir(dir)).toEqual(['ex1.json']);
  });
});
