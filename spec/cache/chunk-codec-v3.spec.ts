// Chunk codec v3 (src/cache/chunk-codec-v3.ts): v2's head, value blocks reordered (wide ones split,
// chunk-values.ts) and cut into separately deflated pieces — exact round trips for every double, whether a chunk is one
// piece or several; no larger than v2 on BAS trend logs; read only for its own points; anything
// else is null, never a throw; and objects of v1 and v2, written before it, still read by their
// metadata's encoding.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { basTrends } from '../../fixtures/bas/trends.ts';
import {
  CHUNK_ENCODING,
  CHUNK_ENCODING_V1,
  type ChunkSeries,
  decodeStoredChunk,
  encodeChunk,
} from '../../src/cache/chunk-codec.ts';
import { CHUNK_ENCODING_V2, packChunk } from '../../src/cache/chunk-codec-v2.ts';
import {
  CHUNK_ENCODING_V3,
  decodeChunkBodyV3,
  encodeChunkBodyV3,
  framePieces,
  packChunkV3,
  piecesOf,
  unframePieces,
  unpackChunkV3,
} from '../../src/cache/chunk-codec-v3.ts';
import {
  aceSeries,
  chunkArb,
  DAY_MS,
  expectSame,
  names,
  START,
  valueArb,
} from '../support/chunk-arbitraries.ts';

/** Chunks whose bodies pass a piece's size: a dozen series of a few hundred values of any kind. */
const bigChunkArb: fc.Arbitrary<ChunkSeries[]> = fc
  .array(
    fc.record({
      n: fc.integer({ min: 100, max: 500 }),
      kind: fc.constantFrom('any', 'decimal', 'wide', 'constant'),
      step: fc.constantFrom(1_000, 60_000, 300_000),
    }),
    { minLength: 2, maxLength: 12 },
  )
  .chain((specs) =>
    fc.tuple(
      ...specs.map(({ n, kind, step }, i) => {
        const t = Array.from({ length: n }, (_, k) => START + k * step);
        const v =
          kind === 'constant'
            ? fc.constant(t.map(() => 21.5))
            : kind === 'wide'
              ? fc
                  .array(fc.integer({ min: -(2 ** 45), max: 2 ** 45 }), { minLength: n, maxLength: n })
                  .map((ks) => ks.map((k) => k / 1000))
              : kind === 'decimal'
                ? fc
                    .array(fc.integer({ min: -500, max: 500 }), { minLength: n, maxLength: n })
                    .map((ks) => ks.map((k) => k / 10))
                : fc.array(valueArb, { minLength: n, maxLength: n });
        return v.map((values): ChunkSeries => ({ point: `p${i}`, t, v: values }));
      }),
    ),
  );

