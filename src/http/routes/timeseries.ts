// GET and POST /api/sites/{site}/timeseries: validates the request (schemas/timeseries.ts), asks
// the timeseries service, lays the series out and answers in the negotiated format with X-Cache
// and Server-Timing. Requests the router sends to a job (too large, or `Prefer: respond-async`)
// are answered 202 with the job (src/jobs/requests.ts builds it, the submitter queues it).
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Format } from '../../encoding/codec.ts';
import { type Layout, layOut } from '../../encoding/layout.ts';
import { AppErrorException, unwrap } from '../../errors.ts';
import { newJobFor } from '../../jobs/requests.ts';
import { decideRoute, maxAnswerSamples } from '../../timeseries/router.ts';
import type { Assessment, Served } from '../../timeseries/service.ts';
import type { AppEnv } from '../context.ts';
import { enforceRateLimit } from '../middleware/rate-limit.ts';
import { formatFor, prefersRespondAsync, sendEncoded } from '../negotiate.ts';
import { siteParamsSchema } from '../schemas/common.ts';
import { errorResponse as error } from '../schemas/error.ts';
import { jobAcceptedSchema, resultUrlOf, statusUrlOf } from '../schemas/jobs.ts';
import {
  type TimeseriesRequest,
  timeseriesBodySchema,
  timeseriesQuerySchema,
  timeseriesResponseSchema,
} from '../schemas/timeseries.ts';
import { validationHook } from '../validation.ts';

// The headers API.md promises on these answers, declared so the document shows them too.
const RETRY_AFTER = { description: 'seconds to wait', schema: { type: 'integer' as const, minimum: 1 } };
const SERVED_HEADERS = {
  'X-Cache': {
    description: 'how the cache served the request',
    schema: { type: 'string' as const, enum: ['HIT', 'PARTIAL', 'MISS', 'BYPASS'] },
  },
  'Server-Timing': { description: 'time spent per phase (ms)', schema: { type: 'string' as const } },
};
const JOB_HEADERS = {
  Location: { description: "the job's status URL", schema: { type: 'string' as const } },
  'Retry-After': { ...RETRY_AFTER, description: 'seconds to wait before the first poll' },
};

const responses = {
  200: {
    description: 'the series, in the order asked, samples ascending within [start, end)',
    headers: SERVED_HEADERS,
    content: {
      'application/json': { schema: timeseriesResponseSchema },
      'application/msgpack': { schema: timeseriesResponseSchema },
    },
  },
  202: {
    description:
      'too large for one invocation, or `Prefer: respond-async`: served as a background job (Location, Retry-After)',
    headers: JOB_HEADERS,
    content: {
      'application/json': { schema: jobAcceptedSchema },
      'application/msgpack': { schema: jobAcceptedSchema },
    },
  },
  400: error('invalid request (details name each bad field)'),
  403: error('ACE does not let this token read the site'),
  404: error('no such site'),
  406: error('no acceptable format'),
  413: error('larger than any one answer may be (JOB_MAX_SAMPLES): narrow it'),
  429: {
    ...error('too many requests, or too many job submissions'),
    headers: { 'Retry-After': RETRY_AFTER },
  },
  502: error('ACE failed'),
  503: error('ACE is failing and the circuit breaker is open, or storage is unavailable'),
  504: error('ACE timed out'),
};

const getRoute = createRoute({
  method: 'get',
  path: '/api/sites/{site}/timeseries',
  tags: ['timeseries'],
  summary: 'Samples of up to 500 points over up to 366 days',
  request: { params: siteParamsSchema, query: timeseriesQuerySchema },
  responses,
});

const postRoute = createRoute({
  method: 'post',
  path: '/api/sites/{site}/timeseries',
  tags: ['timeseries'],
  summary: 'The same request as a JSON body (for long point lists or names with commas)',
  request: {
    params: siteParamsSchema,
    body: { required: true, content: { 'application/json': { schema: timeseriesBodySchema } } },
  },
  responses,
});

/** The Server-Timing header of a served request. */
function serverTiming(timings: Served['timings']): string {
  return Object.entries(timings)
    .map(([name, ms]) => `${name};dur=${Math.max(0, ms)}`)
    .join(', ');
}

