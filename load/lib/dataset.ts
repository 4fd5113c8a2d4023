// What the scenarios read: the site (LOAD_SITE, default the synthetic ACE's `demo-small`), its
// point names (asked of the Worker), the "dashboards" built from them, the request paths of the
// Worker's read routes, and time windows — hot ones fixed, cold ones moved to a random day per
// run so that even a stack with a warm cache (or staging) sees them cold. Owns no HTTP load.
import { bearer } from './callers.ts';
import { fetchJson, isRecord } from './http.ts';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** The site every scenario reads; staging runs name a real one with LOAD_SITE. */
export const SITE = process.env.LOAD_SITE?.trim() || 'demo-small';

/** A fixed, always-hot window for caller warm-up: one point, one hour (2026-01-05 00:00–01:00 UTC). */
export const WARM_START_MS = Date.UTC(2026, 0, 5);

/** ISO 8601 of an epoch-ms time, as the routes accept it. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * A random UTC midnight between 2021 and 2025 (about 1800 days), for windows that must be cold:
 * a fresh stack has nothing cached, and a warm one (or staging) almost surely not this day.
 * `LOAD_SEED` fixes it for a reproducible run.
 */
export function coldAnchorMs(): number {
  const seed = process.env.LOAD_SEED ? Number(process.env.LOAD_SEED) : Math.floor(Math.random() * 1e9);
  const day = Math.abs(Math.floor(seed)) % 1800;
  return Date.UTC(2021, 0, 1) + day * DAY_MS;
}

/** How long `sitePoints` waits out 503s (an ACE circuit breaker left open by a previous scenario). */
const UNAVAILABLE_WAIT_MS = 45_000;

/**
 * Every point name of the site (up to `max`), in the Worker's catalogue order. Retries a 503 for
 * up to 45 s: the breaker's half-open delay is 15 s, and a scenario that left it open must not
 * fail the next one's set-up.
 */
export async function sitePoints(baseUrl: string, token: string, max = 1000): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | null = null;
  const until = Date.now() + UNAVAILABLE_WAIT_MS;
  do {
    const q = new URLSearchParams({ limit: '1000', ...(cursor ? { cursor } : {}) });
    const url = `${baseUrl}/api/sites/${encodeURIComponent(SITE)}/points?${q}`;
    let res = await fetchJson(url, { headers: bearer(token) }, 60_000);
    while (res.status === 503 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 2_000));
      res = await fetchJson(url, { headers: bearer(token) }, 60_000);
    }
    if (res.status !== 200 || !isRecord(res.body) || !Array.isArray(res.body.items)) {
      throw new Error(`GET /api/sites/${SITE}/points answered ${res.status}; cannot build dashboards`);
    }
    for (const item of res.body.items)
      if (isRecord(item) && typeof item.name === 'string') names.push(item.name);
    cursor = typeof res.body.next_cursor === 'string' ? res.body.next_cursor : null;
  } while (cursor && names.length < max);
  return names.slice(0, max);
}

/** `count` dashboards of `size` consecutive points each (fewer if the site is small). */
export function dashboards(points: readonly string[], count: number, size: number): string[][] {
  const out: string[][] = [];
  for (let d = 0; d < count && (d + 1) * size <= points.length; d++)
    out.push(points.slice(d * size, (d + 1) * size));
  if (out.length === 0) throw new Error(`site ${SITE} has ${points.length} points; need at least ${size}`);
  return out;
}

/** A [start, end) window in epoch ms. */
export interface Window {
  startMs: number;
  endMs: number;
}

/** The day chunks of a window, as the Worker splits it (at UTC midnights). */
export function dayChunks(w: Window): Window[] {
  const out: Window[] = [];
  for (let t = w.startMs; t < w.endMs; ) {
    const end = Math.min(Math.floor(t / DAY_MS) * DAY_MS + DAY_MS, w.endMs);
    out.push({ startMs: t, endMs: end });
    t = end;
  }
  return out;
}

export interface TimeseriesQuery extends Window {
  points: readonly string[];
  interval?: 'raw' | '5m' | '1h' | '1d';
  format?: 'json' | 'msgpack';
  layout?: 'columns' | 'rows' | 'compact';
}

const sitePath = (suffix: string) => `/api/sites/${encodeURIComponent(SITE)}${suffix}`;

/** `GET /api/sites/{site}/timeseries?...` for a query. */
export function timeseriesGetPath(q: TimeseriesQuery): string {
  const params = new URLSearchParams({
    points: q.points.join(','),
    start: iso(q.startMs),
    end: iso(q.endMs),
    ...(q.interval ? { interval: q.interval } : {}),
    ...(q.layout ? { layout: q.layout } : {}),
  });
  return `${sitePath('/timeseries')}?${params}`;
}

/** The path and JSON body of `POST /api/sites/{site}/timeseries` for a query. */
export function timeseriesPost(q: TimeseriesQuery): { path: string; body: string } {
  return {
    path: sitePath('/timeseries'),
    body: JSON.stringify({
      points: q.points,
      start: iso(q.startMs),
      end: iso(q.endMs),
      ...(q.interval ? { interval: q.interval } : {}),
    }),
  };
}

/** `GET /api/sites/{site}/points?limit=...` (first page). */
export const pointsPath = (limit = 100): string => sitePath(`/points?limit=${limit}`);

/** The Worker's ACE drop-in: one page of the whole site over a window. */
export function paginatedPath(w: Window, pageSize: number, cursor?: string): string {
  const params = new URLSearchParams({
    start_time: iso(w.startMs),
    end_time: iso(w.endMs),
    page_size: String(pageSize),
    raw_data: 'true',
    ...(cursor ? { cursor } : {}),
  });
  return `${sitePath('/timeseries/paginated')}?${params}`;
}

/** The cheap request callers warm up with (proves access once; its chunk is hot after the first). */
export function warmPath(point: string): string {
  return timeseriesGetPath({ points: [point], startMs: WARM_START_MS, endMs: WARM_START_MS + HOUR_MS });
}

/**
 * The cached read of hot-reads and the smoke: a dashboard's points over 3 whole UTC days on a
 * fixed past date (2026-01-01 to 01-04), so its day chunks are immutable and stay cached; after
 * the 2021–2025 days cold windows use, so no cold scenario finds it warm.
 */
export const HOT_READ_WINDOW: Window = { startMs: Date.UTC(2026, 0, 1), endMs: Date.UTC(2026, 0, 4) };
/** Points of the hot read's dashboard. */
export const HOT_READ_POINTS = 4;

/** `GET …/timeseries` of the hot read: raw samples in the JSON columns layout (the default's shape). */
export function hotReadPath(points: readonly string[]): string {
  return timeseriesGetPath({ points, ...HOT_READ_WINDOW, layout: 'columns' });
}

/** Accept headers of the two formats. */
export const ACCEPT = {
  json: { accept: 'application/json' },
  msgpack: { accept: 'application/msgpack' },
} as const;

export const JSON_BODY = { 'content-type': 'application/json' } as const;
