// The resilience policy of one ACE call (cockatiel; review 27, 28, 45): each attempt under a
// timeout, behind the isolate's circuit breaker, retried with backoff and jitter for failures that
// say ACE is unwell and for 429s, Retry-After honoured exactly unless over its cap (then no
// retry). Retries and failures are logged by route; every failure becomes an AppError, so a call
// resolves with a Result and never rejects for an upstream failure. Owns no HTTP (attempt.ts).
import {
  DelegateBackoff,
  handleWhen,
  type IRetryBackoffContext,
  isBrokenCircuitError,
  isTaskCancelledError,
  type RetryPolicy,
  retry,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import { type AppError, err, type Result } from '../errors.ts';
import type { Logger } from '../obs/log.ts';
import type { Attempted, Body } from './attempt.ts';
import { type BackoffOptions, retryAfterAllowsRetry, retryDelayMs } from './backoff.ts';
import type { AceRouteName } from './calls.ts';
import { AceFailure, type AceUpstream } from './resilience.ts';

export interface PolicyOptions {
  /** The isolate's breaker for this base URL. */
  upstream: AceUpstream;
  /** Per-attempt timeout, covering the response body. */
  timeoutMs: number;
  /** Retries after the first attempt. */
  retries: number;
  backoff: BackoffOptions;
  /** Jitter source. */
  random: () => number;
  log: Logger;
}

/** A call's result and how many attempts (HTTP requests) it took. */
export interface Outcome {
  result: Result<Body>;
  attempts: number;
}

/** Runs one call's attempts (`attempt` gets each one's abort signal) under the policy. */
export type RunCall = (
  route: AceRouteName,
  attempt: (signal: AbortSignal) => Promise<Attempted>,
) => Promise<Outcome>;

/** The Retry-After of the answer being retried: a thrown AceFailure's, or a returned 429's. */
function retryAfterOf(ctx: IRetryBackoffContext<unknown>): number | undefined {
  const reason = ctx.result;
  if ('error' in reason) return reason.error instanceof AceFailure ? reason.error.retryAfterMs : undefined;
  return (reason.value as Attempted).retryAfterMs;
}

/** Retries retryable AceFailures and 429s, unless ACE asked to wait longer than the cap. */
function retryPolicy(options: PolicyOptions): RetryPolicy {
  const { backoff, random } = options;
  return retry(
    handleWhen(
      (e) => e instanceof AceFailure && e.retryable && retryAfterAllowsRetry(e.retryAfterMs, backoff),
    ).orWhenResult((r) => {
      const { result, retryAfterMs } = r as Attempted;
      return (
        !result.ok && result.error.kind === 'rate_limited' && retryAfterAllowsRetry(retryAfterMs, backoff)
      );
    }),
    {
      maxAttempts: options.retries,
      backoff: new DelegateBackoff((ctx: IRetryBackoffContext<unknown>) =>
        retryDelayMs(ctx.attempt, retryAfterOf(ctx), backoff, random),
      ),
    },
  );
}

/** The AppError a rejected policy run stands for; rethrows anything that is not an upstream failure. */
function failureError(e: unknown, timeoutMs: number): AppError {
  if (e instanceof AceFailure) return e.appError;
  // Decided: 503 `unavailable` (no upstream call was made; retry later), not a 502.
  if (isBrokenCircuitError(e)) {
    return { kind: 'unavailable', message: 'ACE is failing; the circuit breaker is open', dependency: 'ace' };
  }
  if (isTaskCancelledError(e)) {
    return { kind: 'upstream_timeout', message: `ACE did not answer within ${timeoutMs} ms` };
  }
  throw e;
}

/** Creates the policy runner: retry → breaker → timeout around each call's attempts. */
export function createCallPolicy(options: PolicyOptions): RunCall {
  const { upstream, timeoutMs, log } = options;
  const perAttempt = timeout(timeoutMs, TimeoutStrategy.Aggressive);
  return async (route, attempt) => {
    let attempts = 0;
    const retrying = retryPolicy(options);
    const listener = retrying.onRetry((e) => {
      const status =
        'error' in e && e.error instanceof AceFailure && e.error.appError.kind === 'upstream_error'
          ? e.error.appError.status
          : 'value' in e
            ? 429
            : undefined;
      log.warn('ace_retry', { route, attempt: e.attempt, delay_ms: e.delay, status });
    });
    try {
      const answer = await wrap(retrying, upstream.breaker, perAttempt).execute(({ signal }) => {
        attempts++;
        return attempt(signal);
      });
      return { result: answer.result, attempts };
    } catch (e) {
      const error = failureError(e, timeoutMs);
      log.warn('ace_failure', {
        route,
        kind: error.kind,
        status: error.kind === 'upstream_error' ? error.status : undefined,
        attempts,
      });
      return { result: err(error), attempts };
    } finally {
      listener.dispose();
    }
  };
}
