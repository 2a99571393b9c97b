import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { parseDataset } from '../src/dataset/format.js';
import { svopExample } from '../src/dataset/svop.js';
import { NtpError } from '../src/errors.js';
import { createModel } from '../src/index.js';
import { parseModel } from '../src/model/serialize.js';
import { train } from '../src/train/run.js';
import { capture } from './helpers/cli.js';

/** Runs f with a time limit: a hang fails the property instead of the whole run. */
async function timeBoxed<T>(ms: number, f: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([f(), limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Either a result or an NtpError; any other exception fails the property. */
async function ntpErrorOr<T>(f: () => T | Promise<T>): Promise<T | NtpError> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof NtpError) return e;
    throw e;
  }
}

const oddValue = fc.constantFrom<unknown>(undefined, null, NaN, Infinity, -Infinity, -1, 0, 0.5, 1, 2, 3, 7, 1e9, 2 ** 31, 2 ** 53, 1e300, '', 'a', 'b', ' ', '0', [], {}, true);
const token = fc.oneof(fc.constantFrom('a', 'b', 'c', 'a b', ''), fc.string({ maxLength: 3 }), oddValue);
const context = fc.oneof(fc.array(fc.oneof(fc.integer({ min: -2, max: 4 }), oddValue), { maxLength: 4 }), oddValue);
/** Objects shaped like datasets (vocab, samples, counts, embedding), every part possibly wrong. */
const datasetLike = fc.record(
  {
    vocab: fc.oneof(fc.array(token, { maxLength: 4 }), fc.constant(['a', 'b', 'c']), oddValue),
    samples: fc.oneof(fc.array(fc.oneof(fc.record({ context, next: fc.oneof(fc.integer({ min: -1, max: 4 }), oddValue) }, { requiredKeys: [] }), oddValue), { maxLength: 4 }), oddValue),
    counts: fc.oneof(fc.array(fc.oneof(fc.integer({ min: -1, max: 3 }), oddValue), { maxLength: 4 }), oddValue),
    embedding: fc.oneof(fc.array(fc.array(fc.oneof(fc.double(), oddValue), { maxLength: 3 }), { maxLength: 4 }), oddValue),
  },
  { requiredKeys: [] },
);
/** Dataset files: the same shapes with names, sentences and counts, as JSON text. */
const fileLike = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.json({ maxDepth: 3 }),
  fc
    .record(
      {
        vocab: fc.oneof(fc.array(token, { maxLength: 4 }), oddValue),
        samples: fc.oneof(fc.array(fc.record({ context: fc.oneof(fc.array(token, { maxLength: 3 }), oddValue), next: token, count: oddValue }, { requiredKeys: [] }), { maxLength: 3 }), oddValue),
        sentences: fc.oneof(fc.array(fc.array(token, { maxLength: 4 }), { maxLength: 3 }), oddValue),
        embedding: fc.oneof(fc.array(fc.array(fc.oneof(fc.double(), oddValue), { maxLength: 3 }), { maxLength: 4 }), oddValue),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
);
const modelLike = fc
  .record(
    {
      format: fc.constantFrom<unknown>('ntp-dynamics/model@1', 'x', null),
      vocab: fc.oneof(fc.array(token, { maxLength: 3 }), oddValue),
      d: oddValue,
      Wov: fc.oneof(fc.array(fc.array(fc.oneof(fc.double(), oddValue), { maxLength: 3 }), { maxLength: 3 }), oddValue),
      Wkq: fc.oneof(fc.array(fc.array(fc.oneof(fc.double(), oddValue), { maxLength: 3 }), { maxLength: 3 }), oddValue),
      embedding: fc.oneof(fc.array(fc.array(fc.oneof(fc.double(), oddValue), { maxLength: 3 }), { maxLength: 3 }), oddValue),
    },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o));
/** Options objects: valid ones with extreme step sizes, and known keys with odd values or unknown keys. Step counts stay small so runs end. */
const validOptions = fc.record(
  {
    backend: fc.constantFrom('wasm', 'js'),
    precision: fc.constantFrom('f64', 'f32'),
    embedding: fc.constantFrom('onehot', 'orthonormal', 'gaussian'),
    algorithm: fc.constantFrom('two-stage', 'gd', 'joint'),
    t0: fc.integer({ min: 1, max: 6 }),
    t1: fc.integer({ min: 0, max: 6 }),
    eta0: fc.constantFrom(1e-300, 0.1, 10, 1e40, 1e300),
    eta1: fc.constantFrom(1e-300, 0.1, 10, 1e40, 1e300),
    every: fc.integer({ min: 1, max: 3 }),
    chunk: fc.integer({ min: 1, max: 4 }),
  },
  { requiredKeys: ['t0', 't1'] },
);
const oddOptions = fc.record(
  {
    backend: fc.constantFrom<unknown>('wasm', 'js', 'gpu', undefined, null),
    precision: fc.constantFrom<unknown>('f64', 'f32', 'f16', undefined),
    embedding: fc.constantFrom<unknown>('onehot', 'orthonormal', 'gaussian', 'x', undefined, [[1]], { kind: 'onehot', d: 7, E: null }),
    d: oddValue,
    seed: oddValue,
    algorithm: fc.constantFrom<unknown>('two-stage', 'gd', 'joint', 'adam', undefined),
    t0: fc.oneof(fc.integer({ min: -1, max: 6 }), fc.constantFrom<unknown>(NaN, 0.5, '3', null, 1e300)),
    t1: fc.oneof(fc.integer({ min: -1, max: 6 }), fc.constantFrom<unknown>(NaN, 0.5, null, Infinity)),
    eta0: oddValue,
    eta1: oddValue,
    every: oddValue,
    chunk: oddValue,
    tO: fc.constant(5),
  },
  { requiredKeys: [] },
);
const optionsLike = fc.oneof(validOptions, oddOptions);

