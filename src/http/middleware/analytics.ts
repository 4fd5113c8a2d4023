// Per-request measurement on /api/*: after the response is settled (error answers included) it
// writes one Analytics Engine data point and counts the request in the isolate's bookkeeping
// (request_counts, written in batches). Neither can delay, change or fail the response. Owns the labels (route
// pattern, cache status); the data point layout lives in obs/analytics.ts, the SQL in
// obs/request-counts.ts.
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { describeError } from '../../obs/log.ts';
import type { AppEnv } from '../context.ts';

/** The route label of a request no route matched (404, 405): raw paths would explode cardinality. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The pattern of the route that answers the request (`/api/sites/:site/timeseries`), known even
 * when a middleware answered first (401, 429); UNMATCHED_ROUTE when no route matches. Middleware
 * is registered for every method ('ALL'), routes for theirs.
 */
export function routeLabel(c: Context<AppEnv>): string {
  try {
    const route = matchedRoutes(c).findLast((r) => r.method !== 'ALL');
    return route?.path ?? UNMATCHED_ROUTE;
  } catch {
    return UNMATCHED_ROUTE;
  }
}

/** The response's X-Cache, lower-cased (`hit`, `partial`, `miss`, `bypass`), or `none`. */
export function cacheLabel(res: Response): string {
  return res.headers.get('x-cache')?.trim().toLowerCase() || 'none';
}

/**
 * Records every request it wraps. Mount it outside the error boundary, so that it sees the final
 * status of every answer, thrown errors and the boundary's 500 included.
 */
export function recordRequests(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { services } = c.env;
    const started = services.clock.now();
    try {
      await next();
    } finally {
      try {
        const route = routeLabel(c);
        const cache = cacheLabel(c.res);
        const served = c.var.served;
        const log = c.var.log ?? services.log;
        services.analytics.recordRequest(
          {
            route,
            method: c.req.method,
            status: c.res.status,
            cache,
            samples: served?.samples ?? 0,
            estimatedSamples: served?.estimatedSamples ?? 0,
            durationMs: services.clock.now() - started,
          },
          log,
        );
        // Counted in the isolate and written in batches (obs/bookkeeping.ts), never per request.
        services.bookkeeping.countRequest(route, cache);
      } catch (e) {
        (c.var.log ?? services.log).error('analytics.record_failed', describeError(e));
      }
    }
  };
}
