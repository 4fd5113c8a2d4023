// request_counts in D1: one counter per (UTC day, route, cache status), bumped after each /api
// response and read back by the admin stats (request mix and cache hit rate). Owns that table's
// SQL only; the middleware decides what to count and when (after the response, via defer).
import type { Clock } from '../clock.ts';
import type { Db } from '../db/d1.ts';
import { MAX_LIST_LIMIT } from '../db/rows.ts';
import { stmt } from '../db/sql.ts';
import { ok, type Result } from '../errors.ts';

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
  /** Adds one request to today's counter of (route, cache). */
  increment(route: string, cache: string): Promise<Result<void>>;
  /** Counts per (route, cache) over the last `days` UTC days, today included, largest first. */
  recent(days: number): Promise<Result<{ since: number; rows: RouteCount[] }>>;
}

export interface RequestCountsOptions {
  db: Db;
  clock: Clock;
}

// Route labels are route patterns (a few dozen) and 'unmatched'; this only bounds a surprise.
const MAX_LABEL_CHARS = 200;

/** Creates the counters over the D1 layer. */
export function createRequestCounts(options: RequestCountsOptions): RequestCounts {
  const { db, clock } = options;
  return {
    async increment(route, cache) {
      const written = await db.run(
        'request_counts.increment',
        stmt(
          `INSERT INTO request_counts (day, route, cache, count) VALUES (?, ?, ?, 1)
           ON CONFLICT (day, route, cache) DO UPDATE SET count = count + 1`,
          dayOf(clock.now()),
          route.slice(0, MAX_LABEL_CHARS),
          cache.slice(0, MAX_LABEL_CHARS),
        ),
      );
      return written.ok ? ok(undefined) : written;
    },

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
