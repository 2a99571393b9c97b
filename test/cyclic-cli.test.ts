// `ntp analyze` and `ntp train` on cyclic data, through the CLI: the exit code follows the
// verdict (0 when trainable, 1 naming the reason when not), and stage 2's cosine is measured
// against the graph-SVM W_svm on cyclic data and against W*_kq (bit for bit the same matrix as the
// graph-SVM) on acyclic data.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAnalyze } from '../src/cli/analyze.js';
import { runTrain } from '../src/cli/train.js';
import { analyze } from '../src/dataset/analyze.js';
import { datasetToJSON } from '../src/dataset/format.js';
import { svopExample } from '../src/dataset/svop.js';
import type { Dataset } from '../src/dataset/types.js';
import { figure2Spec } from '../src/figure/spec.js';
import { cyclicData } from '../src/dataset/cyclic-orders.js';
import { datasetFromTargets, EXAMPLE_1, EXAMPLE_4, EXAMPLE_5 } from '../src/tasks/cyclic/examples.js';
import { graphSvm } from '../src/maxmargin/graph-svm.js';
import { cosineTransposed } from '../src/train/metrics.js';
import { capture } from './helpers/cli.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ntp-cyclic-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileOf(ds: Dataset | object, name = 'data.json'): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, JSON.stringify('samples' in ds && Array.isArray((ds as Dataset).counts) ? datasetToJSON(ds as Dataset) : ds));
  return file;
}

const example = (ex: { vocab: string[]; samples: Array<[string[], string, number]>; embedding?: number[][] }) => datasetFromTargets(ex.vocab, ex.samples, ex.embedding);

describe('ntp analyze on cyclic data', () => {
  it('exits 0 on §7.10.1 (cyclic, with a graph-SVM direction), printing the SCCs and the verdict', async () => {
    const io = capture();
    expect(await runAnalyze([await fileOf(example(EXAMPLE_1))], io)).toBe(0);
    expect(io.out).toContain('  SCCs:           {a b} > {c} > {q}   (topological order)');
    expect(io.out).toContain('Verdict: NOT realizable (Assumption 1 fails)');
    expect(io.out).toContain('Cyclic orders under 1 query: trainable all the same; stage 2 grows along the graph-SVM over the SCCs (docs/theory/cyclic.md).');
    expect(io.err).toBe('');
    const j = capture();
    expect(await runAnalyze([await fileOf(example(EXAMPLE_1)), '--json'], j)).toBe(0);
    expect(JSON.parse(j.out).graphSvm).toEqual({ status: 'optimal', message: null });
  });

  it('exits 0 on the cyclic order and the confused token that used to exit 1', async () => {
    const V4 = ['a', 'b', 'c', 'q'];
    const col = [{ context: ['a'], next: 'b' }, { context: ['b'], next: 'c' }, { context: ['c'], next: 'q' }, { context: ['q'], next: 'a' }];
    const cyclic = capture();
    expect(await runAnalyze([await fileOf({ vocab: V4, samples: [...col, { context: ['a', 'b', 'q'], next: 'b' }, { context: ['b', 'a', 'q'], next: 'c' }] })], cyclic)).toBe(0);
    expect(cyclic.out).toContain('query "q": the order has a cycle "a" > "b" > "a" (samples 4, 5)');
    expect(cyclic.out).toContain('Cyclic orders under 1 query: trainable all the same');
    const confused = capture();
    expect(await runAnalyze([await fileOf({ vocab: V4, samples: [...col, { context: ['a', 'b', 'q'], next: 'b' }, { context: ['b', 'c', 'q'], next: 'c' }] })], confused)).toBe(0);
    expect(confused.out).toContain('query "q": token "b" is confused: above "c" in sample 5 but below "a" in sample 4');
    expect(confused.out).toContain('Confused tokens under 1 query: trainable all the same; stage 2 grows along the graph-SVM over the SCCs (docs/theory/cyclic.md).');
    expect(cyclic.err + confused.err).toBe('');
  });

  it('exits 0 on §7.10.5 (one SCC) and §7.10.4 (infeasible, general E), saying there is no direction and why', async () => {
    const one = capture();
    expect(await runAnalyze([await fileOf(example(EXAMPLE_5))], one)).toBe(0);
    expect(one.out).toContain('there is no divergent direction: every query graph is one SCC (query "q": {a q}): W_svm = 0');
    const inf = capture();
    expect(await runAnalyze([await fileOf(example(EXAMPLE_4))], inf)).toBe(0);
    expect(inf.out).toContain('but there is no divergent direction, so a run\'s cosines are skipped: the graph-SVM is infeasible: under query "q", the edge "a" → "c"');
    const j = capture();
    expect(await runAnalyze([await fileOf(example(EXAMPLE_4)), '--json'], j)).toBe(0);
    expect(JSON.parse(j.out).graphSvm.status).toBe('infeasible');
  });

  it('exits 1 on cyclic data that cannot be trained, naming the reason on stderr', async () => {
    // §7.10.1 plus a second next token for "a": the collocation is no longer a function (nor injective).
    const ds = example(EXAMPLE_1);
    const bad = { ...ds, samples: [...ds.samples, { context: [0], next: 2 }], counts: [...ds.counts, 1] };
    const io = capture();
    expect(await runAnalyze([await fileOf(bad)], io)).toBe(1);
    expect(io.out).toContain('Not trainable: collocation-not-function, collocation-not-injective (see the violations above).');
    expect(io.err).toBe(`error: ${join(dir, 'data.json')} is not realizable (6 violations of Assumption 1) and cannot be trained: collocation is not a function: token "a" is followed by "b" in sample 0 and by "c" in sample 8 (and 1 more)\n`);
  });
});

