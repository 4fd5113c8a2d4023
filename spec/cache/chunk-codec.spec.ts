// The chunk codec (version 1): exact round trips for any finite doubles and epoch-ms timestamps,
// its layout worked by hand, and garbage refused as null rather than misread.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHUNK_ENCODING_V1,
  type ChunkSeries,
  decodeChunk,
  decodeStoredChunk,
  encodeChunk,
} from '../../src/cache/chunk-codec.ts';

const seriesArb: fc.Arbitrary<ChunkSeries> = fc
  .tuple(
    fc.string({ maxLength: 40 }),
    fc.array(
      fc.tuple(fc.integer({ min: 0, max: 4e12 }), fc.double({ noNaN: true, noDefaultInfinity: true })),
      { maxLength: 50 },
    ),
  )
  .map(([point, samples]) => ({ point, t: samples.map(([t]) => t), v: samples.map(([, v]) => v) }));

describe('chunk codec', () => {
  it('round-trips every series exactly (Object.is on every value, -0 included)', () => {
    fc.assert(
      fc.property(fc.array(seriesArb, { maxLength: 8 }), (series) => {
        const decoded = decodeChunk(encodeChunk(series));
        expect(decoded).not.toBeNull();
        expect(decoded?.length).toBe(series.length);
        series.forEach((s, i) => {
          const d = decoded?.[i];
          expect(d?.point).toBe(s.point);
          expect(d?.t).toEqual(s.t);
          expect(d?.v.every((v, k) => Object.is(v, s.v[k]))).toBe(true);
        });
      }),
    );
  });

  it('refuses truncated or altered bytes instead of misreading them', () => {
    fc.assert(
      fc.property(fc.array(seriesArb, { minLength: 1, maxLength: 4 }), fc.nat(), (series, cut) => {
        const bytes = encodeChunk(series);
        const truncated = bytes.subarray(0, cut % bytes.byteLength);
        expect(decodeChunk(truncated)).toBeNull();
      }),
    );
    expect(decodeChunk(new TextEncoder().encode('not a chunk at all'))).toBeNull();
    expect(decodeChunk(new Uint8Array(0))).toBeNull();
  });

  it('refuses series whose columns differ in length', () => {
    expect(() => encodeChunk([{ point: 'p', t: [1, 2], v: [1] }])).toThrow(RangeError);
  });
});

describe('chunk codec v1: the layout, by hand', () => {
  /** A v1 chunk laid out as its comment says: u32 LE header length, the JSON, zeros to 8, float64s. */
  const laidOut = (header: string, floats: number[]): Uint8Array => {
    const json = new TextEncoder().encode(header);
    const dataStart = Math.ceil((4 + json.byteLength) / 8) * 8;
    const out = new Uint8Array(dataStart + floats.length * 8);
    const view = new DataView(out.buffer);
    view.setUint32(0, json.byteLength, true);
    out.set(json, 4);
    for (const [i, x] of floats.entries()) view.setFloat64(dataStart + 8 * i, x, true);
    return out;
  };

  it('writes the header, pads it to 8 bytes, then each point’s times and then its values', () => {
    // The header is 37 bytes: 4 + 37 = 41, padded with 7 zeros to 48.
    const header = '{"points":["a","bcd"],"counts":[2,1]}';
    expect(header).toHaveLength(37);
    const series = [
      { point: 'a', t: [1000, 2000], v: [1.5, -2] },
      { point: 'bcd', t: [3000], v: [0.25] },
    ];
    const bytes = laidOut(header, [1000, 2000, 1.5, -2, 3000, 0.25]);
    expect([...bytes.subarray(0, 4)]).toEqual([37, 0, 0, 0]);
    expect([...bytes.subarray(41, 48)]).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect([...encodeChunk(series)]).toEqual([...bytes]);
    expect(decodeChunk(bytes)).toEqual(series);
  });

  it('reads a chunk at an offset inside a larger buffer', () => {
    const bytes = laidOut('{"points":["p"],"counts":[1]}', [5, 6]);
    const inside = new Uint8Array(bytes.byteLength + 8);
    inside.set(bytes, 8);
    expect(decodeChunk(inside.subarray(8))).toEqual([{ point: 'p', t: [5], v: [6] }]);
  });

  it.each([
    ['more counts than points', '{"points":["p"],"counts":[1,0]}', [5, 6]],
    ['a point that is not a string', '{"points":[7],"counts":[1]}', [5, 6]],
    ['a negative count', '{"points":["p","q"],"counts":[2,-1]}', [5, 6]],
    ['a fractional count', '{"points":["p"],"counts":[0.5]}', []],
    ['no counts', '{"points":["p"]}', [5, 6]],
    ['a header that is not an object', 'null', []],
    ['one sample short of the counts', '{"points":["p"],"counts":[2]}', [5, 6, 7]],
    ['one sample past the counts', '{"points":["p"],"counts":[1]}', [5, 6, 7, 8]],
  ])('refuses %s', (_, header, floats) => {
    expect(decodeChunk(laidOut(header, floats))).toBeNull();
  });

  it('refuses a header longer than the bytes and one that is not UTF-8', () => {
    const bytes = laidOut('{"points":[],"counts":[]}', []);
    new DataView(bytes.buffer).setUint32(0, bytes.byteLength, true);
    expect(decodeChunk(bytes)).toBeNull();
    const bad = laidOut('{"points":["\u00e9"],"counts":[0]}', []);
    bad[4 + 13] = 0xff; // inside the é
    expect(decodeChunk(bad)).toBeNull();
    expect(decodeChunk(laidOut('{"points":["\u00e9"],"counts":[0]}', []))).toEqual([
      { point: 'é', t: [], v: [] },
    ]);
  });

  it('reads a three-byte buffer as nothing', () => {
    expect(decodeChunk(new Uint8Array([0, 0, 0]))).toBeNull();
  });
});

describe('stored chunks: version 1 by its metadata', () => {
  const v1 = encodeChunk([
    { point: 'a', t: [1], v: [2] },
    { point: 'b', t: [3], v: [4] },
  ]);

  it('reads v1 bytes only for the same names in the same order, and only as v1', async () => {
    expect(await decodeStoredChunk(v1, CHUNK_ENCODING_V1, ['a', 'b'])).toHaveLength(2);
    for (const names of [['a', 'c'], ['b', 'a'], ['a', 'b', 'c'], ['a']]) {
      expect(await decodeStoredChunk(v1, CHUNK_ENCODING_V1, names)).toBeNull();
    }
    expect(await decodeStoredChunk(v1, 'f64-columns-v0', ['a', 'b'])).toBeNull();
  });

  it('reads a chunk whose header ends on an 8-byte boundary and holds no sample', () => {
    // `{"points":[""],"counts":[0]}` is 28 bytes: 4 + 28 = 32, no padding, no data.
    const bytes = encodeChunk([{ point: '', t: [], v: [] }]);
    expect(bytes.byteLength).toBe(32);
    expect(decodeChunk(bytes)).toEqual([{ point: '', t: [], v: [] }]);
  });

  it('names the series whose columns differ', () => {
    expect(() => encodeChunk([{ point: 'p', t: [1, 2], v: [1] }])).toThrow(
      'series p: t and v differ in length',
    );
  });
});
