// timeseries_agg in D1: records the hourly and daily buckets of fetched series (upserts in
// chunked multi-row batches under D1's 100 bound parameters, review 13) and reads them back with
// their coverage (IN lists chunked the same way, review 43). The statistics and the merge rule
// are buckets.ts; who may read a site is the aggregates service's concern, not this store's.
import type { Clock } from '../clock.ts';
import type { Db } from '../db/d1.ts';
import { buildInserts, placeholders, type SqlValue, stmt } from '../db/sql.ts';
import type { ColumnSeries } from '../encoding/layout.ts';
import { err, ok, type Result } from '../errors.ts';
import type { Logger } from '../obs/log.ts';
import {
  AGG_BUCKETS,
  type AggBucket,
  type BucketStats,
  type ComputedBucket,
  type Coverage,
  computeBuckets,
  coverageOf,
  coversWindow,
  MAX_READ_BUCKETS,
  mergeBucket,
  windowsOf,
} from './buckets.ts';

/** What a fetch brought back: every sample of `series` in [startMs, endMs), per point. */
export interface AggregateEvent {
  site: string;
  startMs: number;
  endMs: number;
  /** One series per point, t ascending (as the ACE client and the cache return them). */
  series: readonly ColumnSeries[];
}

/** A read of stored buckets over [startMs, endMs): every window intersecting the range. */
export interface AggregateQuery {
  site: string;
  points: readonly string[];
  startMs: number;
  endMs: number;
  bucket: AggBucket;
}

/** One bucket as the API serves it. */
export interface ServedBucket {
  t: number;
  count: number;
  min: number;
  max: number;
  avg: number;
  last: number;
}

export interface AggregateRead {
  /** In the order asked; buckets ascending by t. */
  series: { point: string; buckets: ServedBucket[] }[];
  coverage: Coverage;
}

export interface AggregateStore {
  /**
   * Upserts the buckets of a fetch. Windows the fetch spanned are replaced; the (at most two)
   * edge windows it cut are merged with the stored row by mergeBucket. Recording the same event
   * twice leaves the table as once. Call it per fetched range (e.g. a day chunk): one call
   * writes at most maxRowsPerRecord rows, or none and says payload_too_large.
   */
  record(event: AggregateEvent): Promise<Result<void>>;
  /** The stored buckets and which windows hold one. */
  read(query: AggregateQuery): Promise<Result<AggregateRead>>;
}

/** The part a fetch path needs (timeseries service, job consumer). */
export type AggregateRecorder = Pick<AggregateStore, 'record'>;

export interface AggregateStoreOptions {
  db: Db;
  clock: Clock;
  log: Logger;
  /** Bound on rows one record call writes (default 50 000: 500 points × 4 days of 1h + 1d). */
  maxRowsPerRecord?: number;
}

const COLUMNS =
  'site, point, bucket, t, count, min, max, sum, first, first_t, last, last_t, updated_at' as const;
const UPSERT_HEAD = `INSERT INTO timeseries_agg (${COLUMNS}) VALUES`;
// Replace, never add: the row written is already the merge (buckets.ts), so a retry is harmless.
const UPSERT_TAIL = `ON CONFLICT (site, point, bucket, t) DO UPDATE SET
  count = excluded.count, min = excluded.min, max = excluded.max, sum = excluded.sum,
  first = excluded.first, first_t = excluded.first_t, last = excluded.last, last_t = excluded.last_t,
  updated_at = excluded.updated_at`;

type StatsRow = BucketStats & { point: string; t: number };

const keyOf = (point: string, t: number) => `${t}\n${point}`;

