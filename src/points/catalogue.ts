// A site's points catalogue for dashboards: ACE's configured points (every page, via the ACE
// client) described with display names, one listing per site kept briefly in the isolate for
// every caller whose access to the site is proven (site-access.ts: the page route proves it
// here, the read paths before they list), so a new caller costs no listing while the site's is
// fresh; and the pure search and keyset paging behind `GET /api/sites/{site}/points`.
import type { AceClient } from '../ace/client.ts';
import type { AcePointInfo } from '../ace/parse.ts';
import type { SiteAccess } from '../cache/site-access.ts';
import type { Clock } from '../clock.ts';
import { type AppError, err, ok, type Result } from '../errors.ts';
import type { Caller } from '../requests.ts';
import { describePoint } from './display-name.ts';

/** One point as the API lists it. */
export interface PointItem {
  name: string;
  display_name: string;
  equipment: string | null;
  unit: string | null;
  collect_interval_s: number | null;
  collect_enabled: boolean;
}

/** A listing request: a case-insensitive search, a page size, a cursor from the previous page. */
export interface PointsQuery {
  search?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** One page of the listing. */
export interface PointsPage {
  items: PointItem[];
  next_cursor: string | null;
}

/** The isolate's cache of described catalogues, one per site. */
export interface CatalogueCache {
  /** A fresh listing (younger than ttlMs). */
  get(site: string, now: number): readonly PointItem[] | undefined;
  /** A listing younger than ttlMs + staleMs: only for when ACE cannot be asked (stale-if-error). */
  getStale(site: string, now: number): readonly PointItem[] | undefined;
  set(site: string, items: readonly PointItem[], now: number): void;
}

export interface CatalogueCacheOptions {
  /** How long a listing is served without asking ACE again (default 60 s). */
  ttlMs?: number;
  /** At most this many (principal, site) listings are kept; the oldest go first (default 64). */
  maxEntries?: number;
  /**
   * How long past its TTL a listing may still answer when ACE fails transiently (default 1 h):
   * a cached read then needs ACE only for what is not cached (measured under load).
   */
  staleMs?: number;
}

/** The catalogue service. */
export interface PointsCatalogue {
  /**
   * Every point of the site, described, in ACE's order. The caller's access must be proven
   * already (the read paths' assessment does it): the listing is the site's, shared.
   */
  list(site: string, caller: Caller): Promise<Result<readonly PointItem[]>>;
  /** One page of the (searched) listing, once the caller's access to the site is proven. */
  page(site: string, caller: Caller, query: PointsQuery): Promise<Result<PointsPage>>;
}

export interface PointsCatalogueOptions {
  ace: Pick<AceClient, 'listConfiguredPoints'>;
  clock: Clock;
  cache: CatalogueCache;
  access: Pick<SiteAccess, 'ensure'>;
}

/** ACE failures that say nothing about the caller or the site: a stale listing may answer them. */
const TRANSIENT: ReadonlySet<string> = new Set([
  'upstream_error',
  'upstream_timeout',
  'unavailable',
  'rate_limited',
]);

/** Creates a bounded per-isolate cache (entries expire after ttlMs; the oldest are evicted first). */
export function createCatalogueCache(options: CatalogueCacheOptions = {}): CatalogueCache {
  const ttlMs = options.ttlMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 64;
  const staleMs = options.staleMs ?? 3_600_000;
  const entries = new Map<string, { at: number; items: readonly PointItem[] }>();
  return {
    get(site, now) {
      const hit = entries.get(site);
      if (!hit || now - hit.at >= ttlMs || now < hit.at) return undefined;
      return hit.items;
    },
    getStale(site, now) {
      const key = site;
      const hit = entries.get(key);
      if (!hit) return undefined;
      if (now - hit.at >= ttlMs + staleMs || now < hit.at) {
        entries.delete(key);
        return undefined;
      }
      return hit.items;
    },
    set(site, items, now) {
      const key = site;
      entries.delete(key);
      entries.set(key, { at: now, items });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
    },
  };
}

/** Describes one ACE point for the API. */
export function toPointItem(point: AcePointInfo): PointItem {
  const described = describePoint(point);
  return {
    name: point.name,
    display_name: described.display_name,
    equipment: described.equipment,
    unit: described.unit,
    collect_interval_s: point.collect_interval,
    collect_enabled: point.collect_enabled,
  };
}

/** Where a page ends: the position and name of its last item in the catalogue. */
interface CursorPosition {
  i: number;
  n: string;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Encodes a keyset cursor (opaque to clients: base64url of a small JSON). */
export function encodePointsCursor(position: CursorPosition): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify({ v: 1, i: position.i, n: position.n })));
}