/** Reads a run's outputs. */
async function run(ds: Dataset, extra: string[]) {
  const out = join(dir, 'run');
  const io = capture();
  const code = await runTrain(['--data', await fileOf(ds), '--out', out, ...extra], io);
  const read = async (f: string) => JSON.parse(await readFile(join(out, f), 'utf8'));
  return { code, io, out, traj: await read('trajectory.json'), model: await read('model.json'), mm: await read('maxmargin.json'), files: await readdir(out) };
}

const flat = (rows: number[][]) => Float64Array.from(rows.flat());
/** Wᵀ, as the engine stores W_kq. */
function transpose(W: Float64Array, n: number): Float64Array {
  const T = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) T[j * n + i] = W[i * n + j];
  return T;
}

describe('ntp train: stage 2 measured against W_svm on cyclic data, W*_kq on acyclic data', () => {
  it('§7.10.1: records, summary, maxmargin.json and the figure use W_svm', async () => {
    const ds = example(EXAMPLE_1);
    const { code, io, traj, model, mm, files } = await run(ds, ['--t0', '200', '--t1', '400', '--every', '100', '--algorithm', 'gd', '--eta1', '0.5']);
    expect(code).toBe(0);
    const svm = graphSvm(cyclicData(ds, analyze(ds)));
    // The reference the CLI wrote is the graph-SVM, bit for bit; its column q is (3/4, 3/4, −1/4, −5/4) (example 1 of docs/theory/cyclic.md#worked-examples).
    expect(mm.reference).toBe('graph-svm');
    expect(flat(mm.Wsvm)).toEqual(svm.W);
    const q = 3;
    expect([0, 1, 2, 3].map((v) => svm.W[v * 4 + q])).toEqual([0.75, 0.75, -0.25, -1.25].map((x) => expect.closeTo(x, 12)));
    expect(traj.reference).toMatchObject({ kind: 'graph-svm', label: 'W_svm', status: 'optimal', message: null });
    expect(traj.reference.norm).toBeCloseTo(Math.sqrt(0.75 ** 2 * 2 + 0.25 ** 2 + 1.25 ** 2), 12);
    const s2 = traj.stage2 as { step: number; cosine: number | null }[];
    // The last record's cosine is cos(W_kq, W_svm) of the trained W_kq, to the last bit.
    const Wkq = flat(model.Wkq);
    expect(s2[s2.length - 1].cosine).toBe(cosineTransposed(transpose(Wkq, 4), svm.W, 4, 4));
    // Stage 1 keeps W*_ov: the collocation is a function.
    expect(traj.stage1[traj.stage1.length - 1].cosine).toBeGreaterThan(0.99);
    expect(s2[0].cosine).toBeNull(); // W_kq = 0 at the start
    const cos = s2.slice(1).map((r) => r.cosine as number);
    expect(cos.every((c, i) => i === 0 || c >= cos[i - 1] - 1e-12)).toBe(true);
    expect(cos[cos.length - 1]).toBeGreaterThan(0.99);
    expect(io.out).toMatch(/stage 2: completed at step 400; .* cos\(W, W_svm\) 0\.99\d+/);
    expect(io.out).toContain('graph-SVM: optimal, ‖W_svm‖_F 1.658');
    expect(io.err).toContain('stage 2\'s cosine is measured against the graph-SVM W_svm');
    const fig = files.find((f) => f.startsWith('figure'))!;
    const figText = await readFile(join(dir, 'run', fig), 'utf8');
    expect(figText).toContain('1 − cos(W_kq, W_svm)');
    expect(figText).not.toContain('W*_kq');
  }, 20_000);

  it('acyclic data: W*_kq as before (no reference block), and W*_kq is the graph-SVM bit for bit', async () => {
    const ds = svopExample();
    const { code, traj, model, mm } = await run(ds, ['--t0', '100', '--t1', '100', '--every', '50', '--no-figure']);
    expect(code).toBe(0);
    expect(traj.reference).toBeUndefined();
    expect(mm.reference).toBeUndefined();
    const Wkq = flat(mm.Wkq);
    const svm = graphSvm(cyclicData(ds, analyze(ds)));
    expect(svm.W).toEqual(Wkq);
    const s2 = traj.stage2 as { cosine: number }[];
    const last = s2[s2.length - 1].cosine;
    expect(last).toBe(cosineTransposed(transpose(flat(model.Wkq), 4), Wkq, 4, 4));
    expect(last).toBe(cosineTransposed(transpose(flat(model.Wkq), 4), svm.W, 4, 4));
  }, 20_000);

  it('§7.10.5 (no direction): stage-2 cosines are null and the summary says why', async () => {
    const { code, io, traj } = await run(example(EXAMPLE_5), ['--t0', '50', '--t1', '50', '--every', '25', '--no-figure']);
    expect(code).toBe(0);
    expect(traj.reference).toMatchObject({ kind: 'graph-svm', status: 'no-direction', norm: 0 });
    expect(traj.stage2.every((r: { cosine: number | null }) => r.cosine === null)).toBe(true);
    expect(io.err).toContain('every query graph is one SCC');
  }, 20_000);

  it('the figure spec names W*_kq by default and W_svm when asked', () => {
    const pts = [{ step: 0, loss: 1, norm: 1, cosine: 0.5 }];
    const s2 = [{ ...pts[0], optimalAttention: 0.5, accuracy: 1 }];
    expect(JSON.stringify(figure2Spec({ stage1: pts, stage2: s2 }))).toContain('1 − cos(W_kq, W*_kq)');
    const svm = JSON.stringify(figure2Spec({ stage1: pts, stage2: s2, reference: 'W_svm' }));
    expect(svm).toContain('1 − cos(W_kq, W_svm)');
    expect(svm).toContain('1 − cos(W_ov, W*_ov)');
  });
});


