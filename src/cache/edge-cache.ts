// The Cache API tier of the chunk cache (`caches.default`, one per Cloudflare data centre): an
// immutable chunk's encoded payload under a synthetic URL, its metadata in headers, kept at most
// maxTtlMs and never past the chunk's own expiry. Every failure is a miss, logged, never an
// error. Owns the URL and header layout; decoding and deciding what is immutable are the caller's.
import type { Clock } from '../clock.ts';
import { describeError, type Logger } from '../obs/log.ts';

/** What the tier returns: the payload as stored in R2 (before gzip) and what it needs to be trusted. */
export interface EdgeChunk {
  payload: Uint8Array;
  encoding: string;
  samples: number;
  site: string;
  expiresAt: number;
}

export interface EdgeChunkCache {
  get(key: string): Promise<EdgeChunk | null>;
  /** Stores a chunk until min(its expiry, now + maxTtlMs); a failure is logged and ignored. */
  put(key: string, chunk: EdgeChunk): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
}

export interface EdgeChunkCacheOptions {
  /** `caches.default`, or null where the runtime has none (the tier then always misses). */
  cache: Cache | null;
  clock: Clock;
  log: Logger;
  /** The longest an entry lives: how long an admin purge may take to reach every data centre. */
  maxTtlMs: number;
}

/** The synthetic origin of chunk URLs: never a real host, so no request of a client can match one. */
const ORIGIN = 'https://chunks.vitals-edge.invalid';
const H_ENCODING = 'x-chunk-encoding';
const H_SAMPLES = 'x-chunk-samples';
const H_SITE = 'x-chunk-site';
const H_EXPIRES = 'x-chunk-expires';
const H_LENGTH = 'x-chunk-length';

/** The URL a chunk key is stored under. Keys are hex digests, safe in a path. */
export function edgeUrlOf(key: string): string {
  return `${ORIGIN}/${encodeURIComponent(key)}`;
}

/** Creates the tier; with no cache (or maxTtlMs 0) every call is a cheap miss. */
export function createEdgeChunkCache(options: EdgeChunkCacheOptions): EdgeChunkCache {
  const { cache, clock, log, maxTtlMs } = options;
  const enabled = cache !== null && maxTtlMs > 0;

  return {
    async get(key) {
      if (!enabled) return null;
      try {
        const res = await cache.match(edgeUrlOf(key));
        if (!res) return null;
        const samples = Number(res.headers.get(H_SAMPLES));
        const expiresAt = Number(res.headers.get(H_EXPIRES));
        const length = Number(res.headers.get(H_LENGTH));
        const encoding = res.headers.get(H_ENCODING) ?? '';
        const site = res.headers.get(H_SITE) ?? '';
        const payload = new Uint8Array(await res.arrayBuffer());
        const wellFormed =
          encoding !== '' && Number.isSafeInteger(samples) && samples >= 0 && payload.byteLength === length;
        if (!wellFormed) {
          log.warn('edge_cache.bad_entry', { key });
          return null;
        }
        if (!(expiresAt > clock.now())) return null;
        return { payload, encoding, samples, site, expiresAt };
      } catch (e) {
        log.warn('edge_cache.get_failed', { key, ...describeError(e) });
        return null;
      }
    },

    async put(key, chunk) {
      if (!enabled) return;
      const ttlS = Math.floor(Math.min(chunk.expiresAt - clock.now(), maxTtlMs) / 1000);
      if (ttlS <= 0) return;
      try {
        await cache.put(
          edgeUrlOf(key),
          new Response(chunk.payload, {
            headers: {
              'content-type': 'application/octet-stream',
              'cache-control': `max-age=${ttlS}`,
              [H_ENCODING]: chunk.encoding,
              [H_SAMPLES]: String(chunk.samples),
              [H_SITE]: chunk.site,
              [H_EXPIRES]: String(chunk.expiresAt),
              [H_LENGTH]: String(chunk.payload.byteLength),
            },
          }),
        );
      } catch (e) {
        log.warn('edge_cache.put_failed', { key, ...describeError(e) });
      }
    },

    async delete(keys) {
      if (!enabled) return;
      await Promise.all(
        keys.map((key) =>
          cache.delete(edgeUrlOf(key)).catch((e: unknown) => {
            log.warn('edge_cache.delete_failed', { key, ...describeError(e) });
            return false;
          }),
        ),
      );
    },
  };
}
