// Cache warming (review 6, 30): the read path records which point sets dashboards ask for
// (hot_requests), and a cron pass re-reads the complete past days of the most requested recent
// ones, so the next dashboard load finds them cached. ACE needs a token: warming uses the
// optional ACE_SERVICE_TOKEN secret and is skipped (and says so) without one. Users' tokens are
// never stored. Bounded in sets per pass.

import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/d1.ts';
import { parseJsonColumnOr } from '../db/rows.ts';
import { buildInserts, type Statement, stmt } from '../db/sql.ts';
import { sha256Hex } from '../hash.ts';
import type { Bookkeeping, PendingHotRequest } from '../obs/bookkeeping.ts';
import type { Logger } from '../obs/log.ts';
import type { SeriesRequest } from '../requests.ts';
import { DAY_MS } from '../timeseries/chunks.ts';
import type { TimeseriesService } from '../timeseries/service.ts';
import { canonicalPoints } from './cache-key.ts';

/** Requests older than this are not "recent" any more and are not warmed. */
export const HOT_WINDOW_MS = DAY_MS;
/** Ranges are recorded rounded up to whole hours, so "last 24 h" dashboards group together. */
const RANGE_STEP_MS = 3_600_000;

export interface WarmingReport {
  skipped?: 'no_service_token';
  sets: number;
  warmed: number;
  failed: number;
}

export interface CacheWarming {
  /** Counts one served request of this shape (in the isolate; written in the next batch). */
  record(request: SeriesRequest): void;
  /** Re-reads the past days of the most requested recent point sets. */
  warm(): Promise<WarmingReport>;
}

export interface CacheWarmingOptions {
  db: Db;
  bookkeeping: Pick<Bookkeeping, 'hotRequest'>;
  timeseries: Pick<TimeseriesService, 'serve'>;
  clock: Clock;
  log: Logger;
  serviceToken?: string | undefined;
  /** Point sets warmed per pass. */
  maxSets?: number;
}

const pointsSchema = z.array(z.string()).min(1);

/** The shape a served read is counted under: its site, canonical points, interval and rounded range. */
export function hotRequestOf(request: SeriesRequest): Omit<PendingHotRequest, 'requests' | 'lastAt'> {
  return {
    site: request.site,
    points: JSON.stringify(canonicalPoints(request.points)),
    interval: request.interval,
    rangeMs: Math.ceil((request.endMs - request.startMs) / RANGE_STEP_MS) * RANGE_STEP_MS,
  };
}

/** Upserts that add pending requests of point sets to hot_requests (bookkeeping.ts flushes them). */
export async function hotRequestStatements(hot: readonly PendingHotRequest[]): Promise<Statement[]> {
  const rows = await Promise.all(
    hot.map(async (h) => [
      h.site,
      await sha256Hex(h.points),
      h.points,
      h.interval,
      h.rangeMs,
      h.requests,
      h.lastAt,
    ]),
  );
  return buildInserts(
    'INSERT INTO hot_requests (site, points_key, points, interval, range_ms, requests, last_requested_at) VALUES',
    rows,
    `ON CONFLICT (site, points_key, interval, range_ms) DO UPDATE SET requests = requests + excluded.requests,
       last_requested_at = max(last_requested_at, excluded.last_requested_at)`,
  );
}

/** Creates the recorder and the warming pass. */
export function createCacheWarming(options: CacheWarmingOptions): CacheWarming {
  const { db, timeseries, clock, log, serviceToken } = options;
  const maxSets = options.maxSets ?? 20;

  return {
    record(request) {
      options.bookkeeping.hotRequest(hotRequestOf(request));
    },

    async warm() {
      if (!serviceToken) {
        log.info('warming.skipped', { reason: 'ACE_SERVICE_TOKEN is not set' });
        return { skipped: 'no_service_token', sets: 0, warmed: 0, failed: 0 };
      }
      const now = clock.now();
      const hot = await db.all<{ site: string; points: string; interval: string; range_ms: number }>(
        'warming.hot',
        stmt(
          `SELECT site, points, interval, range_ms FROM hot_requests
           WHERE last_requested_at > ? ORDER BY requests DESC, last_requested_at DESC LIMIT ?`,
          now - HOT_WINDOW_MS,
          maxSets,
        ),
      );
      if (!hot.ok) return { sets: 0, warmed: 0, failed: 1 };
      const caller = { token: serviceToken, principal: await sha256Hex(serviceToken) };
      const today = Math.floor(now / DAY_MS) * DAY_MS;
      const report: WarmingReport = { sets: hot.value.length, warmed: 0, failed: 0 };
      for (const row of hot.value) {
        const points = parseJsonColumnOr(row.points, pointsSchema, null);
        const startMs = Math.floor((now - row.range_ms) / DAY_MS) * DAY_MS;
        // Only complete past days: today's chunk is recent and lives for a minute at most.
        if (!points || startMs >= today) continue;
        const served = await timeseries.serve(caller, {
          site: row.site,
          points,
          startMs,
          endMs: today,
          interval: 'raw',
        });
        if (served.ok) report.warmed++;
        else {
          report.failed++;
          log.warn('warming.failed', { site: row.site, kind: served.error.kind });
        }
      }
      log.info('warming.pass', { ...report });
      return report;
    },
  };
}
