// The HTTP edge, assembled in one place: middleware order, sub-apps per resource, the error
// mapping for everything that escapes a route, and the OpenAPI document.
import { OpenAPIHono } from '@hono/zod-openapi';
import { except } from 'hono/combine';
import { methodNotAllowed } from 'hono/method-not-allowed';
import type { AppEnv } from './context.ts';
import { recordRequests } from './middleware/analytics.ts';
import { adminAuth, callerAuth, isAdminPath } from './middleware/auth.ts';
import { limitBody } from './middleware/body-limit.ts';
import { corsAllowlist } from './middleware/cors.ts';
import { answerError, errorBoundary } from './middleware/errors.ts';
import { gzipResponses } from './middleware/gzip.ts';
import { rateLimit } from './middleware/rate-limit.ts';
import { requestId } from './middleware/request-id.ts';
import { mountOpenApi } from './openapi.ts';
import { adminRoutes } from './routes/admin.ts';
import { aggregatesRoutes } from './routes/aggregates.ts';
import { chartsRoutes } from './routes/charts.ts';
import { healthRoutes } from './routes/health.ts';
import { jobsRoutes } from './routes/jobs.ts';
import { paginatedRoutes } from './routes/paginated.ts';
import { pointsRoutes } from './routes/points.ts';
import { timeseriesRoutes } from './routes/timeseries.ts';
import { toHttpError } from './to-http.ts';
import { validationHook } from './validation.ts';

/** Builds the Hono app. Services arrive per request as c.env.services (see index.ts). */
export function createApp(): OpenAPIHono<AppEnv> {
  // One validation hook for every route, sub-apps included: a bad field → 400 invalid_request.
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  // Order matters. The request id first, so every answer (errors, preflights) carries it; CORS
  // next, so error answers are readable cross-origin (a preflight ends there); the measurement of
  // /api/* outside the error handling, so it sees every final status, thrown errors included;
  // then error handling (onError below answers Errors where they are thrown, the boundary catches
  // any other thrown value); compression of whatever comes back; the 405 check, which turns a
  // 404 for a known path into 405 + Allow. Then, on /api/*: the caller's token (admin paths have
  // their own door), the caller's rate limit, the body-size limit.
  app.use('*', requestId());
  app.use('*', corsAllowlist());
  app.use('/api/*', recordRequests());
  app.use('*', errorBoundary());
  app.use('*', gzipResponses());
  app.use(
    '*',
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        const e = toHttpError(
          { kind: 'method_not_allowed', message: `use ${methods.join(', ')}`, allowed: methods },
          c.var.requestId,
        );
        return c.json(e.body, e.status, e.headers);
      },
    }),
  );
  app.use('/api/admin/*', adminAuth());
  app.use(
    '/api/*',
    except((c) => isAdminPath(c.req.path), callerAuth(), rateLimit('api')),
  );
  app.use('/api/*', limitBody());

  app.route('/', healthRoutes);
  app.route('/', pointsRoutes);
  app.route('/', timeseriesRoutes);
  app.route('/', jobsRoutes);
  app.route('/', paginatedRoutes);
  app.route('/', aggregatesRoutes);
  app.route('/', chartsRoutes);
  app.route('/', adminRoutes);

  mountOpenApi(app);

  app.notFound((c) => {
    const e = toHttpError({ kind: 'not_found', message: 'no such route' }, c.var.requestId ?? 'unknown');
    return c.json(e.body, e.status);
  });

  // Anything thrown at any depth: application errors through the one mapping, the rest as the
  // generic 500 with nothing from the exception in the body (review 42).
  app.onError(answerError);

  return app;
}
