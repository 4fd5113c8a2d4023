// Retry delays for jobs (review 20, 21): exponential backoff with full jitter, base and cap per
// priority, never below an upstream Retry-After, within Queues' 12-hour delay limit. Pure: the
// random draw is a parameter.

/** Queues refuse delays above 12 hours. */
export const MAX_QUEUE_DELAY_S = 12 * 3600;

export interface BackoffPolicy {
  baseSeconds: number;
  capSeconds: number;
}

/** High priority retries sooner and caps lower; normal waits longer. */
export const BACKOFF_BY_PRIORITY: Record<'normal' | 'high', BackoffPolicy> = {
  normal: { baseSeconds: 10, capSeconds: 900 },
  high: { baseSeconds: 2, capSeconds: 120 },
};

/**
 * Delay before attempt `attempt + 1` (attempt ≥ 1 is the attempt that just failed): a uniform draw
 * from [0, min(cap, base·2^(attempt-1))] ("full jitter"), at least `retryAfterSeconds`, whole seconds.
 */
export function retryDelaySeconds(
  attempt: number,
  policy: BackoffPolicy,
  random: number,
  retryAfterSeconds = 0,
): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const ceiling = Math.min(policy.capSeconds, policy.baseSeconds * 2 ** exponent);
  const jittered = Math.floor(Math.min(Math.max(random, 0), 1) * ceiling);
  const floor = Math.max(0, Math.ceil(retryAfterSeconds));
  return Math.min(MAX_QUEUE_DELAY_S, Math.max(jittered, floor));
}
