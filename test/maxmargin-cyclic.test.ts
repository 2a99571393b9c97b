// solveMaxMargin and `ntp maxmargin` on cyclic data (the graph-SVM takes W*_kq's place) and with
// norm 'nuclear' (the nuclear-norm SVM and its certificate), on the worked examples of
// test/cyclic-graph-svm.test.ts and test/factorized-svm.test.ts.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMaxMargin } from '../src/cli/maxmargin.js';
import { analyze } from '../src/dataset/analyze.js';
import { cyclicData } from '../src/dataset/cyclic-orders.js';
import { datasetToJSON } from '../src/dataset/format.js';
import type { Dataset } from '../src/dataset/types.js';
import { makeEmbedding } from '../src/engine/embedding.js';
import { NtpError } from '../src/errors.js';
import { solveMaxMargin } from '../src/maxmargin/index.js';
import { graphSvm } from '../src/maxmargin/graph-svm.js';
import { marginConstraints, solveFrobeniusSvm, solveNuclearSvm } from '../src/maxmargin/nuclear.js';
import type { MaxMarginProblem } from '../src/maxmargin/types.js';
import { maxMarginProblem } from '../src/train/reference.js';
import { datasetFromTargets, EXAMPLE_1, EXAMPLE_4, EXAMPLE_5 } from '../src/tasks/cyclic/examples.js';
import { capture } from './helpers/cli.js';

const example = (ex: { vocab: string[]; samples: Array<[string[], string, number]>; embedding?: number[][] }) => datasetFromTargets(ex.vocab, ex.samples, ex.embedding);