/** Creates the store. */
export function createAggregateStore(options: AggregateStoreOptions): AggregateStore {
  const { db, clock, log } = options;
  const maxRows = options.maxRowsPerRecord ?? 50_000;

  /** Stored rows of the windows starting at `starts`, for `points` (IN lists chunked). */
  const storedAt = async (
    site: string,
    bucket: AggBucket,
    starts: readonly number[],
    points: readonly string[],
  ): Promise<Result<Map<string, BucketStats>>> => {
    const rows = await db.allInChunks<StatsRow, string>(
      'aggregates.edges',
      points,
      (chunk) =>
        stmt(
          `SELECT point, t, count, min, max, sum, first, first_t, last, last_t FROM timeseries_agg
           WHERE site = ? AND bucket = ? AND t IN (${placeholders(starts.length)})
             AND point IN (${placeholders(chunk.length)})`,
          site,
          bucket,
          ...starts,
          ...chunk,
        ),
      { reservedParams: 2 + starts.length },
    );
    if (!rows.ok) return rows;
    return ok(new Map(rows.value.map((r) => [keyOf(r.point, r.t), r])));
  };

  return {
    async record(event) {
      const { site, startMs, endMs } = event;
      if (!(startMs < endMs)) return ok(undefined);
      const now = clock.now();
      // One row per key: a statement that upserts a key twice would depend on row order.
      const rows = new Map<string, SqlValue[]>();
      let skipped = 0;
      const push = (b: ComputedBucket, s: BucketStats) => {
        // A sum that overflowed to ±Infinity is no statistic worth storing; no sensor reads so.
        if (!Number.isFinite(s.sum)) {
          skipped++;
          return;
        }
        const { count, min, max, sum, first, first_t, last, last_t } = s;
        rows.set(`${b.bucket}\n${keyOf(b.point, b.t)}`, [
          site,
          b.point,
          b.bucket,
          b.t,
          count,
          min,
          max,
          sum,
          first,
          first_t,
          last,
          last_t,
          now,
        ]);
      };

      for (const bucket of AGG_BUCKETS) {
        const edges: ComputedBucket[] = [];
        for (const series of event.series) {
          for (const b of computeBuckets(series, bucket, { startMs, endMs })) {
            if (coversWindow(b)) push(b, b.stats);
            else edges.push(b);
          }
        }
        if (edges.length === 0) continue;
        const starts = [...new Set(edges.map((b) => b.t))];
        const stored = await storedAt(site, bucket, starts, [...new Set(edges.map((b) => b.point))]);
        if (!stored.ok) return stored;
        for (const b of edges) {
          const before = stored.value.get(keyOf(b.point, b.t)) ?? null;
          const merged = mergeBucket(before, b.stats, b.covered);
          if (merged !== before) push(b, merged);
        }
      }

      if (skipped > 0) log.warn('aggregates.sum_overflow', { site, skipped });
      if (rows.size > maxRows) {
        log.warn('aggregates.record_too_large', { site, rows: rows.size, max_rows: maxRows });
        return err({ kind: 'payload_too_large', message: 'too many buckets for one record call' });
      }
      const written = await db.runInGroups(
        'aggregates.upsert',
        buildInserts(UPSERT_HEAD, [...rows.values()], UPSERT_TAIL),
      );
      if (!written.ok) return written;
      return ok(undefined);
    },

    async read(query) {
      const { site, points, bucket } = query;
      const windows = windowsOf(query, bucket);
      if (points.length * windows.count > MAX_READ_BUCKETS) {
        return err({
          kind: 'invalid_input',
          message: 'invalid request',
          issues: [{ path: 'end', message: `spans more than ${MAX_READ_BUCKETS} buckets` }],
        });
      }
      const rows = await db.allInChunks<StatsRow & { point: string }, string>(
        'aggregates.read',
        points,
        (chunk) =>
          stmt(
            `SELECT point, t, count, min, max, sum, first, first_t, last, last_t FROM timeseries_agg
             WHERE site = ? AND bucket = ? AND t >= ? AND t < ? AND point IN (${placeholders(chunk.length)})
             ORDER BY point, t LIMIT ?`,
            site,
            bucket,
            windows.from,
            windows.to,
            ...chunk,
            chunk.length * windows.count,
          ),
        { reservedParams: 5 },
      );
      if (!rows.ok) return rows;
      const byPoint = new Map<string, ServedBucket[]>(points.map((p) => [p, []]));
      for (const r of rows.value) {
        byPoint.get(r.point)?.push({
          t: r.t,
          count: r.count,
          min: r.min,
          max: r.max,
          avg: r.sum / r.count,
          last: r.last,
        });
      }
      const series = points.map((point) => ({ point, buckets: byPoint.get(point) ?? [] }));
      const coverage = coverageOf(
        query,
        bucket,
        series.map((s) => ({ point: s.point, t: s.buckets.map((b) => b.t) })),
      );
      return ok({ series, coverage });
    },
  };
}
