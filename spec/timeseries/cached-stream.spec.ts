// A fully cached read streamed from day-major chunks (src/timeseries/cached-stream.ts): the
// batches worked by hand and as a property (every point once, in order, within the limit, as full
// as the limit allows); the sources against an independent assembly of the same chunks
// (served.ts' assembleSeries, then downsample), for every interval and any batch limit; and how
// often each chunk is read (once for the census, once per batch, once per pass of a large point).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChunkSeries } from '../../src/cache/chunk-codec.ts';
import type { ColumnSeries } from '../../src/encoding/layout.ts';
import type { SeriesSource } from '../../src/encoding/series-stream.ts';
import { type CachedRead, cachedSources, census, pointBatches } from '../../src/timeseries/cached-stream.ts';
import { downsample } from '../../src/timeseries/downsample.ts';
import type { Interval } from '../../src/timeseries/intervals.ts';
import { assembleSeries } from '../../src/timeseries/served.ts';

const DAY = 86_400_000;
const D0 = Date.UTC(2026, 2, 1);

describe('pointBatches', () => {
  it.each<[string, number[], number, { from: number; count: number; whole: boolean }[]]>([
    ['nothing', [], 10, []],
    [
      'two fit, the third starts a batch',
      [3, 3, 3],
      6,
      [
        { from: 0, count: 2, whole: true },
        { from: 2, count: 1, whole: true },
      ],
    ],
    ['exactly the limit is one batch', [6], 6, [{ from: 0, count: 1, whole: true }]],
    [
      'one over the limit is read day by day, alone',
      [7, 1, 1],
      6,
      [
        { from: 0, count: 1, whole: false },
        { from: 1, count: 2, whole: true },
      ],
    ],
    [
      'a large point between two small ones cuts the batch',
      [1, 9, 1],
      6,
      [
        { from: 0, count: 1, whole: true },
        { from: 1, count: 1, whole: false },
        { from: 2, count: 1, whole: true },
      ],
    ],
    ['points with no samples all fit a limit of 0', [0, 0, 0], 0, [{ from: 0, count: 3, whole: true }]],
    [
      'a batch fills to the limit, not past it',
      [2, 2, 2, 1, 5],
      7,
      [
        { from: 0, count: 4, whole: true },
        { from: 4, count: 1, whole: true },
      ],
    ],
  ])('%s', (_, counts, max, batches) => {
    expect(pointBatches(counts, max)).toEqual(batches);
  });

  it('covers every point once, in order; whole batches within the limit and as full as it allows', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 50 }), { maxLength: 40 }), fc.nat({ max: 60 }), (counts, max) => {
        const batches = pointBatches(counts, max);
        let next = 0;
        batches.forEach((b, k) => {
          expect(b.from).toBe(next);
          expect(b.count).toBeGreaterThan(0);
          next += b.count;
          const samples = counts.slice(b.from, b.from + b.count).reduce((n, c) => n + c, 0);
          if (b.whole) expect(samples).toBeLessThanOrEqual(max);
          else expect([b.count, samples > max]).toEqual([1, true]);
          // Greedy: the next point would not have fitted this whole batch.
          const following = batches[k + 1];
          if (b.whole && following) expect(samples + (counts[following.from] as number)).toBeGreaterThan(max);
        });
        expect(next).toBe(counts.length);
      }),
    );
  });
});

/** Day chunks of canonically ordered points, each point's samples ascending inside its day. */
const chunksArb = fc
  .uniqueArray(fc.stringMatching(/^[a-z]{1,4}$/), { minLength: 1, maxLength: 6 })
  .chain((points) =>
    fc.record({
      points: fc.constant([...points].sort()),
      asked: fc.shuffledSubarray(points, { minLength: points.length, maxLength: points.length }),
      days: fc.array(
        fc.array(
          fc.uniqueArray(fc.nat({ max: DAY - 1 }), { maxLength: 8 }).map((ts) => ts.sort((a, b) => a - b)),
          { minLength: points.length, maxLength: points.length },
        ),
        { minLength: 1, maxLength: 4 },
      ),
      values: fc.array(fc.double({ noNaN: true }), { minLength: 1, maxLength: 8 }),
    }),
  )
  .map(({ points, asked, days, values }) => ({
    asked,
    chunks: days.map((day, d) =>
      // A point with no sample that day is absent from the chunk, as the codec may store it.
      points.flatMap((point, p): ChunkSeries[] => {
        const ts = day[p] as number[];
        if (ts.length === 0 && p % 2 === 0) return [];
        return [
          {
            point,
            t: ts.map((t) => D0 + d * DAY + t),
            v: ts.map((_, i) => values[i % values.length] as number),
          },
        ];
      }),
    ),
  }));

