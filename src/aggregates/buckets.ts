// Hourly and daily buckets (count, min, max, sum, first, last) of point series, the merge of a
// stored bucket with one computed from a later fetch, and the coverage of a read. Pure: no D1,
// no clock; src/aggregates/store.ts persists what these compute (table timeseries_agg).
import type { ColumnSeries } from '../encoding/layout.ts';
import { INTERVAL_MS } from '../timeseries/downsample.ts';

/** The bucket sizes kept in D1 (UTC hours and UTC days). */
export const AGG_BUCKETS = ['1h', '1d'] as const;
export type AggBucket = (typeof AGG_BUCKETS)[number];

/** Width of a bucket window in ms. */
export const bucketMs = (bucket: AggBucket): number => INTERVAL_MS[bucket];

/** Most buckets one read may span (points × windows): bounds the D1 rows and the response. */
export const MAX_READ_BUCKETS = 100_000;

/** Start of the bucket window holding `t` (UTC: epoch ms are zone-free and days are 86 400 000 ms). */
export function bucketStart(t: number, bucket: AggBucket): number {
  const width = bucketMs(bucket);
  return Math.floor(t / width) * width;
}

/** The statistics of one point's samples in one window. */
export interface BucketStats {
  count: number;
  min: number;
  max: number;
  sum: number;
  first: number;
  first_t: number;
  last: number;
  last_t: number;
}

/** A half-open range of epoch ms [startMs, endMs). */
export interface Span {
  startMs: number;
  endMs: number;
}

/** One point's bucket computed from a fetch, with the part of its window that fetch covered. */
export interface ComputedBucket {
  point: string;
  bucket: AggBucket;
  /** Window start. */
  t: number;
  stats: BucketStats;
  /** The window ∩ the fetched range: every sample of the point in here is in `stats`. */
  covered: Span;
}

/**
 * The non-empty buckets of a series (t ascending), restricted to the fetched `range` when given:
 * samples outside it are ignored, and each bucket says which part of its window the range
 * covered. Windows without samples are absent (nothing is invented).
 */
export function computeBuckets(series: ColumnSeries, bucket: AggBucket, range?: Span): ComputedBucket[] {
  const width = bucketMs(bucket);
  const from = range?.startMs ?? Number.NEGATIVE_INFINITY;
  const to = range?.endMs ?? Number.POSITIVE_INFINITY;
  const out: ComputedBucket[] = [];
  let current: ComputedBucket | undefined;
  const n = Math.min(series.t.length, series.v.length);
  for (let i = 0; i < n; i++) {
    const t = series.t[i] as number;
    if (t < from || t >= to) continue;
    const v = series.v[i] as number;
    const start = Math.floor(t / width) * width;
    if (current?.t !== start) {
      current = {
        point: series.point,
        bucket,
        t: start,
        stats: { count: 0, min: v, max: v, sum: 0, first: v, first_t: t, last: v, last_t: t },
        covered: { startMs: Math.max(start, from), endMs: Math.min(start + width, to) },
      };
      out.push(current);
    }
    const s = current.stats;
    s.count++;
    s.sum += v;
    s.min = Math.min(s.min, v);
    s.max = Math.max(s.max, v);
    s.last = v;
    s.last_t = t;
  }
  return out;
}

/** Whether a computed bucket saw its whole window (the fetch spanned it). */
export function coversWindow(b: ComputedBucket): boolean {
  return b.covered.startMs === b.t && b.covered.endMs === b.t + bucketMs(b.bucket);
}

/**
 * Merges a stored bucket with one computed from a fetch that covered `covered` of its window,
 * never counting a sample twice, so recording the same samples again leaves the row unchanged:
 * - the fetch covered every sample the stored row saw ([first_t, last_t] ⊆ covered): the new
 *   bucket replaces it (a fetch of the whole window always does);
 * - the stored samples all lie outside the covered part: they cannot share a sample, so the
 *   two are combined;
 * - otherwise they may share samples and nothing says which: the stored row is kept, and a
 *   later fetch covering the window replaces it.
 * The rows hold no more than first_t/last_t of their history, so the third case may leave a
 * bucket short of samples (never over): e.g. pieces of one hour fetched out of time order.
 * A sum added up in pieces may differ from a one-pass sum in its last bit (float rounding).
 */
export function mergeBucket(stored: BucketStats | null, incoming: BucketStats, covered: Span): BucketStats {
  if (stored === null) return incoming;
  if (covered.startMs <= stored.first_t && stored.last_t < covered.endMs) return incoming;
  if (stored.last_t < covered.startMs || stored.first_t >= covered.endMs) return combine(stored, incoming);
  return stored;
}

/** Statistics of two disjoint sample sets together. */
function combine(a: BucketStats, b: BucketStats): BucketStats {
  const early = a.first_t <= b.first_t ? a : b;
  const late = a.last_t >= b.last_t ? a : b;
  return {
    count: a.count + b.count,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    sum: a.sum + b.sum,
    first: early.first,
    first_t: early.first_t,
    last: late.last,
    last_t: late.last_t,
  };
}

/** The windows a read of [startMs, endMs) spans: every window that intersects the range. */
export function windowsOf(range: Span, bucket: AggBucket): { from: number; to: number; count: number } {
  const width = bucketMs(bucket);
  const from = bucketStart(range.startMs, bucket);
  const to = range.endMs <= from ? from : bucketStart(range.endMs - 1, bucket) + width;
  return { from, to, count: (to - from) / width };
}

/** Most missing ranges listed per point: enough to fill gaps, bounded for a sparse year. */
export const MAX_MISSING_RANGES = 100;

/** Which windows of a read hold a bucket, for one point. */
export interface PointCoverage {
  point: string;
  /** Windows with a bucket. */
  buckets: number;
  /** Runs of windows without one, as [from, to) epoch ms, oldest first (at most MAX_MISSING_RANGES). */
  missing: [number, number][];
}

/** Coverage of a read: the windows asked for and, per point, which hold a bucket. */
export interface Coverage {
  /** First window start. */
  from: number;
  /** Last window end. */
  to: number;
  /** Windows per point in [from, to). */
  expected: number;
  /** Every point has a bucket in every window. */
  complete: boolean;
  points: PointCoverage[];
}

/** Coverage from each point's bucket starts (ascending, inside the windows of `range`). */
export function coverageOf(
  range: Span,
  bucket: AggBucket,
  present: readonly { point: string; t: readonly number[] }[],
): Coverage {
  const width = bucketMs(bucket);
  const { from, to, count } = windowsOf(range, bucket);
  const points = present.map(({ point, t }) => {
    const missing: [number, number][] = [];
    let cursor = from;
    const gap = (end: number) => {
      if (end > cursor && missing.length < MAX_MISSING_RANGES) missing.push([cursor, end]);
    };
    for (const start of t) {
      gap(start);
      cursor = start + width;
    }
    gap(to);
    return { point, buckets: t.length, missing };
  });
  return { from, to, expected: count, complete: points.every((p) => p.buckets === count), points };
}
