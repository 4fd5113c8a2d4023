// How the edge answers anything thrown: application errors (and the HTTP errors Hono throws)
// through the one mapping in to-http.ts; everything else as the generic 500, logged with the
// request id and never echoed (review 42). Used by app.onError and by the boundary middleware,
// which catches what Hono's onError cannot see: throws of non-Error values.
import type { Context, MiddlewareHandler } from 'hono';
import { AppErrorException } from '../../errors.ts';
import { describeError } from '../../obs/log.ts';
import type { AppEnv } from '../context.ts';
import { fromThrown, internalErrorBody, toHttpError } from '../to-http.ts';

/** The response for a thrown value. */
export function answerError(thrown: unknown, c: Context<AppEnv>): Response {
  const id = c.var.requestId ?? 'unknown';
  const appError = thrown instanceof AppErrorException ? thrown.appError : fromThrown(thrown);
  if (appError) {
    const e = toHttpError(appError, id);
    return c.json(e.body, e.status, e.headers);
  }
  // A bug: the details go to the log with the request id, never to the client.
  (c.var.log ?? c.env.services.log).error('unhandled_error', { request_id: id, ...describeError(thrown) });
  return c.json(internalErrorBody(id), 500);
}

/**
 * Catches what escapes Hono's onError (it only handles Error instances: `throw 'x'` would
 * otherwise reach the runtime's own error page) and answers it like any other throw.
 */
export function errorBoundary(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    try {
      await next();
    } catch (thrown) {
      const res = answerError(thrown, c);
      c.res = res;
    }
  };
}
