// Day chunks (the query-frontend technique): a request's range is split at UTC day boundaries so
// sliding dashboards reuse cached days and fetch only the gaps, and each chunk gets a TTL by
// recency (review 3, 4). Pure; where chunks are stored is the result cache's business.
import type { ColumnSeries } from '../encoding/layout.ts';

export const DAY_MS = 86_400_000;
/** Data younger than this may still change upstream (late samples), so it is never long-cached. */
export const RECENT_WINDOW_MS = 10 * 60_000;
/** The longest a chunk touching the recent window may be cached. */
export const MAX_RECENT_TTL_MS = 60_000;

/** A half-open range [startMs, endMs) inside one UTC day. */
export interface Chunk {
  startMs: number;
  endMs: number;
}

/** A chunk with its freshness: `ttlMs` 0 means "serve but do not cache". */
export interface PlannedChunk extends Chunk {
  recent: boolean;
  ttlMs: number;
}

export interface TtlPolicy {
  historyTtlMs: number;
  recentTtlMs: number;
}

/** Splits [startMs, endMs) at UTC midnights; empty for an empty range. */
export function splitAtDays(startMs: number, endMs: number): Chunk[] {
  const chunks: Chunk[] = [];
  let cursor = startMs;
  while (cursor < endMs) {
    const nextMidnight = Math.floor(cursor / DAY_MS) * DAY_MS + DAY_MS;
    const end = Math.min(nextMidnight, endMs);
    chunks.push({ startMs: cursor, endMs: end });
    cursor = end;
  }
  return chunks;
}

/** History (ended more than 10 minutes ago) keeps the long TTL; anything newer at most 60 s. */
export function chunkFreshness(chunk: Chunk, nowMs: number, policy: TtlPolicy): PlannedChunk {
  const recent = chunk.endMs > nowMs - RECENT_WINDOW_MS;
  const ttlMs = recent ? Math.max(0, Math.min(policy.recentTtlMs, MAX_RECENT_TTL_MS)) : policy.historyTtlMs;
  return { ...chunk, recent, ttlMs };
}

/** The chunks of a request with their freshness, in time order. */
export function planChunks(startMs: number, endMs: number, nowMs: number, policy: TtlPolicy): PlannedChunk[] {
  return splitAtDays(startMs, endMs).map((c) => chunkFreshness(c, nowMs, policy));
}

/** Splits series (each sorted by time) into the given chunks' parts, keyed by chunk start. */
export function splitByChunk(
  series: readonly ColumnSeries[],
  chunks: readonly Chunk[],
): Map<number, ColumnSeries[]> {
  const out = new Map<number, ColumnSeries[]>(chunks.map((c) => [c.startMs, [] as ColumnSeries[]]));
  for (const s of series) {
    let i = 0;
    for (const c of chunks) {
      const t: number[] = [];
      const v: number[] = [];
      while (i < s.t.length && (s.t[i] as number) < c.endMs) {
        if ((s.t[i] as number) >= c.startMs) {
          t.push(s.t[i] as number);
          v.push(s.v[i] as number);
        }
        i++;
      }
      out.get(c.startMs)?.push({ point: s.point, t, v });
    }
  }
  return out;
}
