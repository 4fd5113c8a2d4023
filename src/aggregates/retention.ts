// Aggregate retention (review 33, 36): buckets whose window ended more than retentionDays ago
// move from D1 to R2 as gzip NDJSON, one object per site and UTC month, merged into what an
// earlier run archived there; the D1 rows go only after their object's put succeeded, and only
// if unchanged since they were read. Bounded rows per run. Owns the archive format and keys.
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/d1.ts';
import { buildInserts, stmt } from '../db/sql.ts';
import { gunzip, gzip } from '../encoding/gzip.ts';
import { err, ok, type Result } from '../errors.ts';
import { describeError, type Logger } from '../obs/log.ts';
import { DAY_MS } from '../timeseries/chunks.ts';
import { AGG_BUCKETS, bucketMs } from './buckets.ts';

/** One archived row: a timeseries_agg row as it was in D1. */
export const archivedBucketSchema = z.strictObject({
  site: z.string(),
  point: z.string(),
  bucket: z.enum(AGG_BUCKETS),
  t: z.number().int(),
  count: z.number().int().positive(),
  min: z.number(),
  max: z.number(),
  sum: z.number(),
  first: z.number(),
  first_t: z.number().int(),
  last: z.number(),
  last_t: z.number().int(),
  updated_at: z.number().int(),
});
export type ArchivedBucket = z.infer<typeof archivedBucketSchema>;

/** A UTC month as archive keys name it. */
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The month (`YYYY-MM`, UTC) holding epoch ms `t`. */
export const monthOf = (t: number): string => new Date(t).toISOString().slice(0, 7);

/** Where a site's month of aggregates is archived. */
export function archiveKey(site: string, month: string): string {
  return `archive/agg/${encodeURIComponent(site)}/${month}.ndjson.gz`;
}

/** What one pass did. */
export interface RetentionReport {
  /** Buckets whose window ended before this are archived. */
  cutoff: number;
  /** Rows read for archiving (at most maxRowsPerRun). */
  selected: number;
  /** Rows deleted from D1 after their archive was written. */
  archived: number;
  /** Objects written. */
  objects: number;
  /** Site-months that could not be archived this time (their rows stay in D1). */
  failed: number;
}

export interface AggregateRetention {
  /** Archives and deletes up to maxRowsPerRun of the oldest expired rows. */
  run(): Promise<RetentionReport>;
  /** A site's archived month, rows sorted by point, bucket and t; null when nothing is archived. */
  readArchive(site: string, month: string): Promise<Result<ArchivedBucket[] | null>>;
}

export interface AggregateRetentionOptions {
  db: Db;
  bucket: R2Bucket;
  clock: Clock;
  log: Logger;
  /** config.aggRetentionDays (AGG_RETENTION_DAYS, default 90). */
  retentionDays: number;
  /** Rows one pass archives at most (default 5000: a few objects, well inside one invocation). */
  maxRowsPerRun?: number;
}

const COLUMNS = 'site, point, bucket, t, count, min, max, sum, first, first_t, last, last_t, updated_at';
const rowKey = (r: ArchivedBucket) => `${r.point}\n${r.bucket}\n${r.t}`;
const byKey = (a: ArchivedBucket, b: ArchivedBucket) =>
  a.point < b.point ? -1 : a.point > b.point ? 1 : a.bucket.localeCompare(b.bucket) || a.t - b.t;

class ArchiveError extends Error {
  override name = 'ArchiveError';
}

/** Parses an archive object's bytes; throws ArchiveError when they are not a valid archive. */
async function parseArchive(bytes: Uint8Array): Promise<ArchivedBucket[]> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(await gunzip(bytes));
  } catch {
    throw new ArchiveError('archive is not gzip UTF-8');
  }
  const rows: ArchivedBucket[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ArchiveError('archive line is not JSON');
    }
    const parsed = archivedBucketSchema.safeParse(value);
    if (!parsed.success) throw new ArchiveError('archive line is not a bucket');
    rows.push(parsed.data);
  }
  return rows;
}

