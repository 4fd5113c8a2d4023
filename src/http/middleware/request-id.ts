// Request ids: echo a client's well-formed X-Request-Id, else generate one; set it on every
// response and bind it into the request's logger.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Sets c.var.requestId and c.var.log, and the X-Request-Id response header. */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = c.req.header('x-request-id');
    const id = given && VALID_REQUEST_ID.test(given) ? given : c.env.services.ids();
    c.set('requestId', id);
    c.set('log', c.env.services.log.with({ request_id: id }));
    c.header('X-Request-Id', id);
    await next();
    c.res.headers.set('X-Request-Id', id);
  };
}
