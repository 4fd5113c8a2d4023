// Cache and request keys (review 2): a SHA-256 (Web Crypto) of an unambiguous canonical form, so
// collisions are impossible in practice and no caller string reaches an R2 object path unescaped.
// Owns key derivation only; where objects live and for how long is result-cache.ts's business.

/** Bumped whenever the stored chunk encoding changes, so old objects are never misread. */
export const CACHE_ENCODING_VERSION = 1;

import { sha256Hex } from '../hash.ts';
import type { Interval } from '../timeseries/intervals.ts';

/** One chunk of one request: the unit the cache stores. */
export interface ChunkKeyInput {
  site: string;
  points: readonly string[];
  startMs: number;
  endMs: number;
  interval: Interval;
  version?: number;
}

/** A site name that may appear verbatim in an object path; anything else is hashed. */
const SAFE_SITE = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The sorted, de-duplicated point set: order and repetition never change a key. */
export function canonicalPoints(points: readonly string[]): string[] {
  return [...new Set(points)].sort();
}

/**
 * The canonical text of a chunk request. JSON of a fixed-shape array: string escaping is injective
 * and every field has its own position, so no two different requests share a text (unlike a bare
 * join, where `a,b`+`c` and `a`+`b,c` collide).
 */
export function canonicalChunk(input: ChunkKeyInput): string {
  return JSON.stringify([
    'vitals-edge/chunk',
    input.version ?? CACHE_ENCODING_VERSION,
    input.site,
    canonicalPoints(input.points),
    input.startMs,
    input.endMs,
    input.interval,
  ]);
}

/** The full 64-hex-digit key of a chunk request. */
export function chunkKey(input: ChunkKeyInput): Promise<string> {
  return sha256Hex(canonicalChunk(input));
}

/** The object-path segment for a site: verbatim when plainly safe, else a hash of it. */
export async function siteSegment(site: string): Promise<string> {
  return SAFE_SITE.test(site) ? site : `h-${(await sha256Hex(site)).slice(0, 32)}`;
}

/** The R2 object key of a chunk: `v<version>/<site>/<interval>/<hex>`, at most ~110 characters. */
export async function chunkObjectKey(input: ChunkKeyInput): Promise<string> {
  const version = input.version ?? CACHE_ENCODING_VERSION;
  return `v${version}/${await siteSegment(input.site)}/${input.interval}/${await chunkKey(input)}`;
}
