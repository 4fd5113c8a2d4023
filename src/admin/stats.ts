// GET /api/admin/stats, the numbers behind it: cache size (the result cache's index), the request
// mix and cache hit rate (request_counts), jobs by status (queue_jobs), open dead letters and the
// routing threshold. Read-only; each number is one bounded aggregate query. Owns no HTTP.
import type { CacheStats } from '../cache/result-cache.ts';
import type { Db } from '../db/d1.ts';
import { stmt } from '../db/sql.ts';
import { ok, type Result } from '../errors.ts';
import { JOB_STATUSES, type JobStatus } from '../jobs/state.ts';
import type { RequestCounts } from '../obs/request-counts.ts';
import type { CacheStatus } from '../timeseries/service.ts';

/** Days of request_counts the stats cover, today included. */
export const STATS_DAYS = 7;

const CACHE_STATUSES = ['hit', 'partial', 'miss', 'bypass'] as const satisfies readonly CacheStatus[];

/** The direct-path threshold in force (samples one invocation may serve before a job takes over). */
export interface RoutingThresholds {
  /** DIRECT_MAX_SAMPLES as configured. */
  directMaxSamples: number;
  /** What routing uses now (an adaptive threshold may lower it under load). */
  effectiveDirectMaxSamples: number;
}

/** The admin stats body (snake_case, as served). */
export interface AdminStatsReport {
  cache: {
    entries: number;
    /** Stored (compressed) bytes. */
    bytes: number;
    raw_bytes: number;
    /** Reads served by the entries now indexed. */
    entry_hits: number;
    /** hit / (hit + partial + miss + bypass) over the window's requests; null without any. */
    hit_rate: number | null;
    requests: Record<CacheStatus, number>;
  };
  jobs: { total: number; by_status: Record<JobStatus, number> };
  dlq: { open: number };
  requests: {
    /** First UTC day (epoch ms) counted. */
    since: number;
    days: number;
    total: number;
    /** Largest first; `cache` counts by X-Cache status (`none`: not a cached route). */
    by_route: { route: string; count: number; cache: Record<string, number> }[];
  };
  routing: { direct_max_samples: number; effective_direct_max_samples: number };
}

export interface AdminStats {
  report(): Promise<Result<AdminStatsReport>>;
}

export interface AdminStatsOptions {
  db: Db;
  cache: { stats(): Promise<Result<CacheStats>> };
  requestCounts: Pick<RequestCounts, 'recent'>;
  /** The thresholds in force; a function so an adaptive threshold can stand behind it. */
  routing: () => RoutingThresholds | Promise<RoutingThresholds>;
  /** Writes this isolate's pending request counts first (bookkeeping), so the answer includes them. */
  flushPending?: () => Promise<void>;
  days?: number;
}

/** Creates the stats reader. */
export function createAdminStats(options: AdminStatsOptions): AdminStats {
  const { db, cache, requestCounts, routing } = options;
  const days = options.days ?? STATS_DAYS;

  return {
    async report() {
      await options.flushPending?.();
      const [cacheStats, jobRows, dlqRow, counts, thresholds] = await Promise.all([
        cache.stats(),
        // ≤ 7 rows: one per status, over idx_queue_jobs_status_created.
        db.all<{ status: string; n: number }>(
          'admin.jobs_by_status',
          stmt('SELECT status, count(*) AS n FROM queue_jobs GROUP BY status'),
        ),
        // Over the partial unique index of open letters.
        db.first<{ n: number }>(
          'admin.dlq_open',
          stmt('SELECT count(*) AS n FROM dead_letters WHERE replayed_at IS NULL'),
        ),
        requestCounts.recent(days),
        routing(),
      ]);
      if (!cacheStats.ok) return cacheStats;
      if (!jobRows.ok) return jobRows;
      if (!dlqRow.ok) return dlqRow;
      if (!counts.ok) return counts;

      const byStatus = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
      for (const row of jobRows.value) {
        if ((JOB_STATUSES as readonly string[]).includes(row.status))
          byStatus[row.status as JobStatus] = row.n;
      }

      const cacheRequests = Object.fromEntries(CACHE_STATUSES.map((s) => [s, 0])) as Record<
        CacheStatus,
        number
      >;
      const routes = new Map<string, { route: string; count: number; cache: Record<string, number> }>();
      let total = 0;
      for (const { route, cache: status, count } of counts.value.rows) {
        total += count;
        if ((CACHE_STATUSES as readonly string[]).includes(status))
          cacheRequests[status as CacheStatus] += count;
        const entry = routes.get(route) ?? { route, count: 0, cache: {} };
        entry.count += count;
        entry.cache[status] = (entry.cache[status] ?? 0) + count;
        routes.set(route, entry);
      }
      const eligible = CACHE_STATUSES.reduce((sum, s) => sum + cacheRequests[s], 0);

      return ok({
        cache: {
          entries: cacheStats.value.entries,
          bytes: cacheStats.value.bytes,
          raw_bytes: cacheStats.value.rawBytes,
          entry_hits: cacheStats.value.hits,
          hit_rate: eligible > 0 ? cacheRequests.hit / eligible : null,
          requests: cacheRequests,
        },
        jobs: { total: Object.values(byStatus).reduce((a, b) => a + b, 0), by_status: byStatus },
        dlq: { open: dlqRow.value?.n ?? 0 },
        requests: {
          since: counts.value.since,
          days,
          total,
          by_route: [...routes.values()].sort((a, b) => b.count - a.count || a.route.localeCompare(b.route)),
        },
        routing: {
          direct_max_samples: thresholds.directMaxSamples,
          effective_direct_max_samples: thresholds.effectiveDirectMaxSamples,
        },
      });
    },
  };
}