/** Creates the retention pass. */
export function createAggregateRetention(options: AggregateRetentionOptions): AggregateRetention {
  const { db, bucket, clock, log, retentionDays } = options;
  const maxRows = options.maxRowsPerRun ?? 5000;

  /** Merges `rows` into the month's object; resolves once R2 holds them all. */
  const archive = async (key: string, rows: readonly ArchivedBucket[]): Promise<void> => {
    const existing = await bucket.get(key);
    const merged = new Map<string, ArchivedBucket>();
    if (existing) {
      // A corrupt object is left alone (and its rows in D1): overwriting it would lose its rows.
      for (const r of await parseArchive(new Uint8Array(await existing.arrayBuffer())))
        merged.set(rowKey(r), r);
    }
    for (const r of rows) {
      const before = merged.get(rowKey(r));
      if (!before || before.updated_at <= r.updated_at) merged.set(rowKey(r), r);
    }
    const lines = [...merged.values()].sort(byKey).map((r) => `${JSON.stringify(r)}\n`);
    const body = await gzip(new TextEncoder().encode(lines.join('')));
    // Conditional on what was read, so two passes never overwrite each other's rows.
    const put = await bucket.put(key, body, {
      onlyIf: existing ? { etagMatches: existing.etag } : { etagDoesNotMatch: '*' },
      httpMetadata: { contentType: 'application/x-ndjson', contentEncoding: 'gzip' },
      customMetadata: { rows: String(merged.size) },
    });
    if (put === null) throw new ArchiveError('archive changed while it was merged');
  };

  /** Deletes archived rows still as they were read (a row re-recorded since stays for next time). */
  const remove = async (rows: readonly ArchivedBucket[]): Promise<number> => {
    // The multi-row VALUES shape of buildInserts serves a row-value IN list just as well.
    const statements = buildInserts(
      'DELETE FROM timeseries_agg WHERE (site, point, bucket, t, updated_at) IN (VALUES',
      rows.map((r) => [r.site, r.point, r.bucket, r.t, r.updated_at]),
      ')',
    );
    const deleted = await db.runInGroups('aggregates.retention_delete', statements);
    if (!deleted.ok) throw new Error(`delete failed: ${deleted.error.kind}`);
    return deleted.value.changes;
  };

  return {
    async run() {
      const cutoff = Math.floor((clock.now() - retentionDays * DAY_MS) / DAY_MS) * DAY_MS;
      const report: RetentionReport = { cutoff, selected: 0, archived: 0, objects: 0, failed: 0 };
      // The oldest rows of each bucket size, then the oldest of both: one bounded selection.
      const selected: ArchivedBucket[] = [];
      for (const size of AGG_BUCKETS) {
        const rows = await db.all<ArchivedBucket>(
          'aggregates.retention_select',
          stmt(
            `SELECT ${COLUMNS} FROM timeseries_agg WHERE bucket = ? AND t <= ? ORDER BY t LIMIT ?`,
            size,
            cutoff - bucketMs(size),
            maxRows,
          ),
        );
        if (!rows.ok) {
          report.failed++;
          log.error('aggregates.retention_failed', { step: 'select', kind: rows.error.kind });
          return report;
        }
        selected.push(...rows.value);
      }
      selected.sort((a, b) => a.t - b.t);
      selected.length = Math.min(selected.length, maxRows);
      report.selected = selected.length;

      const groups = new Map<string, ArchivedBucket[]>();
      for (const r of selected) {
        const key = archiveKey(r.site, monthOf(r.t));
        const group = groups.get(key);
        if (group) group.push(r);
        else groups.set(key, [r]);
      }
      for (const [key, rows] of groups) {
        try {
          await archive(key, rows);
          report.objects++;
        } catch (e) {
          report.failed++;
          log.error('aggregates.archive_failed', { key, rows: rows.length, ...describeError(e) });
          continue;
        }
        try {
          report.archived += await remove(rows);
        } catch (e) {
          // The archive holds them: the next pass merges the same rows again, harmlessly.
          report.failed++;
          log.error('aggregates.retention_delete_failed', { key, ...describeError(e) });
        }
      }
      log.info('aggregates.retention_pass', { ...report });
      return report;
    },

    async readArchive(site, month) {
      if (!MONTH.test(month)) {
        return err({
          kind: 'invalid_input',
          message: 'invalid request',
          issues: [{ path: 'month', message: 'must be YYYY-MM' }],
        });
      }
      const key = archiveKey(site, month);
      try {
        const object = await bucket.get(key);
        if (!object) return ok(null);
        return ok((await parseArchive(new Uint8Array(await object.arrayBuffer()))).sort(byKey));
      } catch (e) {
        log.error('aggregates.archive_read_failed', { key, ...describeError(e) });
        return err({ kind: 'unavailable', message: 'the archive could not be read', dependency: 'r2' });
      }
    },
  };
}
