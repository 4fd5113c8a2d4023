// Specifies src/aggregates/buckets.ts at the edges its properties (buckets.spec.ts) leave open:
// ragged columns, a window covered all but its first millisecond, a stored row touching the
// covered part at either end, ranges ending on a window edge or before they start, and coverage
// with no gap, a gap in every other window, or one point short. Worked by hand in hours.
import { describe, expect, it } from 'vitest';
import {
  type BucketStats,
  computeBuckets,
  coverageOf,
  coversWindow,
  MAX_MISSING_RANGES,
  mergeBucket,
  windowsOf,
} from '../../src/aggregates/buckets.ts';

const H = 3_600_000;

/** Statistics of samples at `t` with values `v` (one window), written out. */
const stats = (t: number[], v: number[]): BucketStats => ({
  count: t.length,
  min: Math.min(...v),
  max: Math.max(...v),
  sum: v.reduce((a, b) => a + b, 0),
  first: v[0] as number,
  first_t: t[0] as number,
  last: v.at(-1) as number,
  last_t: t.at(-1) as number,
});

describe('computeBuckets: ragged columns', () => {
  it('reads only the samples with both a time and a value', () => {
    const [b, ...rest] = computeBuckets({ point: 'p', t: [0, 1000], v: [5] }, '1h');
    expect(rest).toEqual([]);
    expect(b?.stats).toEqual({ count: 1, min: 5, max: 5, sum: 5, first: 5, first_t: 0, last: 5, last_t: 0 });
  });
});

describe('coversWindow', () => {
  it('is false for a window covered from its second millisecond to its end', () => {
    const [b] = computeBuckets({ point: 'p', t: [H + 10], v: [1] }, '1h', { startMs: H + 1, endMs: 3 * H });
    expect(b?.covered).toEqual({ startMs: H + 1, endMs: 2 * H });
    expect(coversWindow(b as NonNullable<typeof b>)).toBe(false);
  });

  it('is false for a window covered from its start to its middle', () => {
    const [b] = computeBuckets({ point: 'p', t: [10], v: [1] }, '1h', { startMs: 0, endMs: H / 2 });
    expect(b?.covered).toEqual({ startMs: 0, endMs: H / 2 });
    expect(coversWindow(b as NonNullable<typeof b>)).toBe(false);
  });
});

describe('mergeBucket: a stored row at the edges of the covered part', () => {
  const covered = { startMs: 1000, endMs: 2000 };
  const incoming = stats([1200, 1500], [3, 4]);

  it('keeps the stored row when it spans the covered part up to its end', () => {
    // Stored from 500 to 2000: not inside [1000, 2000) (2000 is past it), not wholly before or
    // after it, so it may hold samples the fetch counted again: kept as it is.
    const stored = stats([500, 2000], [1, 9]);
    expect(mergeBucket(stored, incoming, covered)).toBe(stored);
  });

  it('keeps the stored row when it lies in the covered part but its last sample is at the end', () => {
    // 2000 is not in [1000, 2000): the fetch did not see it, and may have seen the one at 1500.
    const stored = stats([1500, 2000], [1, 9]);
    expect(mergeBucket(stored, incoming, covered)).toBe(stored);
  });

  it('keeps the stored row when its last sample is at the covered start', () => {
    // The sample at 1000 is inside the covered part, so the fetch may have counted it again.
    const stored = stats([0, 1000], [1, 2]);
    expect(mergeBucket(stored, incoming, covered)).toBe(stored);
  });

  it('combines with a stored row that starts at the covered end, the fetch first', () => {
    const stored = stats([2000, 2500], [7, 8]);
    // Samples 1200 (3), 1500 (4), 2000 (7), 2500 (8).
    expect(mergeBucket(stored, incoming, covered)).toEqual({
      count: 4,
      min: 3,
      max: 8,
      sum: 22,
      first: 3,
      first_t: 1200,
      last: 8,
      last_t: 2500,
    });
  });
});

describe('windowsOf: ranges at the window edges', () => {
  it('spans one window for a range ending on its end', () => {
    expect(windowsOf({ startMs: 0, endMs: H }, '1h')).toEqual({ from: 0, to: H, count: 1 });
  });

  it('spans no window for a range ending before it starts', () => {
    expect(windowsOf({ startMs: 2 * H, endMs: H }, '1h')).toEqual({ from: 2 * H, to: 2 * H, count: 0 });
  });
});

describe('coverageOf: gaps', () => {
  it('lists no gap for a point with a bucket in every window', () => {
    const c = coverageOf({ startMs: 0, endMs: 3 * H }, '1h', [{ point: 'p', t: [0, H, 2 * H] }]);
    expect(c).toEqual({
      from: 0,
      to: 3 * H,
      expected: 3,
      complete: true,
      points: [{ point: 'p', buckets: 3, missing: [] }],
    });
  });

  it('is incomplete when one point of two lacks a window', () => {
    const c = coverageOf({ startMs: 0, endMs: 2 * H }, '1h', [
      { point: 'a', t: [0, H] },
      { point: 'b', t: [H] },
    ]);
    expect(c.complete).toBe(false);
    expect(c.points[1]).toEqual({ point: 'b', buckets: 1, missing: [[0, H]] });
  });

  it(`lists the first ${MAX_MISSING_RANGES} gaps of a point with a bucket in every other window`, () => {
    // 202 windows, buckets in the odd ones: 101 gaps, at hours 0, 2, …, 200.
    const odd = Array.from({ length: 101 }, (_, k) => (2 * k + 1) * H);
    const [p] = coverageOf({ startMs: 0, endMs: 202 * H }, '1h', [{ point: 'p', t: odd }]).points;
    expect(p?.missing).toHaveLength(MAX_MISSING_RANGES);
    expect(p?.missing[0]).toEqual([0, H]);
    expect(p?.missing.at(-1)).toEqual([198 * H, 199 * H]);
  });
});
