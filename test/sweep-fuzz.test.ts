// Fuzzing sweep files: random nested objects and arrays, odd keys, huge numbers. Parsing,
// counting and expanding (with every family's validation) either accept a file or refuse it with
// an NtpError, never another exception, and always within a bounded time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NtpError } from '../src/errors.js';
import { DEFAULT_FAMILY, FAMILIES, loadFamilies } from '../src/sweep/families.js';
import { countRuns, expandSweep, parseSweepFile, type SweepFile } from '../src/sweep/spec.js';

const families = await loadFamilies();
const knownOptions = [...new Set([...families.values()].flatMap((f) => [...f.options]))];

/** Either a result or an NtpError; any other exception fails the property. */
function ntpErrorOr<T>(f: () => T): T | NtpError {
  try {
    return f();
  } catch (e) {
    if (e instanceof NtpError) return e;
    throw e;
  }
}

/** Runs f and fails when it takes longer than ms (expansion is synchronous: measured, not raced). */
function bounded<T>(ms: number, f: () => T): T {
  const t = performance.now();
  const r = f();
  expect(performance.now() - t).toBeLessThan(ms);
  return r;
}

const huge = fc.constantFrom(1e15, -1e15, 1e300, -1e300, 2 ** 53, 2 ** 53 + 2, 2 ** 31, 1e7, 1e9, Number.MAX_VALUE, 5e-324, -0);
const odd = fc.constantFrom<unknown>(null, true, false, 0, 1, -1, 0.5, 3, '', 'a', 'two-stage', 'gd', 'wasm', 'f32', 'onehot', 'haar', 'softmax', 'origin', [], {});
const key = fc.oneof(
  fc.constantFrom(...knownOptions, 'family', '__proto__', 'constructor', 'prototype', 'toString', '', ' ', 'from', 'to', 'step', 'base', 'grid', 'list', 'é', '\u0000', 'a.b', '[0]'),
  fc.string({ maxLength: 6 }),
);
const family = fc.constantFrom<unknown>(...Object.keys(FAMILIES), 'nope', '', null, 3, ['ntp']);
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    odd,
    huge,
    fc.double(),
    fc.integer({ min: -5, max: 40 }),
    fc.string({ maxLength: 5 }),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 3 }),
  ),
}));
const config = fc.dictionary(key, fc.oneof(value, family), { maxKeys: 5 });
const range = fc.record({ from: fc.oneof(fc.integer({ min: -3, max: 5 }), huge, odd), to: fc.oneof(fc.integer({ min: -3, max: 12 }), huge, odd), step: fc.oneof(fc.integer({ min: -1, max: 4 }), huge, odd) }, { requiredKeys: ['from', 'to'] });
const axis = fc.oneof(fc.array(fc.oneof(value, family), { maxLength: 4 }), range, value);
const sweepLike = fc.oneof(
  fc.record({ base: fc.oneof(config, value), grid: fc.oneof(fc.dictionary(key, axis, { maxKeys: 4 }), value), list: fc.oneof(fc.array(fc.oneof(config, value), { maxLength: 3 }), value) }, { requiredKeys: [] }),
  fc.dictionary(key, value, { maxKeys: 3 }),
  value,
);
/** Sweep files as text: the shapes above, any JSON, and hand-made texts with duplicate keys and deep nesting. */
const text = fc.oneof(
  sweepLike.map((x) => JSON.stringify(x) ?? 'null'),
  fc.json({ maxDepth: 4 }),
  fc.string({ maxLength: 30 }),
  // deep values where an option, a family name, an axis or a list entry goes (error messages quote values)
  fc
    .tuple(fc.oneof(key, fc.constantFrom('vocab', 'family', 'seed')), fc.integer({ min: 1, max: 200_000 }), fc.constantFrom('base', 'grid', 'list'), fc.constantFrom('[', '{"k":'))
    .map(([k, n, where, open]) => {
      const close = open === '[' ? ']' : '}';
      const deep = `${open.repeat(n)}1${close.repeat(n)}`;
      const inner = `{${JSON.stringify(k)}:${where === 'grid' ? `[${deep}]` : deep}}`;
      return where === 'list' ? `{"list":[${inner}]}` : `{"${where}":${inner}}`;
    }),
  fc.tuple(key, key, fc.json({ maxDepth: 1 })).map(([a, b, v]) => `{"grid":{${JSON.stringify(a)}:[${v}],${JSON.stringify(b)}:[1]},"base":{${JSON.stringify(a)}:${v}}}`),
);

describe('fuzzing sweep files', () => {
  it('parse, count and expand accept or throw an NtpError, within a bounded time', () => {
    let accepted = 0;
    fc.assert(
      fc.property(text, (t) => {
        const r = bounded(3000, () =>
          ntpErrorOr(() => {
            const sweep = parseSweepFile(t);
            countRuns(sweep);
            return expandSweep(sweep, { families, defaultFamily: DEFAULT_FAMILY });
          }),
        );
        if (!(r instanceof NtpError)) {
          accepted++;
          for (const run of r) expect(run.id).toMatch(/^[0-9a-f]{16}$/);
        }
      }),
      { numRuns: 400, seed: 20261207 },
    );
    // the generators reach valid sweeps too, not refusals only
    expect(accepted).toBeGreaterThan(0);
  }, 120_000);

  it('objects handed to the API (not from JSON: any value, shared or cyclic parts) are accepted or refused the same way', () => {
    fc.assert(
      fc.property(sweepLike, fc.boolean(), (x, cyclic) => {
        if (cyclic && typeof x === 'object' && x !== null) (x as Record<string, unknown>).base = x;
        bounded(3000, () => ntpErrorOr(() => expandSweep(x as SweepFile, { families, defaultFamily: DEFAULT_FAMILY })));
        bounded(3000, () => ntpErrorOr(() => countRuns(x as SweepFile)));
      }),
      { numRuns: 400, seed: 7 },
    );
  }, 120_000);
});