/** A read over `chunks` that counts how often each chunk is read. */
function readOf(
  chunks: readonly ChunkSeries[][],
  asked: readonly string[],
  interval: Interval,
  batchSamples: number,
) {
  const reads = new Array<number>(chunks.length).fill(0);
  const read: CachedRead = {
    chunks: chunks.length,
    points: asked,
    interval,
    batchSamples,
    async read(i) {
      reads[i] = (reads[i] as number) + 1;
      return chunks[i] as ChunkSeries[];
    },
  };
  return { read, reads };
}

async function drain(source: SeriesSource): Promise<ColumnSeries> {
  const out: ColumnSeries = { point: source.point, t: [], v: [] };
  for await (const piece of source.pieces()) {
    out.t.push(...piece.t);
    out.v.push(...piece.v);
  }
  return out;
}

describe('cachedSources', () => {
  it('gives every point, in the order asked, exactly the assembled series at every interval, whatever the batch limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        chunksArb,
        fc.constantFrom<Interval>('raw', '5m', '1h', '1d'),
        fc.nat({ max: 20 }),
        async ({ asked, chunks }, interval, batchSamples) => {
          const whole = assembleSeries([...asked].sort(), asked, chunks);
          const expected = whole.map((s) => (interval === 'raw' ? s : downsample(s, interval)));
          const { read } = readOf(chunks, asked, interval, batchSamples);
          const counts = await census(read);
          expect(counts).toEqual(whole.map((s) => s.t.length));
          const got: ColumnSeries[] = [];
          for await (const source of cachedSources(read, counts)) {
            const first = await drain(source);
            // A source gives the same again (a layout may read a series more than once).
            expect(await drain(source)).toEqual(first);
            got.push(first);
          }
          expect(got).toEqual(expected);
        },
      ),
    );
  });

  it('reads each chunk once for the census and once per batch, and a large point once per pass', async () => {
    const chunks: ChunkSeries[][] = [0, 1, 2].map((d) => [
      { point: 'a', t: [D0 + d * DAY], v: [1] },
      { point: 'b', t: [D0 + d * DAY, D0 + d * DAY + 1], v: [2, 3] },
      { point: 'c', t: [D0 + d * DAY + 5], v: [4] },
    ]);
    // a: 3 samples, b: 6, c: 3. Limit 4: [a] [b, day by day] [c].
    const { read, reads } = readOf(chunks, ['a', 'b', 'c'], 'raw', 4);
    const counts = await census(read);
    expect(counts).toEqual([3, 6, 3]);
    expect(reads).toEqual([1, 1, 1]);
    const sources: SeriesSource[] = [];
    for await (const source of cachedSources(read, counts)) sources.push(source);
    // Batches of a and c read whole (one pass each); b not read yet.
    expect(sources.map((s) => s.point)).toEqual(['a', 'b', 'c']);
    expect(reads).toEqual([3, 3, 3]);
    expect(await drain(sources[1] as SeriesSource)).toEqual({
      point: 'b',
      t: [D0, D0 + 1, D0 + DAY, D0 + DAY + 1, D0 + 2 * DAY, D0 + 2 * DAY + 1],
      v: [2, 3, 2, 3, 2, 3],
    });
    await drain(sources[1] as SeriesSource);
    expect(reads).toEqual([5, 5, 5]);
  });

  it('stops with the read’s error when a chunk cannot be read', async () => {
    const read: CachedRead = {
      chunks: 2,
      points: ['a'],
      interval: 'raw',
      batchSamples: 10,
      async read(i) {
        if (i === 1) throw new Error('chunk 1 is gone');
        return [{ point: 'a', t: [D0], v: [1] }];
      },
    };
    await expect(census(read)).rejects.toThrow('chunk 1 is gone');
    const sources = cachedSources(read, [1]);
    await expect(sources.next()).rejects.toThrow('chunk 1 is gone');
  });
});
