// Plain-fetch helpers for the workflow steps of scenarios (warm-up, polling a job, reading
// /_mock/stats, waiting for a server to go idle): every call under a timeout, bodies always
// consumed. Not the load itself (run-autocannon.ts).

const DEFAULT_TIMEOUT_MS = 10_000;

export interface FetchJsonResult {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  body: unknown;
}

/** Fetches `url` and parses the body as JSON when it is JSON; rejects on network errors and timeouts. */
export async function fetchJson(
  url: string,
  init: RequestInit = {},
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<FetchJsonResult> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body };
}

/**
 * Sends `count` sequential requests and returns the statuses seen, so a scenario starts measuring
 * after one-time costs (first-request compilation in workerd, connection set-up, lazy module init).
 */
export async function warmUp(
  url: string,
  init: RequestInit = {},
  count = 5,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  return statuses;
}

/** One request's wall time in ms, body included; Infinity when it failed or timed out. */
async function timedGet(url: string, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return performance.now() - t0;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** The median wall time of `count` sequential GETs of `url` (an idle server's latency, ms). */
export async function medianLatencyMs(url: string, count = 9): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(await timedGet(url, DEFAULT_TIMEOUT_MS));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.POSITIVE_INFINITY;
}

/** How a wait for an idle server ended. */
export interface IdleWait {
  settled: boolean;
  waitedMs: number;
  probes: number;
}

/**
 * Sends GETs of `url` one at a time until one answers within `quietMs`, up to `timeoutMs`. A
 * server that queues requests (one isolate under wrangler dev) keeps working on a finished run's
 * backlog after its client hung up; a probe answers quickly only once that queue is empty.
 */
export async function waitForIdle(url: string, quietMs: number, timeoutMs = 60_000): Promise<IdleWait> {
  const t0 = performance.now();
  let probes = 0;
  while (performance.now() - t0 < timeoutMs) {
    probes++;
    const remaining = timeoutMs - (performance.now() - t0);
    if ((await timedGet(url, Math.max(1, Math.min(DEFAULT_TIMEOUT_MS, remaining)))) <= quietMs)
      return { settled: true, waitedMs: Math.round(performance.now() - t0), probes };
    await new Promise((r) => setTimeout(r, 100));
  }
  return { settled: false, waitedMs: Math.round(performance.now() - t0), probes };
}

/** Narrows an unknown JSON value to a plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
