// The streamed answer (src/encoding/series-stream.ts): for any series, cut into pieces anywhere,
// in every layout and both formats, the stream decodes to exactly what encode() of the same answer
// laid out whole decodes to (the oracle is layout.ts + codec.ts, the non-streamed path); worked
// bytes for the edges (no series, an empty series, one piece per sample); and a source is read
// once per pass its layout needs, never held whole by the writer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode, FORMATS, type Format } from '../../src/encoding/codec.ts';
import { type ColumnSeries, LAYOUTS, type Layout, layOut } from '../../src/encoding/layout.ts';
import { type SeriesSource, streamAnswer } from '../../src/encoding/series-stream.ts';
import { columnSeriesArb } from '../support/arbitraries/edge.ts';

const head = { site: 'demo-large', start: 1, end: 2, interval: 'raw' };

/** The series cut at `cuts` (fractions of its length), each piece yielded on every pass. */
function sourceOf(series: ColumnSeries, cuts: number[], passes?: { count: number }): SeriesSource {
  const at = [...new Set(cuts.map((c) => Math.floor(c * series.t.length)))].sort((a, b) => a - b);
  const bounds = [0, ...at, series.t.length];
  return {
    point: series.point,
    async *pieces() {
      if (passes) passes.count++;
      for (let i = 1; i < bounds.length; i++) {
        const [from, to] = [bounds[i - 1] as number, bounds[i] as number];
        yield { point: series.point, t: series.t.slice(from, to), v: series.v.slice(from, to) };
      }
    },
  };
}

async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

async function streamed(sources: SeriesSource[], layout: Layout, format: Format): Promise<unknown> {
  const stream = streamAnswer(
    {
      head,
      count: sources.length,
      series: each(sources),
      meta: (samples) => ({ samples, route: 'upstream' }),
    },
    layout,
    format,
  );
  return decode(new Uint8Array(await new Response(stream).arrayBuffer()), format);
}

const whole = (series: ColumnSeries[], layout: Layout, format: Format) =>
  decode(
    encode(
      {
        ...head,
        series: layOut(series, layout),
        meta: { samples: series.reduce((n, s) => n + s.t.length, 0), route: 'upstream' },
      },
      format,
    ),
    format,
  );

// Series whose times are not all safe integers take compact's {point, t, v} form.
const seriesArb = fc.oneof(
  { weight: 4, arbitrary: columnSeriesArb },
  {
    weight: 1,
    arbitrary: columnSeriesArb.map((s) => ({ ...s, t: s.t.map((t, i) => (i === 1 ? t + 0.5 : t)) })),
  },
  // Decimal values of one and two places: compact's scaled deltas.
  {
    weight: 2,
    arbitrary: columnSeriesArb.map((s) => ({ ...s, v: s.v.map((_, i) => Math.round(i * 7.3 * 10) / 10) })),
  },
);
// Long series (the arrays above stay short): MessagePack's array16 items, pieces of hundreds.
const longSeriesArb = fc
  .record({
    point: fc.string({ minLength: 1, maxLength: 8 }),
    n: fc.integer({ min: 16, max: 3_000 }),
    step: fc.integer({ min: 1, max: 900_000 }),
    k: fc.integer({ min: 1, max: 997 }),
  })
  .map(({ point, n, step, k }) => ({
    point,
    t: Array.from({ length: n }, (_, i) => 1_767_225_600_000 + i * step),
    v: Array.from({ length: n }, (_, i) => ((i * k) % 1000) / 10 - 20),
  }));
const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 5 });

describe('streamAnswer', () => {
  it('decodes to what the answer laid out whole decodes to, for any series cut anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.oneof(seriesArb, longSeriesArb), cutsArb), { maxLength: 5 }),
        fc.constantFrom(...LAYOUTS),
        fc.constantFrom(...FORMATS),
        async (pieces, layout, format) => {
          const series = pieces.map(([s]) => s);
          const sources = pieces.map(([s, cuts]) => sourceOf(s, cuts));
          expect(await streamed(sources, layout, format)).toEqual(whole(series, layout, format));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes no series, and an empty one, as the whole answer does', async () => {
    const empty = { point: 'a', t: [], v: [] };
    for (const layout of LAYOUTS) {
      for (const format of FORMATS) {
        expect(await streamed([], layout, format)).toEqual(whole([], layout, format));
        expect(await streamed([sourceOf(empty, [])], layout, format)).toEqual(whole([empty], layout, format));
      }
    }
    const text = await new Response(
      streamAnswer(
        { head, count: 1, series: each([sourceOf(empty, [])]), meta: () => ({}) },
        'compact',
        'json',
      ),
    ).text();
    expect(text).toBe(
      '{"site":"demo-large","start":1,"end":2,"interval":"raw","series":[{"point":"a","t0":0,"dt":[],"e":0,"dv":[]}],"meta":{}}',
    );
  });

  it('writes compact deltas across pieces as one series: worked', async () => {
    const s = { point: 'p', t: [1000, 2000, 4000], v: [1.5, 1.7, 1.2] };
    const text = await new Response(
      streamAnswer(
        { head, count: 1, series: each([sourceOf(s, [0.34, 0.67])]), meta: () => ({}) },
        'compact',
        'json',
      ),
    ).text();
    expect(JSON.parse(text).series).toEqual([
      { point: 'p', t0: 1000, dt: [1000, 2000], e: 1, dv: [15, 2, -5] },
    ]);
  });

  it('reads a source once per pass its layout needs (JSON columns: t then v; MessagePack counts first)', async () => {
    const s = { point: 'p', t: [1, 2, 3], v: [4, 5, 6] };
    const passes = async (layout: Layout, format: Format) => {
      const counter = { count: 0 };
      await streamed([sourceOf(s, [0.5], counter)], layout, format);
      return counter.count;
    };
    expect(await passes('rows', 'json')).toBe(1);
    expect(await passes('columns', 'json')).toBe(2);
    expect(await passes('rows', 'msgpack')).toBe(2);
    expect(await passes('columns', 'msgpack')).toBe(3);
    expect(await passes('compact', 'json')).toBe(3);
  });

  it('counts the samples it wrote into meta', async () => {
    const a = { point: 'a', t: [1, 2], v: [1, 2] };
    const b = { point: 'b', t: [3], v: [3] };
    for (const layout of LAYOUTS) {
      const body = (await streamed([sourceOf(a, [0.5]), sourceOf(b, [])], layout, 'json')) as {
        meta: { samples: number };
      };
      expect(body.meta.samples).toBe(3);
    }
  });
});
