// Fixed-interval buckets for `interval=5m|1h|1d` computed from raw samples: the mean of each UTC
// bucket, stamped at the bucket's start. Pure. (Hourly and daily answers may instead come from
// the D1 aggregates; see the aggregates module.)
import type { ColumnSeries } from '../encoding/layout.ts';
import type { Interval } from './intervals.ts';

export const INTERVAL_MS = { '5m': 300_000, '1h': 3_600_000, '1d': 86_400_000 } as const;
export type BucketInterval = keyof typeof INTERVAL_MS;

/** Means per bucket; empty buckets are absent (no invented samples). Input t must ascend. */
export function downsample(series: ColumnSeries, interval: BucketInterval): ColumnSeries {
  const width = INTERVAL_MS[interval];
  const t: number[] = [];
  const v: number[] = [];
  let bucket = Number.NaN;
  let mean = 0;
  let count = 0;
  const flush = () => {
    if (count > 0) {
      t.push(bucket);
      v.push(mean);
    }
  };
  for (let i = 0; i < series.t.length; i++) {
    const b = Math.floor((series.t[i] as number) / width) * width;
    if (b !== bucket) {
      flush();
      bucket = b;
      mean = 0;
      count = 0;
    }
    // A running mean never overflows where a sum of large readings would.
    count++;
    mean += ((series.v[i] as number) - mean) / count;
  }
  flush();
  return { point: series.point, t, v };
}

/** A series at an API interval: raw samples as they are (a fresh object), else `downsample`. */
export function atInterval(series: ColumnSeries, interval: Interval): ColumnSeries {
  return interval === 'raw'
    ? { point: series.point, t: series.t, v: series.v }
    : downsample(series, interval);
}
