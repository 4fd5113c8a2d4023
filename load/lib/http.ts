// Plain-fetch helpers for the workflow steps of scenarios (warm-up, polling a job, reading
// /_mock/stats): every call under a timeout, bodies always consumed. Not the load itself
// (run-autocannon.ts).

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

/** Narrows an unknown JSON value to a plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