/** Decodes a cursor this service issued; null for anything else. */
export function decodePointsCursor(cursor: string): CursorPosition | null {
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(cursor)) return null;
  try {
    const padded = cursor.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(padded + '='.repeat((4 - (padded.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
    const parsed: unknown = JSON.parse(
      new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes),
    );
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { v, i, n } = parsed as Record<string, unknown>;
    if (v !== 1 || typeof i !== 'number' || !Number.isSafeInteger(i) || i < 0 || typeof n !== 'string')
      return null;
    return { i, n };
  } catch {
    return null;
  }
}

const badCursor: AppError = {
  kind: 'invalid_input',
  message: 'invalid request',
  issues: [{ path: 'cursor', message: 'is not a cursor this API issued' }],
};

/**
 * Searches and pages a described catalogue. The search is a case-insensitive substring of the
 * name or the display name; the cursor resumes after the previous page's last item (found again
 * by name if the catalogue shifted), so paging never repeats an item of an unchanged catalogue.
 */
export function pagePoints(items: readonly PointItem[], query: PointsQuery): Result<PointsPage> {
  let start = 0;
  if (query.cursor !== undefined) {
    const at = decodePointsCursor(query.cursor);
    if (!at) return err(badCursor);
    if (items[at.i]?.name === at.n) start = at.i + 1;
    else {
      const found = items.findIndex((p) => p.name === at.n);
      start = found >= 0 ? found + 1 : Math.min(at.i + 1, items.length);
    }
  }
  const needle = query.search?.trim().toLowerCase() ?? '';
  const matches = (p: PointItem) =>
    needle === '' || p.name.toLowerCase().includes(needle) || p.display_name.toLowerCase().includes(needle);
  const page: PointItem[] = [];
  let last = -1;
  let more = false;
  for (let k = start; k < items.length; k++) {
    const item = items[k];
    if (!item || !matches(item)) continue;
    if (page.length === query.limit) {
      more = true;
      break;
    }
    page.push(item);
    last = k;
  }
  const lastItem = items[last];
  return ok({
    items: page,
    next_cursor: more && lastItem ? encodePointsCursor({ i: last, n: lastItem.name }) : null,
  });
}

/** Creates the catalogue over the ACE client and the isolate's cache. */
export function createPointsCatalogue(options: PointsCatalogueOptions): PointsCatalogue {
  const { ace, clock, cache } = options;
  async function list(site: string, caller: Caller): Promise<Result<readonly PointItem[]>> {
    const cached = cache.get(site, clock.now());
    if (cached) return ok(cached);
    const listed = await ace.listConfiguredPoints(site, caller.token);
    if (!listed.ok) {
      // ACE failing (not refusing) should not fail what the cache can answer: serve the last listing.
      const stale = TRANSIENT.has(listed.error.kind) ? cache.getStale(site, clock.now()) : undefined;
      return stale ? ok(stale) : listed;
    }
    const items = listed.value.value.points.map(toPointItem);
    cache.set(site, items, clock.now());
    return ok(items);
  }
  return {
    list,
    async page(site, caller, query) {
      // A malformed cursor is the caller's mistake: answer it before asking ACE anything.
      if (query.cursor !== undefined && !decodePointsCursor(query.cursor)) return err(badCursor);
      const allowed = await options.access.ensure(caller, site);
      if (!allowed.ok) return allowed;
      const all = await list(site, caller);
      return all.ok ? pagePoints(all.value, query) : all;
    },
  };
}