/** Seconds a client should wait before its first poll: longer for larger jobs, within [1, 30]. */
export function retryAfterSeconds(estimatedSamples: number): number {
  return Math.min(30, Math.max(1, Math.ceil(estimatedSamples / 200_000)));
}

/** Answers 202 with the (new or identical active) job of this request. */
async function acceptAsJob(
  c: Context<AppEnv>,
  site: string,
  request: TimeseriesRequest,
  assessment: Assessment,
  format: Format,
  preferAsync: boolean,
): Promise<Response> {
  const { services } = c.env;
  await enforceRateLimit(c, 'jobs');
  const submitted = unwrap(
    await services.jobSubmitter.submit(
      await newJobFor(c.var.principal, {
        site,
        points: request.points,
        startMs: request.start,
        endMs: request.end,
        interval: request.interval,
        layout: request.layout,
        priority: request.priority,
        estimatedSamples: assessment.estimate.samples,
      }),
    ),
  );
  const { job } = submitted;
  c.header('Location', statusUrlOf(job.id));
  c.header('Retry-After', String(retryAfterSeconds(assessment.estimate.samples)));
  c.header('Cache-Control', 'private, no-store');
  if (preferAsync) c.header('Preference-Applied', 'respond-async');
  c.set('served', { samples: 0, estimatedSamples: assessment.estimate.samples });
  return sendEncoded(
    c,
    {
      job: {
        id: job.id,
        status: job.status,
        status_url: statusUrlOf(job.id),
        result_url: resultUrlOf(job.id),
      },
    },
    202,
    format,
  );
}

async function serve(c: Context<AppEnv>, site: string, request: TimeseriesRequest): Promise<Response> {
  // Negotiate before any work: a 406 costs nothing upstream.
  const format = request.format ?? formatFor(c);
  const { services } = c.env;
  const series = {
    site,
    points: request.points,
    startMs: request.start,
    endMs: request.end,
    interval: request.interval,
  };
  const caller = { principal: c.var.principal, token: c.var.token };
  const assessment = unwrap(await services.timeseries.assess(caller, series));
  const preferAsync = prefersRespondAsync(c.req.header('prefer'));
  const decision = decideRoute({
    estimate: assessment.estimate,
    threshold: services.directThreshold.current(),
    preferAsync,
    fullyCached: assessment.fullyCached,
    cachedSamples: assessment.cachedSamples,
    maxSamples: maxAnswerSamples(request.layout, services.config.jobMaxSamples),
  });
  c.var.log.info('timeseries.routed', {
    route: decision.route,
    reason: decision.reason,
    estimated_samples: assessment.estimate.samples,
    upper_bound: decision.upperBound,
  });
  if (decision.route === 'refuse') {
    throw new AppErrorException({
      kind: 'payload_too_large',
      message: `the answer would hold about ${decision.upperBound + assessment.cachedSamples} samples, more than ${maxAnswerSamples(request.layout, services.config.jobMaxSamples)} (layout ${request.layout}); narrow the window or the points, use layout=columns or compact, read hourly or daily values from /aggregates, or page with /timeseries/paginated (the cap counts raw samples: interval=1h|1d is computed from them)`,
    });
  }
  if (decision.route === 'job') return acceptAsJob(c, site, request, assessment, format, preferAsync);

  const served = unwrap(await services.timeseries.serveAssessed(caller, assessment));
  services.directThreshold.observe({
    estimatedSamples: assessment.estimate.samples,
    durationMs: served.timings.total ?? 0,
  });
  // What dashboards ask for ranks the cache-warming cron's work; recorded after the response.
  services.defer(services.warming.record(series));
  c.set('served', { samples: served.meta.samples, estimatedSamples: served.meta.estimated_samples });
  c.header('X-Cache', served.meta.cache.toUpperCase());
  c.header('Server-Timing', serverTiming(served.timings));
  c.header('Cache-Control', 'private, no-store');
  const layout: Layout = request.layout;
  return sendEncoded(
    c,
    {
      site,
      start: request.start,
      end: request.end,
      interval: request.interval,
      series: layOut(served.series, layout),
      meta: served.meta,
    },
    200,
    format,
  );
}

/** The timeseries sub-app. */
export const timeseriesRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(getRoute, async (c) => serve(c, c.req.valid('param').site, c.req.valid('query')))
  .openapi(postRoute, async (c) => serve(c, c.req.valid('param').site, c.req.valid('json')));
