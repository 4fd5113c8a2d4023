// Specifies src/aggregates/buckets.ts: every bucket is the statistic of exactly the raw samples of
// its UTC window (and of the fetched range), merging the same samples twice changes nothing, a
// bucket never counts a sample twice whatever order fetches arrive in, a fetch spanning a window
// restores its exact statistic, and coverage names every window without a bucket.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AGG_BUCKETS,
  type AggBucket,
  type BucketStats,
  bucketMs,
  computeBuckets,
  coverageOf,
  coversWindow,
  mergeBucket,
  type Span,
  windowsOf,
} from '../../src/aggregates/buckets.ts';
import type { ColumnSeries } from '../../src/encoding/layout.ts';
import {
  AGG_SPAN_MS,
  AGG_T0,
  aggSeriesArb,
  aggSpanArb,
  aggTimeArb,
} from '../support/arbitraries/aggregates.ts';
import { finiteDoubleArb } from '../support/arbitraries/edge.ts';

const HOUR = 3_600_000;
const bucketArb = fc.constantFrom(...AGG_BUCKETS);

/** The statistic of samples (in order), computed directly: the oracle. */
function statsOf(samples: readonly [number, number][]): BucketStats {
  const vs = samples.map((s) => s[1]);
  const first = samples[0] as [number, number];
  const last = samples[samples.length - 1] as [number, number];
  return {
    count: samples.length,
    min: Math.min(...vs),
    max: Math.max(...vs),
    sum: vs.reduce((a, b) => a + b, 0),
    first: first[1],
    first_t: first[0],
    last: last[1],
    last_t: last[0],
  };
}

/** The samples of a series in [from, to). */
function samplesIn(series: ColumnSeries, from: number, to: number): [number, number][] {
  return series.t.flatMap((t, i) =>
    t >= from && t < to ? [[t, series.v[i] as number] as [number, number]] : [],
  );
}

/** The oracle's buckets: windows that hold samples in the range, ascending. */
function oracle(series: ColumnSeries, bucket: AggBucket, range: Span) {
  const width = bucketMs(bucket);
  const starts = [
    ...new Set(samplesIn(series, range.startMs, range.endMs).map(([t]) => Math.floor(t / width) * width)),
  ];
  return starts.map((t) => ({
    point: series.point,
    bucket,
    t,
    stats: statsOf(samplesIn(series, Math.max(t, range.startMs), Math.min(t + width, range.endMs))),
    covered: { startMs: Math.max(t, range.startMs), endMs: Math.min(t + width, range.endMs) },
  }));
}

const EVERYTHING: Span = { startMs: Number.NEGATIVE_INFINITY, endMs: Number.POSITIVE_INFINITY };

/** Records a fetch of `truth` over `range` into a table of buckets, as the store does. */
function fetchInto(
  table: Map<number, BucketStats>,
  truth: ColumnSeries,
  bucket: AggBucket,
  range: Span,
): void {
  for (const b of computeBuckets(truth, bucket, range)) {
    table.set(b.t, mergeBucket(table.get(b.t) ?? null, b.stats, b.covered));
  }
}

describe('computeBuckets', () => {
  it('gives, per UTC window with samples, the count/min/max/sum/first/last of exactly its samples', () => {
    fc.assert(
      fc.property(aggSeriesArb(fc.constant('p'), finiteDoubleArb), bucketArb, (series, bucket) => {
        const got = computeBuckets(series, bucket);
        const width = bucketMs(bucket);
        expect(got.map(({ covered, ...rest }) => rest)).toEqual(
          oracle(series, bucket, EVERYTHING).map(({ covered, ...rest }) => rest),
        );
        for (const b of got) expect(b.covered).toEqual({ startMs: b.t, endMs: b.t + width });
        expect(got.reduce((n, b) => n + b.stats.count, 0)).toBe(series.t.length);
      }),
    );
  });

  it('counts only the samples of the fetched range, and says which part of each window it covered', () => {
    fc.assert(
      fc.property(aggSeriesArb(), bucketArb, aggSpanArb, (series, bucket, range) => {
        expect(computeBuckets(series, bucket, range)).toEqual(oracle(series, bucket, range));
      }),
    );
  });

  it('puts a sample at a window boundary in the window it starts, UTC days at midnight UTC', () => {
    const series = { point: 'p', t: [AGG_T0 + HOUR - 1, AGG_T0 + HOUR, AGG_T0 + 86_400_000], v: [1, 2, 3] };
    expect(computeBuckets(series, '1h').map((b) => [b.t, b.stats.count])).toEqual([
      [AGG_T0, 1],
      [AGG_T0 + HOUR, 1],
      [AGG_T0 + 86_400_000, 1],
    ]);
    expect(computeBuckets(series, '1d').map((b) => [b.t, b.stats.count])).toEqual([
      [AGG_T0, 2],
      [AGG_T0 + 86_400_000, 1],
    ]);
  });

  it('marks a bucket whole only when the range spans its window', () => {
    const series = { point: 'p', t: [AGG_T0 + 10, AGG_T0 + HOUR + 10], v: [1, 2] };
    const cut = computeBuckets(series, '1h', { startMs: AGG_T0 + 5, endMs: AGG_T0 + 2 * HOUR });
    expect(cut.map(coversWindow)).toEqual([false, true]);
  });
});

