// Reading data files: a byte cap (a device without end is refused at it), text longer than a
// string can hold refused as too large before decoding, not misreported as bad UTF-8.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { MAX_FILE_BYTES, MAX_STRING_LENGTH, decodeUtf8, readTextFile, utf16Length } from '../src/io/files.js';
import { capture } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ntp-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('utf16Length', () => {
  it('counts what TextDecoder produces, at any alignment', () => {
    for (const s of ['', 'a', 'é', '€', '😀', 'aé€😀x'.repeat(7), 'ab😀cd😀😀éé€abc', '\u0000\u007f\u0080\u07ff\u0800\uffff']) {
      const b = new TextEncoder().encode(s);
      for (let shift = 0; shift < 4; shift++) {
        const u = new Uint8Array(b.length + shift).subarray(shift);
        u.set(b);
        expect(utf16Length(u)).toBe(s.length);
      }
    }
  });
});

describe('readTextFile reads at most its cap', () => {
  it('refuses /dev/zero and /dev/urandom at the cap, naming the file and the cap', async () => {
    for (const dev of ['/dev/zero', '/dev/urandom']) {
      const err = await readTextFile(dev, 3 * 2 ** 20 + 5).catch((e: unknown) => e);
      expect((err as { code: string }).code).toBe('too-large');
      expect((err as Error).message).toBe(`"${dev}" is larger than 3,145,733 bytes, the most a file read by ntp may have`);
    }
  });

  it('refuses a regular file past the cap from its size, before reading it', async () => {
    const p = join(dir, 'sparse.json');
    writeFileSync(p, '');
    truncateSync(p, MAX_FILE_BYTES + 1); // sparse: nothing is written, and nothing may be read
    const t0 = performance.now();
    await expect(readTextFile(p)).rejects.toThrow(`"${p}" is larger than 1,073,741,824 bytes`);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('reads a file of exactly the cap, and a pipe-sized file in chunks', async () => {
    const p = join(dir, 'exact.txt');
    writeFileSync(p, 'x'.repeat(1000) + 'é');
    expect(await readTextFile(p, 1002)).toBe('x'.repeat(1000) + 'é');
    await expect(readTextFile(p, 1001)).rejects.toThrow(/larger than 1,001 bytes/);
  });

  it('ntp analyze /dev/zero exits 1 with one line naming the file and the cap', async () => {
    const io = capture();
    expect(await main(['analyze', '/dev/zero'], io)).toBe(1);
    expect(io.err).toBe('error: "/dev/zero" is larger than 1,073,741,824 bytes, the most a file read by ntp may have\n');
    expect(io.out).toBe('');
  }, 60_000);
});

describe('text longer than a string can hold', () => {
  it('a valid UTF-8 file past 2^29 − 24 characters is refused as too large, with its size, not as bad UTF-8', async () => {
    const p = join(dir, 'big.json');
    writeFileSync(p, '');
    truncateSync(p, 600 * 2 ** 20); // 600 MiB of NUL bytes: valid UTF-8, one character each
    const err = await readTextFile(p).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe('too-large');
    expect((err as Error).message).toBe(`"${p}" (629,145,600 bytes) decodes to 629,145,600 characters, more than the ${MAX_STRING_LENGTH.toLocaleString('en-US')} a JavaScript string can hold`);
    rmSync(p);
  }, 60_000);

  it('more bytes than that, but few enough characters (4-byte sequences count two), still decode', () => {
    // a 3-byte sequence is one character: the byte count alone would wrongly refuse such text
    const bytes = new TextEncoder().encode('€'.repeat(10));
    expect(utf16Length(bytes)).toBe(10);
    expect(decodeUtf8(bytes, 'x')).toBe('€'.repeat(10));
  });
});
