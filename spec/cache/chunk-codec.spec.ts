// The chunk codec: exact round trips for any finite doubles and epoch-ms timestamps, and garbage
// is refused as null rather than misread.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ChunkSeries, decodeChunk, encodeChunk } from '../../src/cache/chunk-codec.ts';

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
