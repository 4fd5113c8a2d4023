// Pure retry timing for ACE calls: exponential backoff with full jitter, and `Retry-After`
// (seconds or an HTTP date) honoured exactly unless it exceeds a cap, in which case the call is
// not retried at all. cockatiel runs the retry loop; this only says how long to wait.

/** How retries are timed. */
export interface BackoffOptions {
  /** First backoff ceiling in ms; attempt n waits a random share of base · 2^(n-1). */
  baseMs: number;
  /** No backoff ceiling exceeds this. */
  maxMs: number;
  /** A Retry-After longer than this is not waited for: the call gives up and reports it. */
  retryAfterCapMs: number;
}

/**
 * Parses a Retry-After header (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) into ms from
 * `nowMs`; undefined when absent or unreadable. Dates in the past mean "now" (0).
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

/** Whether a failure that asked for `retryAfterMs` may be retried at all. */
export function retryAfterAllowsRetry(retryAfterMs: number | undefined, options: BackoffOptions): boolean {
  return retryAfterMs === undefined || retryAfterMs <= options.retryAfterCapMs;
}

/**
 * The wait before retry `attempt` (1 for the first retry): exactly Retry-After when the upstream
 * gave one (never sooner), else full jitter — uniform in [0, min(max, base · 2^(attempt-1))).
 */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | undefined,
  options: BackoffOptions,
  random: () => number,
): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(Math.min(0.999_999, Math.max(0, random())) * ceiling);
}