describe('mergeBucket', () => {
  it('is idempotent: merging the same fetched samples again leaves the bucket as it was', () => {
    fc.assert(
      fc.property(
        aggSeriesArb(fc.constant('p')),
        bucketArb,
        fc.array(aggSpanArb, { maxLength: 4 }),
        aggSpanArb,
        (truth, bucket, earlier, range) => {
          const table = new Map<number, BucketStats>();
          for (const r of earlier) fetchInto(table, truth, bucket, r);
          fetchInto(table, truth, bucket, range);
          const once = new Map(table);
          fetchInto(table, truth, bucket, range);
          expect(table).toEqual(once);
        },
      ),
    );
  });

  it('never counts a sample twice, whatever fetches arrive in whatever order', () => {
    // Sample i is worth 2^i: a bucket's sum names the set it counted, and a sample counted twice
    // would carry into another bit, leaving fewer bits set than the count.
    const truthArb = fc
      .uniqueArray(aggTimeArb, { maxLength: 50 })
      .map((ts) => [...ts].sort((a, b) => a - b))
      .map((t) => ({ point: 'p', t, v: t.map((_, i) => 2 ** i) }));
    fc.assert(
      fc.property(
        truthArb,
        bucketArb,
        fc.array(aggSpanArb, { minLength: 1, maxLength: 8 }),
        (truth, bucket, fetches) => {
          const table = new Map<number, BucketStats>();
          for (const r of fetches) fetchInto(table, truth, bucket, r);
          const width = bucketMs(bucket);
          for (const [t, stats] of table) {
            const counted = truth.t.flatMap((ts, i) =>
              ts >= t && ts < t + width && Math.floor(stats.sum / 2 ** i) % 2 === 1
                ? [[ts, 2 ** i] as [number, number]]
                : [],
            );
            expect(counted.reduce((n, s) => n + s[1], 0)).toBe(stats.sum);
            expect(stats).toEqual(statsOf(counted));
          }
        },
      ),
    );
  });

  it('restores the exact statistic once a fetch spans the window, whatever came before', () => {
    fc.assert(
      fc.property(
        aggSeriesArb(fc.constant('p')),
        bucketArb,
        fc.array(aggSpanArb, { maxLength: 5 }),
        (truth, bucket, earlier) => {
          const table = new Map<number, BucketStats>();
          for (const r of earlier) fetchInto(table, truth, bucket, r);
          fetchInto(table, truth, bucket, { startMs: AGG_T0, endMs: AGG_T0 + AGG_SPAN_MS });
          const exact = new Map(computeBuckets(truth, bucket).map((b) => [b.t, b.stats]));
          for (const [t, stats] of exact) expect(table.get(t)).toEqual(stats);
        },
      ),
    );
  });

  it('adds up a window fetched in consecutive pieces, oldest first, to its exact statistic', () => {
    const piecesArb = fc
      .uniqueArray(fc.integer({ min: AGG_T0 + 1, max: AGG_T0 + AGG_SPAN_MS - 1 }), { maxLength: 12 })
      .map((cuts) => [AGG_T0, ...[...cuts].sort((a, b) => a - b), AGG_T0 + AGG_SPAN_MS]);
    // Integer readings: a sum added up in pieces then equals the one-pass sum exactly (floats
    // would differ in the last place, which is rounding, not counting).
    fc.assert(
      fc.property(
        aggSeriesArb(fc.constant('p'), fc.integer({ min: -1_000_000, max: 1_000_000 })),
        bucketArb,
        piecesArb,
        (truth, bucket, bounds) => {
          const table = new Map<number, BucketStats>();
          for (let i = 0; i + 1 < bounds.length; i++) {
            fetchInto(table, truth, bucket, { startMs: bounds[i] as number, endMs: bounds[i + 1] as number });
          }
          expect(table).toEqual(new Map(computeBuckets(truth, bucket).map((b) => [b.t, b.stats])));
        },
      ),
    );
  });

  it('keeps the stored bucket when the new part may share samples with it but does not span them', () => {
    const stored = statsOf([
      [10, 1],
      [50, 5],
    ]);
    const partial = statsOf([[30, 3]]);
    expect(mergeBucket(stored, partial, { startMs: 20, endMs: 60 })).toBe(stored);
    expect(mergeBucket(stored, partial, { startMs: 10, endMs: 51 })).toBe(partial);
    expect(mergeBucket(stored, statsOf([[70, 7]]), { startMs: 51, endMs: 80 })).toEqual(
      statsOf([
        [10, 1],
        [50, 5],
        [70, 7],
      ]),
    );
  });
});

describe('coverageOf', () => {
  it('counts the windows of a range and lists every window without a bucket, merged into runs', () => {
    fc.assert(
      fc.property(
        aggSpanArb,
        bucketArb,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 120 }),
        (range, bucket, pattern) => {
          const { from, to, count } = windowsOf(range, bucket);
          const width = bucketMs(bucket);
          const starts = Array.from({ length: count }, (_, i) => from + i * width);
          const present = starts.filter((_, i) => pattern[i % pattern.length]);
          const coverage = coverageOf(range, bucket, [{ point: 'p', t: present }]);
          expect(coverage).toMatchObject({ from, to, expected: count, complete: present.length === count });
          expect(from).toBeLessThanOrEqual(range.startMs);
          expect(to).toBeGreaterThanOrEqual(range.endMs);
          const missing = coverage.points[0]?.missing ?? [];
          const listed = missing.flatMap(([a, b]) =>
            Array.from({ length: (b - a) / width }, (_, i) => a + i * width),
          );
          const absent = starts.filter((t) => !present.includes(t));
          expect(listed).toEqual(absent.slice(0, listed.length));
          if (missing.length < 100) expect(listed).toEqual(absent);
          // Runs are maximal: two listed runs never touch.
          for (let i = 1; i < missing.length; i++)
            expect(missing[i]?.[0]).toBeGreaterThan(missing[i - 1]?.[1] ?? 0);
        },
      ),
    );
  });
});
