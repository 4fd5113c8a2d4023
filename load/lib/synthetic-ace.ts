// Client for the synthetic ACE's test-only routes (`/_mock/stats`, `/_mock/faults`) that scenarios
// use to count upstream requests and inject failures. Local targets only: against staging there is
// no synthetic ACE, and callers skip these checks. Not the ACE routes themselves.
import type { AceFaultSpec } from '../../fixtures/ace/faults.ts';
import type { AceRequestRecord } from '../../fixtures/ace/stats.ts';
import { fetchJson, isRecord } from './http.ts';

/**
 * `GET /_mock/stats`: requests served per route since the last reset, and the most recent ones
 * (up to the mock's RECENT_LIMIT, 1000) with the window and points each asked for.
 */
export interface MockStats {
  requests: Record<string, number>;
  total: number;
  recent: AceRequestRecord[];
}

/** `POST /_mock/faults` body: the synthetic ACE's own type, so the two cannot drift. */
export type MockFaults = AceFaultSpec;

/** Reads the counters; throws when the answer is not the documented shape. */
export async function getMockStats(aceUrl: string): Promise<MockStats> {
  const res = await fetchJson(`${aceUrl}/_mock/stats`);
  const body = res.body;
  if (res.status !== 200 || !isRecord(body) || !isRecord(body.requests) || typeof body.total !== 'number') {
    throw new Error(`GET ${aceUrl}/_mock/stats answered ${res.status} without {requests, total}`);
  }
  const requests: Record<string, number> = {};
  for (const [route, n] of Object.entries(body.requests)) if (typeof n === 'number') requests[route] = n;
  const recent = Array.isArray(body.recent)
    ? (body.recent.filter(isRecord) as unknown as AceRequestRecord[])
    : [];
  return { requests, total: body.total, recent };
}

/** Zeroes the counters. */
export async function resetMockStats(aceUrl: string): Promise<void> {
  const res = await fetchJson(`${aceUrl}/_mock/stats/reset`, { method: 'POST' });
  if (res.status >= 300) throw new Error(`POST ${aceUrl}/_mock/stats/reset answered ${res.status}`);
}

/** Injects failures into the next requests (see MockFaults). */
export async function setMockFaults(aceUrl: string, faults: MockFaults): Promise<void> {
  const res = await fetchJson(`${aceUrl}/_mock/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  if (res.status >= 300) throw new Error(`POST ${aceUrl}/_mock/faults answered ${res.status}`);
}

/** Clears any injected failures. */
export async function clearMockFaults(aceUrl: string): Promise<void> {
  const res = await fetchJson(`${aceUrl}/_mock/faults`, { method: 'DELETE' });
  if (res.status >= 300) throw new Error(`DELETE ${aceUrl}/_mock/faults answered ${res.status}`);
}

/** Sums the counters of every route whose key contains `fragment` (keys are the server's choice). */
export function countRoute(stats: MockStats, fragment: string): number {
  let n = 0;
  for (const [route, count] of Object.entries(stats.requests)) if (route.includes(fragment)) n += count;
  return n;
}

/** The timeseries routes of ACE (what a cache miss costs upstream). */
export const TIMESERIES_ROUTES = ['get_timeseries', 'paginated'] as const;

/** How often each (point, chunk) of a request was fetched from ACE, by the recorded requests. */
export interface Coverage {
  /** (point × chunk) cells examined. */
  cells: number;
  /** Cells fetched exactly once / never / more than once. */
  once: number;
  never: number;
  repeated: number;
  /** The largest number of times one cell was fetched (in whole-cell equivalents). */
  maxTimes: number;
}

/**
 * For each point and each [start, end) chunk, sums the milliseconds of it that ACE was asked for
 * (get_timeseries calls naming the point; first pages of the paginated route, which carry every
 * point of the site) and divides by the chunk's length: 1 means fetched exactly once. Records
 * without a parsed window are ignored; later pages of a paginated fetch (with a cursor) are the
 * same fetch and not counted again. `stats.recent` holds at most the last 1000 ACE requests.
 */
export function upstreamCoverage(
  stats: MockStats,
  points: readonly string[],
  chunks: readonly { startMs: number; endMs: number }[],
): Coverage {
  const out: Coverage = { cells: 0, once: 0, never: 0, repeated: 0, maxTimes: 0 };
  for (const point of points) {
    for (const chunk of chunks) {
      let ms = 0;
      for (const r of stats.recent) {
        if (r.start_ms === undefined || r.end_ms === undefined) continue;
        const names =
          r.route === 'get_timeseries'
            ? r.points
            : r.route === 'paginated' && !r.cursor
              ? [point]
              : undefined;
        if (!names?.includes(point)) continue;
        ms += Math.max(0, Math.min(r.end_ms, chunk.endMs) - Math.max(r.start_ms, chunk.startMs));
      }
      const times = ms / (chunk.endMs - chunk.startMs);
      out.cells++;
      if (times === 0) out.never++;
      else if (Math.abs(times - 1) < 1e-9) out.once++;
      else out.repeated++;
      out.maxTimes = Math.max(out.maxTimes, Math.round(times * 100) / 100);
    }
  }
  return out;
}

/** ACE timeseries requests (both routes) recorded since the last reset. */
export function timeseriesCalls(stats: MockStats): number {
  return TIMESERIES_ROUTES.reduce((n, route) => n + (stats.requests[route] ?? 0), 0);
}