function problemOf(ds: Dataset): MaxMarginProblem {
  const V = ds.vocab.length;
  return { ...maxMarginProblem(analyze(ds), V, makeEmbedding(V, ds.embedding ?? 'onehot')), vocab: ds.vocab };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
/** ‖W_svm‖ of §7.10.1: column q = (3/4, 3/4, −1/4, −5/4) */
const NORM_1 = Math.sqrt(11) / 2;
const column = (W: ArrayLike<number>, V: number, q: number) => Array.from({ length: V }, (_, v) => W[v * V + q]);

describe('solveMaxMargin on cyclic data: the graph-SVM', () => {
  it('§7.10.1 (a ≍ b under q): W_kq is W_svm bit for bit, W_ov is W*_ov, and the KKT residual covers both', () => {
    const ds = example(EXAMPLE_1);
    const mm = solveMaxMargin(problemOf(ds));
    expect(mm.reference).toBe('graph-svm');
    expect(mm.norm).toBe('frobenius');
    expect(mm.graphSvm).toMatchObject({ status: 'optimal', method: 'columnwise', message: null });
    expect(Math.abs(mm.graphSvm!.norm - NORM_1)).toBeLessThan(1e-12);
    const svm = graphSvm(cyclicData(ds, analyze(ds)));
    expect(mm.Wkq).toEqual(svm.W);
    expect(column(mm.Wkq, 4, 3)).toEqual([0.75, 0.75, -0.25, -1.25].map((x) => expect.closeTo(x, 12)));
    expect(mm.kktResidual).toBeLessThan(1e-12);
    expect(mm.margins.kq).toBeCloseTo(1, 12);
    expect(mm.prop2).toBeNull();
    expect(mm.nuclear).toBeNull();
    // W*_ov of the collocation alone (the cyclic orders do not touch stage 1)
    const ov = solveMaxMargin({ ...problemOf(ds), attention: [] });
    expect(mm.Wov).toEqual(ov.Wov);
  });

  it('§7.10.5 (one SCC): no direction, W_kq = 0 and the reason named; §7.10.4 (general E): infeasible, naming the edge', () => {
    const one = solveMaxMargin(problemOf(example(EXAMPLE_5)));
    expect(one.graphSvm).toMatchObject({ status: 'no-direction', norm: 0 });
    expect(one.graphSvm!.message).toContain('every query graph is one SCC (query "q": {a q})');
    expect(one.Wkq.every((x) => x === 0)).toBe(true);
    expect(one.margins.kq).toBe(Infinity);
    let err: unknown;
    try {
      solveMaxMargin(problemOf(example(EXAMPLE_4)));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NtpError);
    expect((err as NtpError).code).toBe('infeasible');
    expect((err as Error).message).toMatch(/^kq: the graph-SVM is infeasible: under query "q", the edge "a" → "c"/);
  });

  it('acyclic constraints are unchanged: W*_kq, reference max-margin', () => {
    const p: MaxMarginProblem = { V: 3, embedding: null, collocation: [], attention: [{ query: 0, optimal: 1, nonOptimal: [0] }, { query: 2, optimal: 1, nonOptimal: [2] }] };
    const mm = solveMaxMargin(p);
    expect(mm.reference).toBe('max-margin');
    expect(mm.graphSvm).toBeNull();
    expect(maxAbsDiff(mm.Wkq, [-0.5, 0, 0, 0.5, 0, 0.5, 0, 0, -0.5])).toBeLessThan(1e-12);
  });
});

describe("solveMaxMargin with norm 'nuclear'", () => {
  it('two queries (factorized-svm worked example): ν* = 2/√3 with rank 1, certified, where the Frobenius W*_kq has ‖·‖_* = 1.3660', () => {
    const t = 1 / 3;
    const p: MaxMarginProblem = { V: 3, embedding: null, collocation: [], attention: [{ query: 0, optimal: 1, nonOptimal: [0] }, { query: 2, optimal: 1, nonOptimal: [2] }] };
    const mm = solveMaxMargin(p, { norm: 'nuclear' });
    expect(mm.norm).toBe('nuclear');
    expect(mm.reference).toBe('max-margin');
    expect(mm.nuclear!.status).toBe('certified');
    expect(mm.nuclear!.relativeGap).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(mm.nuclear!.nuclearNorm - 2 / Math.sqrt(3))).toBeLessThan(2e-9);
    expect(mm.nuclear!.lowerBound).toBeLessThanOrEqual(2 / Math.sqrt(3) + 1e-15);
    expect(mm.nuclear!.rank).toBe(1);
    expect(maxAbsDiff(mm.Wkq, [-t, 0, -t, 2 * t, 0, 2 * t, -t, 0, -t])).toBeLessThan(1e-8);
    expect(mm.margins.kq).toBeGreaterThanOrEqual(1 - 1e-15);
    expect(mm.prop2).toBeNull();
    // the same constraints straight into the solver give the same answer
    const direct = solveNuclearSvm(marginConstraints(3, 3, [[-1, 1, 0], [0, 1, -1]], [[1, 0, 0], [0, 0, 1]]));
    expect(maxAbsDiff(mm.Wkq, direct.W)).toBeLessThan(1e-12);
    // and the default norm is the Frobenius SVM of the same constraints
    expect(maxAbsDiff(solveMaxMargin(p).Wkq, solveFrobeniusSvm(marginConstraints(3, 3, [[-1, 1, 0], [0, 1, -1]], [[1, 0, 0], [0, 0, 1]])).W)).toBeLessThan(1e-12);
  });

  it('§7.10.1 graph version: ν* = ‖W_svm‖ = √11/2 and W_* = W_svm (one query: the nuclear and Frobenius norms agree on a rank-one column)', () => {
    const ds = example(EXAMPLE_1);
    const mm = solveMaxMargin(problemOf(ds), { norm: 'nuclear' });
    expect(mm.reference).toBe('graph-svm');
    expect(mm.nuclear!.status).toBe('certified');
    expect(Math.abs(mm.nuclear!.nuclearNorm - NORM_1)).toBeLessThan(2e-9);
    expect(Math.abs(mm.nuclear!.lowerBound - NORM_1)).toBeLessThan(2e-9);
    expect(maxAbsDiff(mm.Wkq, graphSvm(cyclicData(ds, analyze(ds))).W)).toBeLessThan(1e-8);
    // equal scores inside the SCC {a, b}: K[a, q] = K[b, q]
    expect(Math.abs(mm.Wkq[0 * 4 + 3] - mm.Wkq[1 * 4 + 3])).toBeLessThan(1e-12);
    // W_ov is still the Frobenius W*_ov, with its own KKT residual
    expect(mm.kktResidual).toBeLessThan(1e-12);
  });

  it('no direction (§7.10.5): W_kq = 0, certified exactly; an unknown norm is refused by name', () => {
    const mm = solveMaxMargin(problemOf(example(EXAMPLE_5)), { norm: 'nuclear' });
    expect(mm.nuclear).toEqual({ status: 'certified', nuclearNorm: 0, lowerBound: 0, relativeGap: 0, rank: 0, iterations: 0 });
    expect(mm.Wkq.every((x) => x === 0)).toBe(true);
    // @ts-expect-error not a norm
    expect(() => solveMaxMargin(problemOf(example(EXAMPLE_1)), { norm: 'spectral' })).toThrow(/option norm must be frobenius or nuclear \(got "spectral"\)/);
  });
});

