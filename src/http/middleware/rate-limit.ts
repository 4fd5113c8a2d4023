// Per-principal rate limits through the Workers Rate Limiting bindings (review 40, architecture
// A1): the `rateLimits` service (built in services.ts over the two bindings) and the middleware
// and helper that apply it. A limiter that fails or hangs never fails a request: the request is
// allowed and the failure logged. Owns no auth: it runs after callerAuth has set the principal.
import type { Context, MiddlewareHandler } from 'hono';
import { err, ok, type Result, unwrap } from '../../errors.ts';
import { describeError, type Logger } from '../../obs/log.ts';
import type { AppEnv } from '../context.ts';

/** Which budget a request draws on: every /api call, or job submission (stricter). */
export type RateLimitScope = 'api' | 'jobs';

/** What a limiter said about one request. */
export type RateDecision =
  | { outcome: 'allowed' }
  | { outcome: 'limited'; retryAfterSeconds: number }
  | { outcome: 'limiter_failed'; error: unknown };

/** The rate-limit service: one check per request and scope, keyed by principal. */
export interface RateLimits {
  check(scope: RateLimitScope, principal: string): Promise<RateDecision>;
  /** check as a Result: rate_limited (with Retry-After) when spent; a failed limiter admits (logged). */
  admit(scope: RateLimitScope, principal: string, log: Logger): Promise<Result<void>>;
}

export interface RateLimitsOptions {
  /** The bindings: RATE_LIMITER and JOB_RATE_LIMITER. */
  limiters: Record<RateLimitScope, RateLimit>;
  /** Each binding's period in seconds (wrangler.toml `simple.period`): the Retry-After. */
  periodSeconds: Record<RateLimitScope, number>;
  /** A limiter call slower than this counts as failed (the request goes ahead). */
  timeoutMs?: number;
}

/** A limiter call normally answers in well under a millisecond; this only bounds a stuck one. */
export const RATE_LIMIT_TIMEOUT_MS = 1_000;

/** Creates the rate-limit service over the two bindings. */
export function createRateLimits(options: RateLimitsOptions): RateLimits {
  const timeoutMs = options.timeoutMs ?? RATE_LIMIT_TIMEOUT_MS;
  const limits: RateLimits = {
    async admit(scope, principal, log) {
      const decision = await limits.check(scope, principal);
      switch (decision.outcome) {
        case 'allowed':
          return ok(undefined);
        case 'limited':
          return err({
            kind: 'rate_limited',
            message: scope === 'jobs' ? 'too many job submissions' : 'too many requests',
            retryAfterSeconds: decision.retryAfterSeconds,
          });
        case 'limiter_failed':
          log.warn('rate_limiter_failed', { scope, ...describeError(decision.error) });
          return ok(undefined);
      }
    },
    async check(scope, principal) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`rate limiter timed out after ${timeoutMs} ms`)),
            timeoutMs,
          );
        });
        const { success } = await Promise.race([options.limiters[scope].limit({ key: principal }), timeout]);
        return success
          ? { outcome: 'allowed' }
          : { outcome: 'limited', retryAfterSeconds: options.periodSeconds[scope] };
      } catch (error) {
        return { outcome: 'limiter_failed', error };
      } finally {
        if (timer !== undefined) clearTimeout(timer);
      }
    },
  };
  return limits;
}

/**
 * Draws one request from the caller's budget for `scope`; throws rate_limited (429 with
 * Retry-After) when it is spent. Needs c.var.principal (callerAuth). For handlers that decide
 * late that a request becomes a job (estimated too large): call it before enqueueing.
 */
export async function enforceRateLimit(c: Context<AppEnv>, scope: RateLimitScope): Promise<void> {
  unwrap(await c.env.services.rateLimits.admit(scope, c.var.principal, c.var.log));
}

export interface RateLimitMiddlewareOptions {
  /** Only requests for which this returns true draw on the budget (default: all). */
  when?: (c: Context<AppEnv>) => boolean;
}

/** Middleware form of enforceRateLimit: `rateLimit('api')` on /api/*; `rateLimit('jobs', ...)` on job routes. */
export function rateLimit(
  scope: RateLimitScope,
  options: RateLimitMiddlewareOptions = {},
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!options.when || options.when(c)) await enforceRateLimit(c, scope);
    await next();
  };
}
