// The isolate's memory tier of the chunk cache: decoded chunks held for repeat hits, bounded by an
// estimate of their bytes (least recently used out first), each gone at its own expiry. Only
// immutable chunks belong here (the caller decides); entries are shared and must not be mutated.
// Pure data structure, no I/O: R2 and the Cache API are other tiers (chunk-tiers.ts).
import { createByteLru } from './byte-lru.ts';
import type { ChunkSeries } from './chunk-codec.ts';

/** A decoded chunk as the memory tier holds it. */
export interface MemoryChunk {
  series: readonly ChunkSeries[];
  samples: number;
  site: string;
  /** Epoch ms after which the entry is never returned (the chunk's own expiry). */
  expiresAt: number;
}

export interface ChunkMemory {
  /** The entry if present and unexpired (and marks it recently used); expired ones are dropped. */
  get(key: string, now: number): MemoryChunk | undefined;
  /** Holds a chunk; one larger than the whole budget is not held. */
  set(key: string, chunk: MemoryChunk): void;
  delete(keys: readonly string[]): void;
  /** Forgets every entry of a site (admin purge). */
  deleteSite(site: string): void;
  /** Entries and their estimated bytes (admin stats, specs). */
  size(): { entries: number; bytes: number };
}

export interface ChunkMemoryOptions {
  /** Budget for the estimated bytes of all entries. */
  maxBytes: number;
}

/** Bytes a sample costs held as two JS doubles, and a chunk's fixed overhead (measured, bench). */
const BYTES_PER_SAMPLE = 16;
const BYTES_PER_SERIES = 96;
const BYTES_PER_ENTRY = 256;

/** What a chunk is counted as against the budget: its arrays, point names and bookkeeping. */
export function estimateChunkBytes(series: readonly ChunkSeries[]): number {
  let bytes = BYTES_PER_ENTRY;
  for (const s of series) bytes += BYTES_PER_SERIES + 2 * s.point.length + BYTES_PER_SAMPLE * s.t.length;
  return bytes;
}

/** Creates an empty memory tier. */
export function createChunkMemory(options: ChunkMemoryOptions): ChunkMemory {
  const lru = createByteLru<MemoryChunk>({
    maxBytes: options.maxBytes,
    sizeOf: (c) => estimateChunkBytes(c.series),
  });
  return {
    get: (key, now) => lru.get(key, now),
    set: (key, chunk) => lru.set(key, chunk),
    delete: (keys) => lru.delete(keys),
    deleteSite: (site) => lru.deleteWhere((c) => c.site === site),
    size: () => lru.size(),
  };
}
