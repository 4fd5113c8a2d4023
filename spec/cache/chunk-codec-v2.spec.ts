// Chunk codec v2 (src/cache/chunk-codec-v2.ts, chunk-times.ts, chunk-time-edits.ts): exact round
// trips for every double in either column, whatever form each series' times and values take;
// BAS trend logs and the synthetic ACE's real-site series round-trip too; a chunk is read only for
// the points it was written for; anything else is null, never a throw; and version-1 objects
// written before it are still read. New chunks are v3 (spec/cache/chunk-codec-v3.spec.ts), whose
// body is v2's reordered: v2 objects stay readable until they expire.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPrng } from '../../fixtures/ace/hash.ts';
import { basTrends } from '../../fixtures/bas/trends.ts';
import {
  CHUNK_ENCODING_V1,
  type ChunkSeries,
  decodeStoredChunk,
  encodeChunk,
} from '../../src/cache/chunk-codec.ts';
import {
  CHUNK_ENCODING_V2,
  decodeChunkBody,
  encodeChunkBody,
  frameChunk,
  packChunk,
  unpackChunk,
} from '../../src/cache/chunk-codec-v2.ts';
import { aceSeries, chunkArb, DAY_MS, expectSame, names, START } from '../support/chunk-arbitraries.ts';

describe('chunk codec v2: exact', () => {
  it('round-trips every chunk bit for bit: any doubles, −0, NaN, ±Infinity, subnormals, ±max, shared times', () => {
    fc.assert(
      fc.property(chunkArb, (chunk) => {
        expectSame(decodeChunkBody(encodeChunkBody(chunk), names(chunk)), chunk);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips through the stored form, deflated or not', async () => {
    await fc.assert(
      fc.asyncProperty(chunkArb, async (chunk) => {
        expectSame(await unpackChunk(await packChunk(chunk), names(chunk)), chunk);
      }),
      { numRuns: 60 },
    );
  });

  it('round-trips BAS trend logs and the synthetic ACE series, one point and fifty to a chunk', async () => {
    const bas = basTrends(60, START, START + DAY_MS);
    const ace = aceSeries(50);
    for (const chunk of [bas.slice(0, 1), bas.slice(4, 5), bas.slice(0, 50), ace.slice(0, 1), ace]) {
      expectSame(await unpackChunk(await packChunk(chunk), names(chunk)), chunk);
    }
  });

  it('refuses series whose columns differ in length', () => {
    expect(() => encodeChunkBody([{ point: 'p', t: [1, 2], v: [1] }])).toThrow(RangeError);
  });
});

describe('chunk codec v2: small where trend logs are regular', () => {
  const grid = (n: number, intervalMs: number, jitter: (i: number) => number) =>
    Array.from({ length: n }, (_, i) => START + i * intervalMs + jitter(i));
  const flat = (point: string, t: number[]): ChunkSeries => ({ point, t, v: t.map(() => 71.5) });

  it('stores a steady minute grid of a constant in a few bytes', async () => {
    const packed = await packChunk([
      flat(
        'a',
        grid(1440, 60_000, () => 0),
      ),
    ]);
    expect(packed.byteLength).toBeLessThan(60); // 0.04 B a sample
  });

  it('stores readings jittered ±1 s around a grid at the cost of the jitter, not of its differences', async () => {
    // Offsets from the grid take 3 symbols; differences of neighbours' offsets spread over 9 and
    // deflate to ~177 bytes a day here.
    const next = createPrng(1);
    const packed = await packChunk([
      flat(
        'a',
        grid(288, 300_000, () => ((next() % 3) - 1) * 1000),
      ),
    ]);
    expect(packed.byteLength).toBeLessThan(165);
  });

  it('stores times an earlier series shares, less a few, as a handful of edits', () => {
    const t = grid(288, 300_000, (i) => ((i % 3) - 1) * 1000);
    const alone = encodeChunkBody([flat('a', t)]).byteLength;
    const missing = t.filter((_, i) => i !== 40 && i !== 41 && i !== 200);
    const both = encodeChunkBody([flat('a', t), flat('b', missing)]).byteLength;
    // b's values are a constant too (~1 byte each): its times cost under 20 bytes.
    expect(both - alone - missing.length).toBeLessThan(20);
  });
});

describe('chunk codec v2: refuses what is not a chunk of these points', () => {
  const chunk = basTrends(6, START, START + DAY_MS);

  it('reads a chunk only for the point list it was written for', async () => {
    const packed = await packChunk(chunk);
    const other = names(chunk).map((n, i) => (i === 3 ? `${n}x` : n));
    expect(await unpackChunk(packed, other)).toBeNull();
    expect(await unpackChunk(packed, names(chunk).slice(1))).toBeNull();
    expect(await unpackChunk(packed, [...names(chunk)].reverse())).toBeNull();
  });

  it('refuses every truncation and any trailing byte', () => {
    const body = encodeChunkBody(chunk);
    fc.assert(
      fc.property(fc.nat({ max: body.byteLength - 1 }), (cut) => {
        expect(decodeChunkBody(body.subarray(0, cut), names(chunk))).toBeNull();
      }),
    );
    const longer = new Uint8Array(body.byteLength + 1);
    longer.set(body);
    expect(decodeChunkBody(longer, names(chunk))).toBeNull();
  });

  it('refuses a wrong magic, unknown flags and a payload that does not inflate', async () => {
    const body = encodeChunkBody(chunk);
    // Framed as it is (its "deflation" is bigger), then altered.
    const packed = frameChunk(body, new Uint8Array(body.byteLength + 1));
    expectSame(await unpackChunk(packed, names(chunk)), chunk);
    const wrongMagic = packed.slice();
    wrongMagic[0] = 0x58;
    const unknownFlag = packed.slice();
    unknownFlag[3] = 4;
    const notDeflate = packed.slice();
    notDeflate[3] = 1;
    for (const bytes of [wrongMagic, unknownFlag, notDeflate, new Uint8Array(0), packed.subarray(0, 3)])
      expect(await unpackChunk(bytes, names(chunk))).toBeNull();
  });

  it('never throws on altered bytes', () => {
    const body = encodeChunkBody(chunk);
    fc.assert(
      fc.property(fc.nat({ max: body.byteLength - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const altered = body.slice();
        altered[at] = (altered[at] as number) ^ xor;
        expect(() => decodeChunkBody(altered, names(chunk))).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

describe('stored chunks of either version', () => {
  const chunk = basTrends(3, START, START + DAY_MS);

  it('still reads version-1 objects, for their own points only', async () => {
    const v1 = encodeChunk(chunk);
    expectSame(await decodeStoredChunk(v1, CHUNK_ENCODING_V1, names(chunk)), chunk);
    expect(await decodeStoredChunk(v1, CHUNK_ENCODING_V1, names(chunk).slice(0, 2))).toBeNull();
  });

  it('reads version 2 by its metadata, and nothing of an encoding it does not know', async () => {
    const v2 = await packChunk(chunk);
    expectSame(await decodeStoredChunk(v2, CHUNK_ENCODING_V2, names(chunk)), chunk);
    expect(await decodeStoredChunk(v2, CHUNK_ENCODING_V1, names(chunk))).toBeNull();
    expect(await decodeStoredChunk(v2, 'chunk-v9', names(chunk))).toBeNull();
  });
});
