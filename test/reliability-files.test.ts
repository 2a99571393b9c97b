import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPredict } from '../src/cli/predict.js';
import { runTrain } from '../src/cli/train.js';
import { parseDataset } from '../src/dataset/format.js';
import { readTextFile } from '../src/io/files.js';
import { modelToJSON, parseModel } from '../src/model/serialize.js';
import { predict } from '../src/model/predict.js';
import { train } from '../src/train/run.js';
import { svopExample } from '../src/dataset/svop.js';
import { capture } from './helpers/cli.js';

const tmp = () => mkdtemp(join(tmpdir(), 'ntp-files-'));

describe('files: bytes, keys and counts are taken literally or refused', () => {
  it('refuses a non-UTF-8 byte with its offset instead of saving U+FFFD', async () => {
    const file = join(await tmp(), 'latin1.json');
    const head = Buffer.from('{"vocab": ["caf');
    await writeFile(file, Buffer.concat([head, Buffer.from([0xe9]), Buffer.from('", "b"], "sentences": [["b", "b"]]}')]));
    await expect(readTextFile(file)).rejects.toThrow(new RegExp(`not UTF-8 text: invalid byte 0xe9 at byte offset ${head.length}`));
    const io = capture();
    expect(await runTrain(['--data', file, '--out', join(await tmp(), 'o')], io)).toBe(1);
    expect(io.err).toMatch(/invalid byte 0xe9/);
  });

  it('refuses duplicate JSON keys in datasets and models, naming the key and its place', () => {
    expect(() => parseDataset('{"vocab": ["a", "b"],\n "samples": [{"context": ["a"], "next": "b", "count": 1, "count": 5}]}')).toThrow(/duplicate key "count" at line 2, column 58/);
    expect(() => parseDataset('{"vocab": ["a"], "vocab": ["a", "b"], "sentences": [["a", "b"]]}')).toThrow(/duplicate key "vocab"/);
    expect(() => parseDataset('{"vocab": ["a", "b"], "samples": [{"context": ["a"], "next": "b"}], "description": "\\"vocab\\": x"}')).not.toThrow();
    const model = JSON.stringify(modelToJSON(['a', 'b'], { V: 2, d: 2, Wov: [1, 0, 0, 1], Wkq: [0, 0, 0, 0], E: null }));
    expect(() => parseModel(model.replace('"d":2', '"d":2,"d":2'))).toThrow(/the key "d" twice/);
  });

  it('refuses counts whose merged sum passes 2^53', () => {
    const big = 2 ** 53 - 1;
    expect(() => parseDataset(`{"vocab": ["a", "b"], "samples": [{"context": ["a"], "next": "b", "count": ${big}}, {"context": ["a"], "next": "b", "count": 2}]}`)).toThrow(/sample 1: its count adds up to more than 2\^53 - 1/);
    expect(() => parseDataset(`{"vocab": ["a", "b"], "samples": [{"context": ["a"], "next": "b", "count": ${big}}, {"context": ["b"], "next": "a", "count": 2}]}`)).toThrow(/the counts add up to more than 2\^53 - 1/);
  });

  it('model.json: d = 2^31 in 126 bytes, duplicate and empty vocab entries are refused before allocating', () => {
    const huge = '{"format":"ntp-dynamics/model@1","vocab":["a","b"],"d":2147483648,"Wov":[[0],[0]],"Wkq":[],"embedding":[[1],[1]]}';
    expect(() => parseModel(huge)).toThrow(/model "embedding" row 0 must have 2147483648 entries/);
    const ok = modelToJSON(['a', 'b'], { V: 2, d: 2, Wov: [1, 0, 0, 1], Wkq: [0, 0, 0, 0], E: null });
    expect(() => parseModel(JSON.stringify({ ...ok, vocab: ['a', 'a'] }))).toThrow(/vocab entry "a" appears twice/);
    expect(() => parseModel(JSON.stringify({ ...ok, vocab: ['a', ''] }))).toThrow(/vocab entry 1 is an empty string/);
  });
});

describe('predict on huge inputs and whitespace tokens', () => {
  it('a 150,000-token context and |V| = 200,000 do not overflow the stack', () => {
    const V = 200_000;
    const d = 2;
    // token v embedded as (cos θ_v, sin θ_v); W_ov sends direction 0 to token 7
    const E = new Float64Array(d * V);
    for (let v = 0; v < V; v++) {
      E[v] = Math.cos(v / V);
      E[V + v] = Math.sin(v / V);
    }
    const Wov = new Float64Array(V * d);
    Wov[7 * d] = 30;
    const p = predict({ V, d, Wov, Wkq: new Float64Array(d * d), E }, [0, 1, 2]);
    expect(p.probabilities.length).toBe(V);
    expect(p.next).toBe(7);
    const context = Array.from({ length: 150_000 }, (_, i) => (i === 0 ? 1 : 3));
    const small = { V: 4, d: 4, Wov: new Float64Array(16), Wkq: new Float64Array(16), E: null };
    const q = predict(small, context.map((t) => t % 4));
    expect(q.attention.length).toBe(150_000);
    expect(q.attention[0]).toBeCloseTo(1 / 150_000, 18);
  });

  it('takes a JSON array context, so tokens with spaces can be named', async () => {
    const dir = await tmp();
    const r = await train(svopExample(), { t0: 50, t1: 50 });
    const vocab = ['S x', 'V', 'O', 'P'];
    const file = join(dir, 'model.json');
    await writeFile(file, JSON.stringify(modelToJSON(vocab, r.parameters)));
    const io = capture();
    expect(await runPredict(['--model', file, '["S x", "P"]'], io)).toBe(0);
    expect(io.out).toMatch(/^next: V/);
    const bad = capture();
    expect(await runPredict(['--model', file, '["S x", 3]'], bad)).toBe(2);
    expect(bad.err).toMatch(/JSON array of token strings/);
  });

  it('refuses t0 = 0 with t1 > 0 instead of reporting stage 2 "converged at step 0"', async () => {
    await expect(train(svopExample(), { t0: 0, t1: 50 })).rejects.toThrow(/option t0 = 0 leaves W_ov = 0/);
  });
});
