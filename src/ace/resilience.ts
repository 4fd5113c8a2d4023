// Isolate-level upstream state for one ACE base URL: the circuit breaker (cockatiel) and the map
// of in-flight calls that identical callers share (review 27, 28, 45). Created once per isolate in
// services.ts and handed to every client built for that URL; owns no HTTP and no retry timing.
import {
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type IBackoff,
  type IBackoffFactory,
  isTaskCancelledError,
} from 'cockatiel';
import type { Clock } from '../clock.ts';
import type { AppError } from '../errors.ts';

/** What /health reports about ACE without calling it. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * A failure that says something about ACE's health (5xx/52x, network error, a malformed or
 * truncated body): thrown inside the policies so the breaker counts it and retries may repeat it.
 * Definitive answers (401, 403, 404, 429, budgets) are returned as values instead, so they count
 * as ACE being up.
 */
export class AceFailure extends Error {
  readonly appError: AppError;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(appError: AppError, options: { retryable: boolean; retryAfterMs?: number | undefined }) {
    super(appError.message);
    this.name = 'AceFailure';
    this.appError = appError;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export interface AceUpstreamOptions {
  clock: Clock;
  /** Consecutive failed attempts that open the breaker (default 5). */
  breakerThreshold?: number;
  /** How long the breaker stays open before one probe may pass (default 15 s). */
  halfOpenAfterMs?: number;
}

/** The shared state; `inFlight` values never reject (they hold Results). */
export interface AceUpstream {
  readonly breaker: CircuitBreakerPolicy;
  readonly inFlight: Map<string, Promise<unknown>>;
  /** closed, open, or half-open (open, but the next call will probe). */
  state(): BreakerState;
}

export const DEFAULT_BREAKER_THRESHOLD = 5;
export const DEFAULT_HALF_OPEN_AFTER_MS = 15_000;

/**
 * cockatiel asks "is Date.now() - openedAt < backoff.duration?". This backoff answers from the
 * injected clock instead, so specs move time without fake timers: its duration is +∞ while the
 * clock says the breaker must stay open and -∞ once the delay has passed.
 */
function clockedHalfOpen(
  clock: Clock,
  delayMs: number,
  onOpen: (at: number) => void,
): IBackoffFactory<unknown> {
  const make = (): IBackoff<unknown> => {
    const openedAt = clock.now();
    onOpen(openedAt);
    return {
      get duration() {
        return clock.now() - openedAt < delayMs ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
      },
      next: make,
    };
  };
  return { next: make };
}

/** Creates the breaker and in-flight map for one ACE base URL. */
export function createAceUpstream(options: AceUpstreamOptions): AceUpstream {
  const { clock } = options;
  const halfOpenAfterMs = options.halfOpenAfterMs ?? DEFAULT_HALF_OPEN_AFTER_MS;
  let openedAt = 0;
  const breaker = circuitBreaker(
    handleWhen((e) => e instanceof AceFailure || isTaskCancelledError(e)),
    {
      breaker: new ConsecutiveBreaker(options.breakerThreshold ?? DEFAULT_BREAKER_THRESHOLD),
      halfOpenAfter: clockedHalfOpen(clock, halfOpenAfterMs, (at) => {
        openedAt = at;
      }),
    },
  );
  return {
    breaker,
    inFlight: new Map(),
    state() {
      switch (breaker.state) {
        case CircuitState.Closed:
          return 'closed';
        case CircuitState.HalfOpen:
          return 'half-open';
        case CircuitState.Open:
          return clock.now() - openedAt >= halfOpenAfterMs ? 'half-open' : 'open';
        case CircuitState.Isolated:
          return 'open';
      }
    },
  };
}
