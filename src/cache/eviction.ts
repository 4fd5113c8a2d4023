// Keeps the result cache bounded: deletes expired entries and, over CACHE_MAX_BYTES, the least
// recently used ones (review 3, 4, 34). Runs from the cron pass and after an over-cap put. Errors
// are caught, logged and counted in the report, never thrown into a request.
import type { Clock } from '../clock.ts';
import type { Db } from '../db/d1.ts';
import { placeholders, stmt } from '../db/sql.ts';
import { describeError, type Logger } from '../obs/log.ts';

/** What one pass did. */
export interface EvictionReport {
  expired: number;
  evicted: number;
  errors: number;
  bytesAfter: number;
}

export interface CacheEviction {
  /** Deletes the objects and their index rows (R2 first, so the index never loses a live object). */
  remove(keys: readonly string[]): Promise<number>;
  /** Evicts least-recently-used entries until the total is at most the cap. */
  enforceCap(): Promise<EvictionReport>;
  /** Expired entries first, then the cap: the cron pass. */
  run(): Promise<EvictionReport>;
}

export interface CacheEvictionOptions {
  bucket: R2Bucket;
  db: Db;
  clock: Clock;
  log: Logger;
  maxBytes: number;
  /** Keys removed per round trip (R2 deletes up to 1000 keys at once; D1 binds ≤ 100). */
  batchSize?: number;
  /** Upper bound on rounds per pass, so one pass always ends. */
  maxRounds?: number;
  /**
   * Forgets removed chunks in the faster tiers this invocation can reach (its isolate's memory and
   * its data centre's Cache API); other isolates and data centres age them out (chunk-tiers.ts).
   */
  forgetFaster?: (keys: readonly string[]) => Promise<void>;
}

/** Creates the eviction passes. */
export function createCacheEviction(options: CacheEvictionOptions): CacheEviction {
  const { bucket, db, clock, log, maxBytes } = options;
  const batchSize = Math.min(options.batchSize ?? 100, 100);
  const maxRounds = options.maxRounds ?? 50;

  const remove = async (keys: readonly string[]): Promise<number> => {
    if (keys.length === 0) return 0;
    await options.forgetFaster?.(keys);
    await bucket.delete([...keys]);
    const deleted = await db.run(
      'cache.evict',
      stmt(`DELETE FROM cache_entries WHERE key IN (${placeholders(keys.length)})`, ...keys),
    );
    if (!deleted.ok) throw new Error(`index delete failed: ${deleted.error.kind}`);
    return keys.length;
  };

  const totalBytes = async (): Promise<number | null> => {
    const row = await db.first<{ total: number }>(
      'cache.total_bytes',
      stmt('SELECT total(bytes) AS total FROM cache_entries'),
    );
    return row.ok ? (row.value?.total ?? 0) : null;
  };

  const sweepExpired = async (report: EvictionReport) => {
    for (let round = 0; round < maxRounds; round++) {
      const rows = await db.all<{ key: string }>(
        'cache.expired',
        stmt(
          'SELECT key FROM cache_entries WHERE expires_at <= ? ORDER BY expires_at LIMIT ?',
          clock.now(),
          batchSize,
        ),
      );
      if (!rows.ok) {
        report.errors++;
        return;
      }
      if (rows.value.length === 0) return;
      try {
        report.expired += await remove(rows.value.map((r) => r.key));
      } catch (e) {
        report.errors++;
        log.error('cache.expire_failed', describeError(e));
        return;
      }
    }
  };

  const enforce = async (report: EvictionReport) => {
    let total = await totalBytes();
    for (let round = 0; total !== null && total > maxBytes && round < maxRounds; round++) {
      const rows = await db.all<{ key: string; bytes: number }>(
        'cache.lru',
        stmt('SELECT key, bytes FROM cache_entries ORDER BY last_access_at, key LIMIT ?', batchSize),
      );
      if (!rows.ok || rows.value.length === 0) {
        if (!rows.ok) report.errors++;
        break;
      }
      // Only as many of the oldest as it takes to get under the cap.
      const victims: string[] = [];
      let excess = total - maxBytes;
      for (const r of rows.value) {
        if (excess <= 0) break;
        victims.push(r.key);
        excess -= r.bytes;
      }
      try {
        report.evicted += await remove(victims);
      } catch (e) {
        report.errors++;
        log.error('cache.evict_failed', describeError(e));
        break;
      }
      total = await totalBytes();
    }
    if (total === null) report.errors++;
    report.bytesAfter = total ?? -1;
  };

  const fresh = (): EvictionReport => ({ expired: 0, evicted: 0, errors: 0, bytesAfter: 0 });

  return {
    remove,
    async enforceCap() {
      const report = fresh();
      await enforce(report);
      if (report.evicted > 0 || report.errors > 0) log.info('cache.cap_enforced', { ...report });
      return report;
    },
    async run() {
      const report = fresh();
      await sweepExpired(report);
      await enforce(report);
      log.info('cache.eviction_pass', { ...report });
      return report;
    },
  };
}