describe('ntp maxmargin on cyclic data and with --norm nuclear', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ntp-mm-cyclic-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const fileOf = async (ds: Dataset, name: string) => {
    const f = join(dir, name);
    await writeFile(f, JSON.stringify(datasetToJSON(ds)));
    return f;
  };

  it('§7.10.1: exit 0 with the graph-SVM W_svm as W_kq (it used to refuse the data as not realizable)', async () => {
    const io = capture();
    expect(await runMaxMargin([await fileOf(example(EXAMPLE_1), 'ex1.json')], io), io.err).toBe(0);
    const j = JSON.parse(io.out);
    expect(j).toMatchObject({ reference: 'graph-svm', norm: 'frobenius', nuclear: null, graphSvm: { status: 'optimal' } });
    expect(j.Wkq.map((r: number[]) => r[3])).toEqual([0.75, 0.75, -0.25, -1.25].map((x) => expect.closeTo(x, 12)));
    expect(j.prop2Gap).toBeNull();
  });

  it('--norm nuclear writes W_* and its certificate; --out names what was solved', async () => {
    // tokens x, y, z; under query x: y above x; under query z: y above z (collocation x→y→z→x)
    const ds = datasetFromTargets(['x', 'y', 'z'], [[['y', 'x'], 'y', 1], [['y', 'z'], 'y', 1]]);
    const file = await fileOf(ds, 'two.json');
    const io = capture();
    expect(await runMaxMargin([file, '--norm', 'nuclear'], io), io.err).toBe(0);
    const j = JSON.parse(io.out);
    expect(j.reference).toBe('max-margin');
    expect(j.nuclear.status).toBe('certified');
    expect(Math.abs(j.nuclear.nuclearNorm - 2 / Math.sqrt(3))).toBeLessThan(2e-9);
    const t = 1 / 3;
    expect(maxAbsDiff(j.Wkq.flat(), [-t, 0, -t, 2 * t, 0, 2 * t, -t, 0, -t])).toBeLessThan(1e-8);
    const out = join(dir, 'n.json');
    const w = capture();
    expect(await runMaxMargin([file, '--norm', 'nuclear', '--out', out], w)).toBe(0);
    expect(w.out).toMatch(/^wrote .*n\.json: columnwise-qp, ‖W_kq‖_\* 1\.1547005\d*/);
    expect(JSON.parse(await readFile(out, 'utf8')).nuclear.rank).toBe(1);
  });

  it('a bad --norm exits 2; data that cannot be trained exit 1 naming why', async () => {
    const bad = capture();
    expect(await runMaxMargin([join(dir, 'ex1.json'), '--norm', 'spectral'], bad)).toBe(2);
    expect(bad.err).toContain('option --norm must be one of frobenius, nuclear (got "spectral")');
    const ds = example(EXAMPLE_1);
    ds.samples.push({ context: [0], next: 2 });
    ds.counts.push(1);
    const io = capture();
    expect(await runMaxMargin([await fileOf(ds, 'bad.json')], io)).toBe(1);
    expect(io.err).toContain('the dataset cannot be trained, so it has no max-margin directions');
    expect(io.out).toBe('');
  });
});
