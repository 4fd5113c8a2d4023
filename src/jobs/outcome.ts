// The queue edge's one mapping from an application error to what happens to the job and its
// message: `fail` (permanent: record it, ack) or `retry` (transient: back off, redeliver). A switch
// with no default, so a new AppError arm breaks the build until the queue edge decides it. Pure;
// owns no store writes and no delays (consumer.ts and backoff.ts do those).
import type { AppError } from '../errors.ts';

/** What the consumer does with a job that ended in `error`. */
export type QueueOutcome =
  | { action: 'fail' }
  /** `retryAfterSeconds`: a floor the upstream asked for (0 when it said nothing). */
  | { action: 'retry'; retryAfterSeconds: number };

const FAIL: QueueOutcome = { action: 'fail' };
const RETRY: QueueOutcome = { action: 'retry', retryAfterSeconds: 0 };

/** Permanent or transient, for one application error. */
export function queueOutcomeOf(error: AppError): QueueOutcome {
  switch (error.kind) {
    // The request or the token is wrong: another attempt would be refused the same way.
    case 'invalid_input':
    case 'unauthorized':
    case 'forbidden':
    case 'not_found':
    case 'method_not_allowed':
    case 'not_acceptable':
    case 'conflict':
    case 'gone':
    case 'unsupported_media_type':
    case 'range_not_satisfiable':
      return FAIL;
    // A page or byte budget was exceeded: the same request would exceed it again.
    case 'payload_too_large':
      return FAIL;
    case 'rate_limited':
      return { action: 'retry', retryAfterSeconds: Math.max(0, error.retryAfterSeconds) };
    // ACE refusing what we built (a 4xx other than 408/429) is permanent; 5xx, 408 and
    // transport failures (no status) are worth another attempt.
    case 'upstream_error':
      return error.status !== undefined && error.status >= 400 && error.status < 500 && error.status !== 408
        ? FAIL
        : RETRY;
    case 'upstream_timeout':
    case 'unavailable':
    case 'db_timeout':
    case 'db_error':
      return RETRY;
  }
}
