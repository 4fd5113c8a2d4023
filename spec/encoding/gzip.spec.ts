// encoding/gzip.ts: gunzip undoes gzip for any bytes; the output is a real gzip member (RFC 1952
// magic); corrupt or truncated input is rejected rather than returning garbage.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gunzip, gzip } from '../../src/encoding/gzip.ts';

describe('gzip', () => {
  it('gunzip(gzip(bytes)) is bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 20_000 }), async (bytes) => {
        expect(await gunzip(await gzip(bytes))).toEqual(bytes);
      }),
      { numRuns: 50 },
    );
  });

  it('writes a gzip member (magic 1f 8b, method deflate)', async () => {
    const out = await gzip(new TextEncoder().encode('hello'));
    expect([...out.subarray(0, 3)]).toEqual([0x1f, 0x8b, 0x08]);
  });

  it('rejects a truncated stream', async () => {
    const out = await gzip(new TextEncoder().encode('x'.repeat(10_000)));
    await expect(gunzip(out.subarray(0, out.byteLength - 6))).rejects.toThrow();
  });

  it('rejects bytes that are not gzip', async () => {
    await expect(gunzip(new TextEncoder().encode('{"not":"gzip"}'))).rejects.toThrow();
  });
});
