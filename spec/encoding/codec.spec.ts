// encoding/codec.ts: JSON and MessagePack carry every finite double and every safe integer
// exactly, in every layout; -0 arrives as +0 in both (JSON cannot carry -0, and the two formats
// must agree); MessagePack writes non-integers as float64, never float32.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTENT_TYPES, decode, encode, FORMATS, type Format } from '../../src/encoding/codec.ts';
import { LAYOUTS, layOut } from '../../src/encoding/layout.ts';
import {
  columnSeriesArb,
  finiteDoubleArb,
  sampleTimeArb,
  seriesListArb,
} from '../support/arbitraries/edge.ts';

/** What a value reads back as: itself, except -0, which both formats carry as +0. */
const carried = (x: number) => (Object.is(x, -0) ? 0 : x);

/** Every number of a laid-out body as the formats carry it. */
const carriedDeep = (value: unknown): unknown =>
  typeof value === 'number'
    ? carried(value)
    : Array.isArray(value)
      ? value.map(carriedDeep)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, carriedDeep(v)]))
        : value;

const roundTrip = (value: unknown, format: Format) => decode(encode(value, format), format);

describe('encode → decode', () => {
  for (const format of FORMATS) {
    it(`${format}: returns every finite double exactly (-0 as +0)`, () => {
      fc.assert(
        fc.property(finiteDoubleArb, (x) => {
          const [y] = roundTrip([x], format) as number[];
          expect(y).toBe(carried(x)); // toBe is Object.is: +0 and -0 differ
        }),
        { numRuns: 2000 },
      );
    });

    it(`${format}: returns every epoch-ms (safe non-negative integer) exactly`, () => {
      fc.assert(
        fc.property(sampleTimeArb, (t) => {
          expect(roundTrip({ t: [t] }, format)).toEqual({ t: [t] });
        }),
        { numRuns: 1000 },
      );
    });

    for (const layout of LAYOUTS) {
      it(`${format}/${layout}: a body of series reads back exactly as laid out`, () => {
        fc.assert(
          fc.property(seriesListArb, (series) => {
            const body = { site: 'demo-small', series: layOut(series, layout) };
            // What the format carries of each number of the laid-out body (-0 as +0).
            const expected = { site: 'demo-small', series: carriedDeep(layOut(series, layout)) };
            expect(roundTrip(body, format)).toEqual(expected);
          }),
        );
      });
    }
  }

  it('JSON and MessagePack carry identical data for the same body', () => {
    fc.assert(
      fc.property(seriesListArb, fc.constantFrom(...LAYOUTS), (series, layout) => {
        const body = { series: layOut(series, layout), meta: { samples: series.length, cache: 'miss' } };
        expect(roundTrip(body, 'msgpack')).toEqual(roundTrip(body, 'json'));
      }),
    );
  });

  it('-0 reads back as +0 in both formats (a decision: JSON has no -0)', () => {
    for (const format of FORMATS) {
      const [v] = roundTrip([-0], format) as number[];
      expect(Object.is(v, 0), format).toBe(true);
    }
  });
});

describe('MessagePack number encoding', () => {
  it('writes every non-integer double as float64 (0xcb + 8 bytes), never float32 (0xca)', () => {
    fc.assert(
      fc.property(
        finiteDoubleArb.filter((x) => !Number.isInteger(x)),
        (x) => {
          const bytes = encode(x, 'msgpack');
          expect([bytes[0], bytes.byteLength]).toEqual([0xcb, 9]);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('writes a float32-representable reading (71.5) as float64 too', () => {
    expect(encode(71.5, 'msgpack')[0]).toBe(0xcb);
  });

  it('writes epoch ms as an integer, not a float', () => {
    const bytes = encode(Date.UTC(2025, 5, 1), 'msgpack');
    expect(bytes[0]).toBe(0xcf); // uint 64
    expect(decode(bytes, 'msgpack')).toBe(Date.UTC(2025, 5, 1));
  });
});

describe('formats', () => {
  it('answers JSON as application/json and MessagePack as application/msgpack', () => {
    expect(CONTENT_TYPES).toEqual({
      json: 'application/json; charset=utf-8',
      msgpack: 'application/msgpack',
    });
  });

  it('JSON is UTF-8 and reads back non-ASCII point names exactly', () => {
    fc.assert(
      fc.property(columnSeriesArb, (s) => {
        expect((roundTrip({ point: s.point }, 'json') as { point: string }).point).toBe(s.point);
      }),
    );
  });

  it('decoding malformed bytes throws (the caller decides what that means)', () => {
    expect(() => decode(new TextEncoder().encode('{"a":'), 'json')).toThrow();
    expect(() => decode(new Uint8Array([0xff, 0xfe]), 'json')).toThrow();
    expect(() => decode(new Uint8Array([0xcb, 0x00]), 'msgpack')).toThrow();
  });
});
