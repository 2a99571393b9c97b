// The selection and gen heads on several threads (assembly/cyclic/parallel.ts): each thread runs
// whole queries' samples, in increasing order, into the rows of ∇K they own, and each sample's
// loss goes to a slot of its own summed in sample order; so every thread count gives the one-thread
// numbers bit for bit, in both precisions, one-hot or with an embedding.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { cyclicData } from '../src/dataset/cyclic-orders.js';
import { stringifyDataset } from '../src/dataset/format.js';
import type { Precision } from '../src/engine/backend.js';
import { analyze } from '../src/dataset/analyze.js';
import { generateLiCyclic, normalizedGaussian } from '../src/tasks/cyclic/generators.js';
import { createHeadModel, headDefaultThreads, type HeadName } from '../src/tasks/cyclic/kernels/model.js';
import { packed } from './helpers/cyclic-examples.js';
import { capture } from './helpers/cli.js';

const oneHot = cyclicData(generateLiCyclic({ vocab: 40, samples: 300, length: 6, seed: 4 }));
const embedded = (() => {
  const ds = generateLiCyclic({ vocab: 30, samples: 200, length: 5, seed: 5 });
  const d = 7;
  const E = new Float64Array(d * 30);
  normalizedGaussian(30, d, 5).forEach((r, v) => r.forEach((x, i) => (E[i * 30 + v] = x)));
  return cyclicData(ds, analyze(ds), E, d);
})();

/** A gradient at a random W, then 30 NGD steps from it: loss, gradient, chunk and final W. */
async function run(head: HeadName, data: typeof oneHot, precision: Precision, threads: number) {
  const m = await createHeadModel(head, packed(data), { E: data.E, d: data.d, precision, threads });
  try {
    expect(m.threads).toBe(threads);
    let seed = 7;
    const W0 = Array.from({ length: data.d * data.d }, () => ((seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5) * 4);
    m.setW(W0);
    const g = m.gradient();
    const chunk = m.steps(30, 0.1);
    return { loss: g.loss, grad: [...g.W], chunk, W: [...m.getW()] };
  } finally {
    m.dispose();
  }
}

describe('cyclic heads on threads', () => {
  for (const head of ['selection', 'gen'] as HeadName[]) {
    for (const [name, data] of [['one-hot |V| 40', oneHot], ['gaussian E, |V| 30, d 7', embedded]] as const) {
      it(`${head}, ${name}: 2 and 3 threads give one thread's loss, gradient and iterates bit for bit (f64 and f32)`, async () => {
        for (const precision of ['f64', 'f32'] as const) {
          const one = await run(head, data, precision, 1);
          expect(one.chunk.status).toBe('running');
          expect(Math.max(...one.grad.map(Math.abs))).toBeGreaterThan(1e-3);
          for (const threads of [2, 3]) expect(await run(head, data, precision, threads)).toEqual(one);
        }
      });
    }
  }

  it('the default stays on one thread where a step is short (~1 ms of work per thread) and takes the cores where it is long', () => {
    for (const head of ['selection', 'gen'] as HeadName[]) {
      expect(headDefaultThreads(head, packed(oneHot), 8)).toBe(1);
      expect(headDefaultThreads(head, { tokens: new Int32Array(1_000_000) }, 2)).toBe(2);
    }
    expect(headDefaultThreads('selection', { tokens: new Int32Array(100_000) }, 8)).toBe(1);
    expect(headDefaultThreads('gen', { tokens: new Int32Array(100_000) }, 8)).toBe(4);
  });

  it('after dispose a threaded head keeps working on one thread, with the same numbers', async () => {
    const m = await createHeadModel('gen', packed(oneHot), { threads: 2 });
    const a = m.gradient();
    m.dispose();
    expect(m.threads).toBe(1);
    expect(m.gradient()).toEqual(a);
  });

  it('bad thread counts are refused; the js backend runs on one thread and says so', async () => {
    for (const bad of [0, 1.5, 257]) await expect(createHeadModel('selection', packed(oneHot), { threads: bad })).rejects.toThrow(/option threads must be an integer from 1 to 256/);
    const js = await createHeadModel('selection', packed(oneHot), { backend: 'js', threads: 2 });
    expect(js.threads).toBe(1);
    expect(js.threadNote).toMatch(/js backend has no threads/);
  });
});

describe('ntp cyclic train --threads', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ntp-cyclic-threads-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const file = join(tmp, 'data.json');
  writeFileSync(file, stringifyDataset(generateLiCyclic({ vocab: 12, samples: 40, length: 4, seed: 3 })));

  it('--threads 2 ends where one thread ends, bit for bit, for each head; 0, 257 and 1.5 are refused with exit 2 and no files', async () => {
    for (const head of ['selection', 'gen', 'ce-frozen']) {
      const outs = [];
      for (const threads of ['1', '2']) {
        const io = capture();
        expect(await main(['cyclic', 'train', '--data', file, '--head', head, '--steps', '200', '--every', '50', '--json', '--threads', threads, '--out', join(tmp, `${head}${threads}`)], io)).toBe(0);
        outs.push(JSON.parse(io.out));
      }
      expect(outs[1].config.threads).toBe(2);
      expect(outs[1].records).toEqual(outs[0].records);
    }
    for (const bad of ['0', '257', '1.5']) {
      const io = capture();
      expect(await main(['cyclic', 'train', '--data', file, '--threads', bad, '--out', join(tmp, `bad${bad}`)], io)).toBe(2);
      expect(io.err).toMatch(/--threads/);
      expect(readdirSync(tmp)).not.toContain(`bad${bad}`);
    }
  });
});
