// The R2 result cache and its D1 index (cache_entries): chunk objects, gzip-compressed and
// labelled so (review 1) unless their payload compresses itself, with custom metadata; an index
// for stats, TTL and LRU (review 3, 34; R2 listings carry no custom metadata); and reads that
// never serve an expired or corrupt entry (review 4). Owns storage of opaque payloads; what a
// payload encodes is the caller's business.
import type { Clock } from '../clock.ts';
import type { Db } from '../db/d1.ts';
import { chunkItems, placeholders, type Statement, stmt } from '../db/sql.ts';
import { gunzip, gzipStream } from '../encoding/gzip.ts';
import { type AppError, err, ok, type Result } from '../errors.ts';
import { describeError, type Logger } from '../obs/log.ts';
import type { CacheEviction } from './eviction.ts';
import { uploadStream } from './r2-upload.ts';

/** What a chunk object holds, besides its bytes. */
export interface ChunkMeta {
  site: string;
  interval: string;
  chunkStartMs: number;
  chunkEndMs: number;
  points: number;
  samples: number;
  /** The payload's encoding, e.g. `msgpack-columns-v1`. */
  encoding: string;
}

/** A cache hit: the decompressed payload and its metadata. */
export interface CachedChunk {
  payload: Uint8Array;
  meta: ChunkMeta & { createdAt: number; expiresAt: number; rawBytes: number };
}

export interface CacheStats {
  entries: number;
  bytes: number;
  rawBytes: number;
  hits: number;
}

export interface ResultCache {
  /** The entry, or null for a miss (absent, expired or unreadable); an error only when R2 fails. */
  get(key: string): Promise<Result<CachedChunk | null>>;
  /**
   * Stores a payload for ttlMs (0: not stored). Either the object and its index row exist, or
   * neither. `compress: false` stores the bytes as they are (a payload that compresses itself).
   */
  put(
    key: string,
    payload: Uint8Array,
    meta: ChunkMeta,
    ttlMs: number,
    options?: { compress?: boolean },
  ): Promise<Result<{ stored: boolean; bytes: number }>>;
  stats(): Promise<Result<CacheStats>>;
  /**
   * Which of `keys` the index lists as stored and unexpired, with their samples: what the router
   * may treat as cached without reading a byte from R2. A hint: get() still decides what is served.
   */
  present(keys: readonly string[]): Promise<Result<Map<string, number>>>;
}

export interface ResultCacheOptions {
  bucket: R2Bucket;
  db: Db;
  clock: Clock;
  log: Logger;
  eviction: CacheEviction;
  /** Runs bookkeeping after the response (ctx.waitUntil); awaited inline when absent. */
  defer?: (work: Promise<unknown>) => void;
}

const R2_UNAVAILABLE: AppError = { kind: 'unavailable', message: 'the cache store failed', dependency: 'r2' };

function metaToCustom(
  meta: ChunkMeta,
  rawBytes: number,
  createdAt: number,
  expiresAt: number,
): Record<string, string> {
  return {
    site: meta.site,
    interval: meta.interval,
    chunk_start: String(meta.chunkStartMs),
    chunk_end: String(meta.chunkEndMs),
    points: String(meta.points),
    samples: String(meta.samples),
    encoding: meta.encoding,
    raw_bytes: String(rawBytes),
    created: String(createdAt),
    expires: String(expiresAt),
  };
}

function customToMeta(custom: Record<string, string> | undefined): CachedChunk['meta'] | null {
  if (!custom) return null;
  const num = (k: string) => Number(custom[k]);
  const meta = {
    site: custom.site ?? '',
    interval: custom.interval ?? '',
    chunkStartMs: num('chunk_start'),
    chunkEndMs: num('chunk_end'),
    points: num('points'),
    samples: num('samples'),
    encoding: custom.encoding ?? '',
    rawBytes: num('raw_bytes'),
    createdAt: num('created'),
    expiresAt: num('expires'),
  };
  const numbers = [
    meta.chunkStartMs,
    meta.chunkEndMs,
    meta.points,
    meta.samples,
    meta.rawBytes,
    meta.createdAt,
    meta.expiresAt,
  ];
  return numbers.every(Number.isFinite) && meta.encoding ? meta : null;
}

/**
 * The index lookup behind present(): which of `keys` are stored and unexpired at `now`, with their
 * samples. Statements only, so the read path can send them in its own batch (lookup.ts).
 */
export function presentStatements(keys: readonly string[], now: number): Statement[] {
  return chunkItems([...new Set(keys)], 1, 1).map((chunk) =>
    stmt(
      `SELECT key, samples FROM cache_entries WHERE expires_at > ? AND key IN (${placeholders(chunk.length)})`,
      now,
      ...chunk,
    ),
  );
}

/** present()'s answer from the rows presentStatements read. */
export function presentFromRows(rows: readonly Record<string, unknown>[]): Map<string, number> {
  const found = new Map<string, number>();
  for (const row of rows) {
    if (typeof row.key === 'string' && typeof row.samples === 'number') found.set(row.key, row.samples);
  }
  return found;
}

/** Reads of chunks since the last flush: when each was last read and how often. */
export interface ChunkTouch {
  key: string;
  at: number;
  hits: number;
}

/**
 * LRU bookkeeping for the index, many reads in one statement per 33 keys: last_access_at only
 * moves forward, hits add up. Keys no longer indexed are skipped (an UPDATE, not an upsert).
 */
