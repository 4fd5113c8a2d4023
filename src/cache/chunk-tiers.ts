// Reads and writes day chunks through the cache's tiers: the isolate's memory (decoded chunks),
// the data centre's Cache API (encoded payloads), then R2 (the store of record, with its D1
// index). Only immutable chunks enter the two faster tiers, never past their own expiry; a tier
// that fails or holds something undecodable is a miss, and only R2 failing is an error (the read
// path then bypasses the cache). Every hit is counted for LRU bookkeeping, never written inline.
import type { Clock } from '../clock.ts';
import { ok, type Result } from '../errors.ts';
import type { Logger } from '../obs/log.ts';
import { type ChunkSeries, decodeStoredChunk } from './chunk-codec.ts';
import { CHUNK_ENCODING_V3, packChunkV3 } from './chunk-codec-v3.ts';
import type { ChunkMemory } from './chunk-memory.ts';
import type { EdgeChunkCache } from './edge-cache.ts';
import type { ChunkMeta, ResultCache } from './result-cache.ts';

/** Where a chunk was found. */
export type Tier = 'memory' | 'edge' | 'r2';

export interface TierRead {
  series: readonly ChunkSeries[];
  samples: number;
  tier: Tier;
}

/** A chunk the read path wants: its key, whether it is immutable, its site (purge by site) and points. */
export interface ChunkRef {
  key: string;
  immutable: boolean;
  site: string;
  /** The chunk's points in canonical order (its key commits to them; a stored chunk is read for them). */
  points: readonly string[];
}

export interface ChunkTiers {
  /** Whether the isolate's memory holds the chunk: known without any I/O. */
  inMemory(key: string): boolean;
  /** The samples of a chunk the memory holds (0 when it holds none). */
  samplesInMemory(key: string): number;
  /** The chunk from the fastest tier that has it; null when none does; an error only when R2 fails. */
  read(ref: ChunkRef): Promise<Result<TierRead | null>>;
  /** Stores a fetched chunk in R2 and its index, and (immutable only) in the faster tiers. */
  write(
    ref: ChunkRef,
    series: readonly ChunkSeries[],
    meta: ChunkMeta,
    ttlMs: number,
  ): Promise<Result<unknown>>;
  /** Forgets chunks in the tiers R2's eviction cannot reach: this isolate and this data centre. */
  forget(keys: readonly string[]): Promise<void>;
}

export interface ChunkTiersOptions {
  memory: ChunkMemory;
  edge: EdgeChunkCache;
  store: ResultCache;
  clock: Clock;
  log: Logger;
  /** The longest a chunk stays in isolate memory: how long a purge may take to reach every isolate. */
  memoryTtlMs: number;
  /** Counts one read of a chunk (bookkeeping.ts writes them in batches). */
  touch: (key: string) => void;
  /** Runs work after the response (ctx.waitUntil). */
  defer: (work: Promise<unknown>) => void;
}

const countSamples = (series: readonly ChunkSeries[]) => series.reduce((n, s) => n + s.t.length, 0);

/** A decoded chunk is whole when every series has as many values as times and the count matches. */
function isWhole(series: readonly ChunkSeries[], samples: number): boolean {
  return series.every((s) => s.t.length === s.v.length) && countSamples(series) === samples;
}

/** Creates the tiers over the isolate's memory, the Cache API and the R2 result cache. */
export function createChunkTiers(options: ChunkTiersOptions): ChunkTiers {
  const { memory, edge, store, clock, log, touch, defer } = options;
  const remember = (ref: ChunkRef, series: readonly ChunkSeries[], samples: number, expiresAt: number) => {
    if (options.memoryTtlMs <= 0) return;
    memory.set(ref.key, {
      series,
      samples,
      site: ref.site,
      expiresAt: Math.min(expiresAt, clock.now() + options.memoryTtlMs),
    });
  };

  const fromMemory = (ref: ChunkRef): TierRead | null => {
    const held = memory.get(ref.key, clock.now());
    if (!held) return null;
    if (!isWhole(held.series, held.samples)) {
      log.warn('chunk_tiers.bad_memory_entry', { key: ref.key });
      memory.delete([ref.key]);
      return null;
    }
    return { series: held.series, samples: held.samples, tier: 'memory' };
  };

  const fromEdge = async (ref: ChunkRef): Promise<TierRead | null> => {
    const held = await edge.get(ref.key);
    if (!held) return null;
    const series = await decodeStoredChunk(held.payload, held.encoding, ref.points);
    if (!series || !isWhole(series, held.samples)) {
      log.warn('chunk_tiers.undecodable_edge_entry', { key: ref.key });
      defer(edge.delete([ref.key]));
      return null;
    }
    remember(ref, series, held.samples, held.expiresAt);
    return { series, samples: held.samples, tier: 'edge' };
  };

  return {
    inMemory: (key) => memory.get(key, clock.now()) !== undefined,
    samplesInMemory: (key) => memory.get(key, clock.now())?.samples ?? 0,

    async read(ref) {
      const fast = ref.immutable ? (fromMemory(ref) ?? (await fromEdge(ref))) : null;
      if (fast) {
        touch(ref.key);
        return ok(fast);
      }
      const got = await store.get(ref.key);
      if (!got.ok || !got.value) return got.ok ? ok(null) : got;
      const { payload, meta } = got.value;
      const series = await decodeStoredChunk(payload, meta.encoding, ref.points);
      if (!series) {
        log.warn('timeseries.undecodable_chunk', { key: ref.key });
        return ok(null);
      }
      touch(ref.key);
      const samples = countSamples(series);
      if (ref.immutable) {
        remember(ref, series, samples, meta.expiresAt);
        defer(
          edge.put(ref.key, {
            payload,
            encoding: meta.encoding,
            samples,
            site: ref.site,
            expiresAt: meta.expiresAt,
          }),
        );
      }
      return ok({ series, samples, tier: 'r2' });
    },

    async write(ref, series, meta, ttlMs) {
      // The codec compresses itself when that pays: stored as it is, not gzipped again.
      const payload = await packChunkV3(series);
      const stored = await store.put(ref.key, payload, { ...meta, encoding: CHUNK_ENCODING_V3 }, ttlMs, {
        compress: false,
      });
      if (stored.ok && ttlMs > 0 && ref.immutable) {
        const expiresAt = clock.now() + ttlMs;
        remember(ref, series, meta.samples, expiresAt);
        defer(
          edge.put(ref.key, {
            payload,
            encoding: CHUNK_ENCODING_V3,
            samples: meta.samples,
            site: ref.site,
            expiresAt,
          }),
        );
      }
      return stored;
    },

    async forget(keys) {
      memory.delete(keys);
      await edge.delete(keys);
    },
  };
}