describe('chunk codec v3: exact', () => {
  it('round-trips every chunk bit for bit: any doubles, −0, NaN, ±Infinity, subnormals, ±max, shared times', () => {
    fc.assert(
      fc.property(chunkArb, (chunk) => {
        const { body, low } = encodeChunkBodyV3(chunk);
        expectSame(decodeChunkBodyV3(body, names(chunk), low), chunk);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips through the stored form, one piece or several, each deflated or not', async () => {
    let several = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(chunkArb, bigChunkArb), async (chunk) => {
        const packed = await packChunkV3(chunk);
        if ((unframePieces(packed)?.pieces.length ?? 0) > 1) several++;
        expectSame(await unpackChunkV3(packed, names(chunk)), chunk);
      }),
      { numRuns: 80 },
    );
    expect(several).toBeGreaterThan(5);
  });

  it('round-trips BAS trend logs and the synthetic ACE series, one point and fifty to a chunk', async () => {
    const bas = basTrends(60, START, START + DAY_MS);
    const ace = aceSeries(50);
    for (const chunk of [bas.slice(0, 1), bas.slice(4, 5), bas.slice(0, 50), ace.slice(0, 1), ace, []]) {
      expectSame(await unpackChunkV3(await packChunkV3(chunk), names(chunk)), chunk);
    }
  });

  it('stores a day of fifty BAS trend logs in several pieces, in fewer bytes than v2', async () => {
    const chunk = basTrends(50, START, START + DAY_MS);
    const v3 = await packChunkV3(chunk);
    expect(unframePieces(v3)?.pieces.length).toBeGreaterThan(1);
    expect(v3.byteLength).toBeLessThan((await packChunk(chunk)).byteLength);
  });

  it('refuses series whose columns differ in length', () => {
    expect(() => encodeChunkBodyV3([{ point: 'p', t: [1, 2], v: [1] }])).toThrow(RangeError);
  });
});

describe('chunk codec v3: refuses what is not a chunk of these points', () => {
  const chunk = basTrends(50, START, START + DAY_MS);
  const cut = encodeChunkBodyV3(chunk);

  it('reads a chunk only for the point list it was written for', async () => {
    const packed = await packChunkV3(chunk);
    const other = names(chunk).map((n, i) => (i === 3 ? `${n}x` : n));
    for (const points of [other, names(chunk).slice(1), [...names(chunk)].reverse()])
      expect(await unpackChunkV3(packed, points)).toBeNull();
  });

  it('refuses every truncation of the body, a trailing byte, and an order that is not one', () => {
    fc.assert(
      fc.property(fc.nat({ max: cut.body.byteLength - 1 }), (at) => {
        expect(decodeChunkBodyV3(cut.body.subarray(0, at), names(chunk))).toBeNull();
      }),
    );
    const longer = new Uint8Array(cut.body.byteLength + 1);
    longer.set(cut.body);
    expect(decodeChunkBodyV3(longer, names(chunk))).toBeNull();
    // Two series of one day and one value each: the order is two bytes right before the values.
    const two = [
      { point: 'a', t: [START], v: [1] },
      { point: 'b', t: [START], v: [2] },
    ];
    const body = encodeChunkBodyV3(two).body;
    const orderAt = body.byteLength - 2 * 3 - 2; // each value block: mode, exponent, one varint
    for (const order of [
      [0, 0],
      [1, 1],
      [2, 0],
    ]) {
      const altered = body.slice();
      altered.set(order, orderAt);
      expect(decodeChunkBodyV3(altered, ['a', 'b'])).toBeNull();
    }
  });

  it('refuses a wrong magic, unknown flags, piece lengths that do not add up, and pieces that do not inflate', async () => {
    const pieces = piecesOf(cut);
    expect(pieces.pieces.length).toBeGreaterThan(1);
    // Framed as they are (their "deflations" are bigger), then altered.
    const packed = framePieces(
      pieces,
      pieces.pieces.map((p) => new Uint8Array(p.byteLength + 1)),
    );
    expectSame(await unpackChunkV3(packed, names(chunk)), chunk);
    const altered = (at: number, value: number) => {
      const b = packed.slice();
      b[at] = value;
      return b;
    };
    const cases = [
      altered(0, 0x58), // magic
      altered(3, 8), // flags
      altered(3, 1), // one deflated piece, which it is not
      altered(3, 2 | 4), // the last piece taken for low bits
      altered(4, (packed[4] as number) + 1), // one piece more than there are
      altered(5, (packed[5] as number) | 1), // the first piece deflated
      packed.subarray(0, packed.byteLength - 1),
      new Uint8Array([...packed, 0]),
      new Uint8Array(0),
      packed.subarray(0, 3),
    ];
    for (const bytes of cases) expect(await unpackChunkV3(bytes, names(chunk))).toBeNull();
  });

  it('reads low bits only from the last piece a chunk says holds them, and all of them', async () => {
    const wide: ChunkSeries[] = [0, 1, 2].map((p) => {
      const t = Array.from({ length: 300 }, (_, k) => START + k * 60_000);
      return { point: `w${p}`, t, v: t.map((_, k) => ((k * 7919 + p * 104_729) % 100_000) / 10) };
    });
    const split = encodeChunkBodyV3(wide);
    expect(split.low.byteLength).toBeGreaterThan(0);
    const packed = await packChunkV3(wide);
    expect(unframePieces(packed)?.low).toBe(true);
    expectSame(await unpackChunkV3(packed, names(wide)), wide);
    const withoutLow = packed.slice();
    withoutLow[3] = 2; // pieces, none of them low bits
    expect(await unpackChunkV3(withoutLow, names(wide))).toBeNull();
    expect(decodeChunkBodyV3(split.body, names(wide))).toBeNull();
    expect(decodeChunkBodyV3(split.body, names(wide), split.low.subarray(1))).toBeNull();
    expect(decodeChunkBodyV3(split.body, names(wide), new Uint8Array([...split.low, 0]))).toBeNull();
    expectSame(decodeChunkBodyV3(split.body, names(wide), split.low), wide);
  });

  it('never throws on altered bytes, of the body or of the stored form', async () => {
    const packed = await packChunkV3(chunk);
    fc.assert(
      fc.property(fc.nat({ max: cut.body.byteLength - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const altered = cut.body.slice();
        altered[at] = (altered[at] as number) ^ xor;
        expect(() => decodeChunkBodyV3(altered, names(chunk))).not.toThrow();
      }),
      { numRuns: 500 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: packed.byteLength - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (at, xor) => {
          const altered = packed.slice();
          altered[at] = (altered[at] as number) ^ xor;
          await unpackChunkV3(altered, names(chunk)); // null or a chunk; never a throw
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('stored chunks of every version', () => {
  const chunk = basTrends(3, START, START + DAY_MS);

  it('writes v3, and reads it by its metadata only', async () => {
    expect(CHUNK_ENCODING).toBe(CHUNK_ENCODING_V3);
    const v3 = await packChunkV3(chunk);
    expectSame(await decodeStoredChunk(v3, CHUNK_ENCODING_V3, names(chunk)), chunk);
    expect(await decodeStoredChunk(v3, CHUNK_ENCODING_V2, names(chunk))).toBeNull();
    expect(await decodeStoredChunk(v3, CHUNK_ENCODING_V1, names(chunk))).toBeNull();
  });

  it('still reads v2 and v1 objects written before it, each by its own encoding', async () => {
    const v2 = await packChunk(chunk);
    expectSame(await decodeStoredChunk(v2, CHUNK_ENCODING_V2, names(chunk)), chunk);
    expect(await decodeStoredChunk(v2, CHUNK_ENCODING_V3, names(chunk))).toBeNull();
    const v1 = encodeChunk(chunk);
    expectSame(await decodeStoredChunk(v1, CHUNK_ENCODING_V1, names(chunk)), chunk);
    expect(await decodeStoredChunk(v1, CHUNK_ENCODING_V3, names(chunk))).toBeNull();
  });
});