/** A successful training result must not hide NaN behind a status that says it went well. */
function checkResult(r: Awaited<ReturnType<typeof train>>): void {
  for (const [outcome, records] of [[r.outcome.stage1, r.stage1], [r.outcome.stage2, r.stage2]] as const) {
    if (!outcome || outcome.status === 'diverged' || outcome.status === 'overflow') continue;
    for (const rec of records) {
      expect(Number.isFinite(rec.loss), `loss ${rec.loss} with status ${outcome.status}`).toBe(true);
      expect(Number.isFinite(rec.norm), `norm ${rec.norm} with status ${outcome.status}`).toBe(true);
    }
  }
}

describe('fuzz: every public door answers with an NtpError or a valid result', () => {
  it('parseDataset on arbitrary text', () => {
    fc.assert(
      fc.property(fileLike, (text) => {
        const r = (() => {
          try {
            return parseDataset(text);
          } catch (e) {
            if (e instanceof NtpError) return e;
            throw e;
          }
        })();
        if (r instanceof NtpError) return;
        expect(r.samples.length).toBe(r.counts.length);
        for (const s of r.samples) for (const t of [...s.context, s.next]) expect(t >= 0 && t < r.vocab.length).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('parseModel on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(modelLike, fc.string({ maxLength: 30 })), (text) => {
        try {
          const m = parseModel(text);
          expect(m.parameters.Wov.length).toBe(m.parameters.V * m.parameters.d);
        } catch (e) {
          if (!(e instanceof NtpError)) throw e;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('createModel and train on arbitrary dataset-shaped objects, time-boxed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(datasetLike, oddValue), fc.constantFrom('wasm', 'js'), async (ds, backend) => {
        await timeBoxed(10_000, async () => {
          const m = await ntpErrorOr(() => createModel(ds as never, { backend: backend as 'wasm' | 'js' }));
          if (!(m instanceof NtpError)) {
            const c = m.stage1(2, 0.1);
            expect(Number.isFinite(c.loss)).toBe(true);
            m.dispose();
          }
          const r = await ntpErrorOr(() => train(ds as never, { backend: backend as 'wasm' | 'js', t0: 3, t1: 3 }));
          if (!(r instanceof NtpError)) checkResult(r);
        });
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  it('train on arbitrary options, time-boxed', async () => {
    const svop = svopExample();
    let trained = 0;
    await fc.assert(
      fc.asyncProperty(optionsLike, async (opts) => {
        await timeBoxed(10_000, async () => {
          const r = await ntpErrorOr(() => train(svop, opts as never));
          if (!(r instanceof NtpError)) {
            checkResult(r);
            trained++;
          }
        });
      }),
      { numRuns: 80 },
    );
    // the property is not vacuous: some option sets are valid and train
    expect(trained).toBeGreaterThan(0);
  }, 60_000);

  it('the CLI on arbitrary argv exits 0, 1 or 2 and never throws', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'ntp-fuzz-')), 'o');
    const flag = fc.constantFrom('--data', '--vocab', '--t0', '--t1', '--eta0', '--eta1', '--every', '--algorithm', '--backend', '--precision', '--embedding', '--d', '--seed', '--out', '--model', '--json', '-h', '--', '-x', '--t0=3');
    const value = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('0', '-1', '3', '1e300', 'NaN', '4294967296', '', ' ', 'js', 'f32', 'gaussian', 'joint', '/nonexistent', '["a"]'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('train', 'generate', 'example', 'analyze', 'maxmargin', 'predict', 'bogus'), fc.array(fc.oneof(flag, value), { maxLength: 6 }), async (cmd, args) => {
        // the trailing flags bound the run and keep every write in a temporary directory (the last value wins)
        const tail = cmd === 'train' ? ['--t0', '2', '--t1', '2', '--out', out] : cmd === 'generate' || cmd === 'example' ? ['--out', `${out}.json`] : [];
        const cut = args.includes('--') ? args.indexOf('--') : args.length;
        const argv = [cmd, ...args.slice(0, cut), ...tail, ...args.slice(cut)];
        const io = capture();
        const code = await timeBoxed(10_000, () => main(argv, io));
        expect([0, 1, 2], `ntp ${argv.join(' ')}: ${io.err}`).toContain(code);
        if (code !== 0) expect(io.err.length + io.out.length).toBeGreaterThan(0);
      }),
      { numRuns: 120 },
    );
  }, 60_000);
});
