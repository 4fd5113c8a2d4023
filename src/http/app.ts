// The HTTP edge, assembled in one place: middleware order, sub-apps per resource, the error
// mapping for everything that escapes a route, and the OpenAPI document.
import { OpenAPIHono } from '@hono/zod-openapi';
import { AppErrorException } from '../errors.ts';
import { describeError } from '../obs/log.ts';
import type { AppEnv } from './context.ts';
import { requestId } from './middleware/request-id.ts';
import { healthRoutes } from './routes/health.ts';
import { internalErrorBody, toHttpError } from './to-http.ts';

/** Builds the Hono app. Services arrive per request as c.env.services (see index.ts). */
export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();

  app.use('*', requestId());

  app.route('/', healthRoutes);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'vitals-edge', version: '1', description: 'ACE IoT timeseries for dashboards.' },
  });

  app.notFound((c) => {
    const e = toHttpError({ kind: 'not_found', message: 'no such route' }, c.var.requestId ?? 'unknown');
    return c.json(e.body, e.status);
  });

  app.onError((error, c) => {
    const id = c.var.requestId ?? 'unknown';
    if (error instanceof AppErrorException) {
      const e = toHttpError(error.appError, id);
      for (const [k, v] of Object.entries(e.headers)) c.header(k, v);
      return c.json(e.body, e.status);
    }
    (c.var.log ?? c.env.services.log).error('unhandled_error', describeError(error));
    return c.json(internalErrorBody(id), 500);
  });

  return app;
}
