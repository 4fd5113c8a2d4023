// CORS for the CORS_ORIGINS allowlist (review 39), on top of hono/cors: allowed origins get
// their origin back (never `*`, no credentials) and a 204 preflight; any other origin gets no
// Access-Control-* header and its OPTIONS falls through to routing. Every response carries
// `Vary: Origin`, allowed or not, so a shared cache never hands one origin's answer to another.
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from '../context.ts';

/** Request headers a browser may send cross-origin (API.md). */
export const CORS_ALLOW_HEADERS = [
  'Authorization',
  'X-ACE-Token',
  'Content-Type',
  'Accept',
  'X-Request-Id',
  'Prefer',
];

/** Response headers a browser script may read. */
export const CORS_EXPOSE_HEADERS = ['X-Request-Id', 'X-Cache', 'Server-Timing', 'Retry-After', 'Location'];

/** Methods the API serves. */
export const CORS_ALLOW_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'];

/** How long a browser may cache a preflight (seconds; Chromium caps at 7200). */
export const CORS_MAX_AGE_S = 600;

/** The CORS middleware for the configured allowlist (read per request from services.config). */
export function corsAllowlist(): MiddlewareHandler<AppEnv> {
  const allowed = cors({
    origin: (origin) => origin,
    allowMethods: CORS_ALLOW_METHODS,
    allowHeaders: CORS_ALLOW_HEADERS,
    exposeHeaders: CORS_EXPOSE_HEADERS,
    maxAge: CORS_MAX_AGE_S,
    credentials: false,
  });
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin !== undefined && c.env.services.config.corsOrigins.includes(origin)) {
      // hono/cors appends Vary: Origin itself, on preflights and on actual responses.
      return allowed(c, next);
    }
    await next();
    c.header('Vary', 'Origin', { append: true });
  };
}