export function touchStatements(touches: readonly ChunkTouch[]): Statement[] {
  return chunkItems([...touches], 3).map((chunk) =>
    stmt(
      `WITH t(key, at, n) AS (VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')})
       UPDATE cache_entries SET last_access_at = max(cache_entries.last_access_at, t.at),
         hits = cache_entries.hits + t.n
       FROM t WHERE cache_entries.key = t.key`,
      ...chunk.flatMap((c) => [c.key, c.at, c.hits]),
    ),
  );
}

/** Creates the cache over a bucket and the D1 index. */
export function createResultCache(options: ResultCacheOptions): ResultCache {
  const { bucket, db, clock, log, eviction } = options;
  // Bookkeeping runs after the response when a defer is given; it never fails the caller.
  const later = async (work: Promise<unknown>): Promise<void> => {
    const guarded = work.catch((e: unknown) => log.error('cache.bookkeeping_failed', describeError(e)));
    if (options.defer) options.defer(guarded);
    else await guarded;
  };

  // An entry that must not be served again is forgotten in the background; failures are logged
  // and counted by the next eviction pass, never thrown into the read (review 4).
  const forget = (key: string, reason: string) => {
    log.info('cache.forget', { key, reason });
    return later(eviction.remove([key]));
  };

  return {
    async get(key) {
      let object: R2ObjectBody | null;
      try {
        object = await bucket.get(key);
      } catch (e) {
        log.warn('cache.get_failed', { key, ...describeError(e) });
        return err(R2_UNAVAILABLE);
      }
      if (!object) return ok(null);
      const meta = customToMeta(object.customMetadata);
      if (!meta || meta.expiresAt <= clock.now()) {
        await object.body.cancel();
        await forget(key, meta ? 'expired' : 'bad_metadata');
        return ok(null);
      }
      let payload: Uint8Array;
      try {
        // An object is gzip unless its payload compresses itself (the chunk codec, v2 on, stores it as is).
        const stored = new Uint8Array(await object.arrayBuffer());
        payload = object.httpMetadata?.contentEncoding === 'gzip' ? await gunzip(stored) : stored;
      } catch (e) {
        log.warn('cache.corrupt_entry', { key, ...describeError(e) });
        await forget(key, 'corrupt');
        return ok(null);
      }
      if (payload.byteLength !== meta.rawBytes) {
        await forget(key, 'length_mismatch');
        return ok(null);
      }
      // No touch here: reads are counted in the isolate and written in batches (bookkeeping.ts).
      return ok({ payload, meta });
    },

    async put(key, payload, meta, ttlMs, options = {}) {
      if (ttlMs <= 0) return ok({ stored: false, bytes: 0 });
      const createdAt = clock.now();
      const expiresAt = createdAt + ttlMs;
      const gzipped = options.compress ?? true;
      let bytes: number;
      try {
        const body = gzipped ? gzipStream(new Blob([payload]).stream()) : new Blob([payload]).stream();
        const uploaded = await uploadStream(bucket, key, body, {
          httpMetadata: {
            contentType: 'application/octet-stream',
            ...(gzipped ? { contentEncoding: 'gzip' } : {}),
          },
          customMetadata: metaToCustom(meta, payload.byteLength, createdAt, expiresAt),
        });
        bytes = uploaded.bytes;
      } catch (e) {
        log.warn('cache.put_failed', { key, ...describeError(e) });
        return err(R2_UNAVAILABLE);
      }
      const indexed = await db.run(
        'cache.index',
        stmt(
          `INSERT INTO cache_entries (key, site, interval, chunk_start, chunk_end, points, samples, bytes, raw_bytes,
             created_at, last_access_at, expires_at, hits)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
           ON CONFLICT (key) DO UPDATE SET bytes = excluded.bytes, raw_bytes = excluded.raw_bytes,
             samples = excluded.samples, points = excluded.points, created_at = excluded.created_at,
             last_access_at = excluded.last_access_at, expires_at = excluded.expires_at`,
          key,
          meta.site,
          meta.interval,
          meta.chunkStartMs,
          meta.chunkEndMs,
          meta.points,
          meta.samples,
          bytes,
          payload.byteLength,
          createdAt,
          createdAt,
          expiresAt,
        ),
      );
      if (!indexed.ok) {
        // An object the index does not know would escape TTL and the size cap: take it back.
        await bucket
          .delete(key)
          .catch((e: unknown) => log.error('cache.orphan_delete_failed', { key, ...describeError(e) }));
        return indexed;
      }
      await later(eviction.enforceCap());
      return ok({ stored: true, bytes });
    },

    async stats() {
      const row = await db.first<{ entries: number; bytes: number; raw_bytes: number; hits: number }>(
        'cache.stats',
        stmt(
          'SELECT count(*) AS entries, total(bytes) AS bytes, total(raw_bytes) AS raw_bytes, total(hits) AS hits FROM cache_entries',
        ),
      );
      if (!row.ok) return row;
      const r = row.value ?? { entries: 0, bytes: 0, raw_bytes: 0, hits: 0 };
      return ok({ entries: r.entries, bytes: r.bytes, rawBytes: r.raw_bytes, hits: r.hits });
    },

    async present(keys) {
      const batch = await db.readInGroups('cache.present', presentStatements(keys, clock.now()));
      return batch.ok ? ok(presentFromRows(batch.value.flatMap((b) => b.rows))) : batch;
    },
  };
}
