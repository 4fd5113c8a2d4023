// Operator purge of the result cache (POST /api/admin/cache/purge): every indexed chunk, or one
// site's, removed in bounded batches through eviction's remove (R2 objects first, then their
// cache_entries rows). Owns the selection and the bounds; a call that runs out of rounds says so
// (`complete: false`) and the next call carries on. Job results are not cache entries: untouched.
import type { Db } from '../db/d1.ts';
import { stmt } from '../db/sql.ts';
import { err, ok, type Result } from '../errors.ts';
import { describeError, type Logger } from '../obs/log.ts';
import type { CacheEviction } from './eviction.ts';

/** What one purge call removed. */
export interface PurgeReport {
  /** The site purged, or null for the whole cache. */
  site: string | null;
  /** Entries removed: each was one R2 object and one cache_entries row. */
  entries: number;
  /** Stored (compressed) bytes those entries held. */
  bytes: number;
  /** False when the round limit stopped the call before the selection was empty. */
  complete: boolean;
}

export interface CachePurge {
  purge(options: { site?: string | undefined }): Promise<Result<PurgeReport>>;
}

export interface CachePurgeOptions {
  db: Db;
  eviction: Pick<CacheEviction, 'remove'>;
  log: Logger;
  /** Entries per round (R2 deletes ≤ 1000 keys at once, D1 binds ≤ 100). */
  batchSize?: number;
  /** Rounds per call, so one request stays well inside its time and subrequest budget. */
  maxRounds?: number;
}

/** Creates the purge over the index and eviction's delete-by-keys. */
export function createCachePurge(options: CachePurgeOptions): CachePurge {
  const { db, eviction, log } = options;
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 100, 100));
  const maxRounds = Math.max(1, options.maxRounds ?? 50);

  return {
    async purge({ site }) {
      const report: PurgeReport = { site: site ?? null, entries: 0, bytes: 0, complete: false };
      // One select more than rounds of deletes: a call that emptied the selection says complete.
      for (let round = 0; ; round++) {
        const rows = await db.all<{ key: string; bytes: number }>(
          'cache.purge_select',
          site === undefined
            ? stmt('SELECT key, bytes FROM cache_entries ORDER BY key LIMIT ?', batchSize)
            : stmt(
                'SELECT key, bytes FROM cache_entries WHERE site = ? ORDER BY key LIMIT ?',
                site,
                batchSize,
              ),
        );
        if (!rows.ok) return rows;
        if (rows.value.length === 0) {
          report.complete = true;
          break;
        }
        if (round === maxRounds) break;
        try {
          report.entries += await eviction.remove(rows.value.map((r) => r.key));
        } catch (e) {
          // What was removed stays removed; a retry of the purge picks up the rest.
          log.error('cache.purge_failed', { ...describeError(e), entries: report.entries });
          return err({ kind: 'unavailable', message: 'the cache purge failed', dependency: 'cache' });
        }
        report.bytes += rows.value.reduce((sum, r) => sum + r.bytes, 0);
      }
      log.info('cache.purged', { ...report });
      return ok(report);
    },
  };
}
