// The sample intervals of the API (raw samples, or 5-minute, hourly and daily buckets): one
// definition for the edge's schemas, the read path and the cache keys.

export const INTERVALS = ['raw', '5m', '1h', '1d'] as const;
export type Interval = (typeof INTERVALS)[number];
