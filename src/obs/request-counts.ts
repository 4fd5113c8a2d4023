// request_counts in D1: one counter per (UTC day, route, cache status), added to in batches by
// the isolate's bookkeeping (bookkeeping.ts: no request writes its own count) and read back by the
// admin stats (request mix and cache hit rate). Owns that table's SQL only.
import type { Clock } from '../clock.ts';
import type { Db } from '../db/d1.ts';
import { MAX_LIST_LIMIT } from '../db/rows.ts';
import { buildInserts, type Statement, stmt } from '../db/sql.ts';
import { ok, type Result } from '../errors.ts';
import type { PendingCount } from './bookkeeping.ts';

export const DAY_MS = 86_400_000;

/** The UTC day start (epoch ms) of an instant: the `day` column. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** One counter row summed over the window. */
export interface RouteCount {
  route: string;
  cache: string;
  count: number;
}

export interface RequestCounts {
  /** Counts per (route, cache) over the last `days` UTC days, today included, largest first. */
  recent(days: number): Promise<Result<{ since: number; rows: RouteCount[] }>>;
}

export interface RequestCountsOptions {
  db: Db;
  clock: Clock;
}

// Route labels are route patterns (a few dozen) and 'unmatched'; this only bounds a surprise.
const MAX_LABEL_CHARS = 200;

/** Upserts that add pending counts to their day's counters (one statement per 25 counters). */
export function countStatements(counts: readonly PendingCount[]): Statement[] {
  return buildInserts(
    'INSERT INTO request_counts (day, route, cache, count) VALUES',
    counts.map((c) => [c.day, c.route.slice(0, MAX_LABEL_CHARS), c.cache.slice(0, MAX_LABEL_CHARS), c.count]),
    'ON CONFLICT (day, route, cache) DO UPDATE SET count = count + excluded.count',
  );
}

/** Creates the counters over the D1 layer. */
export function createRequestCounts(options: RequestCountsOptions): RequestCounts {
  const { db, clock } = options;
  return {
    async recent(days) {
      const since = dayOf(clock.now()) - (Math.max(1, Math.trunc(days)) - 1) * DAY_MS;
      const rows = await db.all<RouteCount>(
        'request_counts.recent',
        stmt(
          `SELECT route, cache, sum(count) AS count FROM request_counts WHERE day >= ?
           GROUP BY route, cache ORDER BY count DESC, route, cache LIMIT ?`,
          since,
          MAX_LIST_LIMIT,
        ),
      );
      return rows.ok ? ok({ since, rows: rows.value }) : rows;
    },
  };
}
