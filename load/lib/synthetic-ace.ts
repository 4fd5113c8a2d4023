// Client for the synthetic ACE's test-only routes (`/_mock/stats`, `/_mock/faults`) that scenarios
// use to count upstream requests and inject failures. Local targets only: against staging there is
// no synthetic ACE, and callers skip these checks. Not the ACE routes themselves.
import type { AceFaultSpec } from '../../fixtures/ace/faults.ts';
import { fetchJson, isRecord } from './http.ts';

/** `GET /_mock/stats`: requests served per route since the last reset. */
export interface MockStats {
  requests: Record<string, number>;
  total: number;
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
  return { requests, total: body.total };
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
