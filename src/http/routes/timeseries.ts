// GET and POST /api/sites/{site}/timeseries: validates the request (schemas/timeseries.ts), asks
// the timeseries service to read it, and shapes the outcome: 200 with the series laid out in the
// negotiated format, X-Cache and Server-Timing; or 202 with the job the service submitted (too
// large, or `Prefer: respond-async`), Location and Retry-After.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { unwrap } from '../../errors.ts';
import type { Served } from '../../timeseries/service.ts';
import { type AppEnv, callerOf } from '../context.ts';
import { acceptsGzip, formatFor, prefersRespondAsync, sendEncoded } from '../negotiate.ts';
import { siteParamsSchema } from '../schemas/common.ts';
import { errorResponse as error } from '../schemas/error.ts';
import { jobAcceptedSchema, resultUrlOf, statusUrlOf } from '../schemas/jobs.ts';
import {
  type TimeseriesInput,
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
  413: error(
    'a POST body over 1 MiB, or a direct read whose ACE fetch would pass ACE_MAX_PAGES or ACE_MAX_BYTES (anything estimated too large for a direct answer is a job instead)',
  ),
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

/** Validated input in, the read path's outcome out: 200 with the encoded answer, or 202 with the job. */
async function serve(c: Context<AppEnv>, site: string, input: TimeseriesInput): Promise<Response> {
  // Negotiate before any work: a 406 costs nothing upstream.
  const format = input.format ?? formatFor(c);
  const preferAsync = prefersRespondAsync(c.req.header('prefer'));
  const outcome = unwrap(
    await c.env.services.timeseries.read(
      callerOf(c),
      {
        site,
        points: input.points,
        startMs: input.start,
        endMs: input.end,
        interval: input.interval,
        layout: input.layout,
        format,
        gzip: acceptsGzip(c.req.header('accept-encoding')),
        priority: input.priority,
        preferAsync,
      },
      c.var.log,
    ),
  );
  c.header('Cache-Control', 'private, no-store');
  if (outcome.kind === 'job') {
    const { job, estimatedSamples } = outcome;
    c.header('Location', statusUrlOf(job.id));
    c.header('Retry-After', String(retryAfterSeconds(estimatedSamples)));
    if (preferAsync) c.header('Preference-Applied', 'respond-async');
    c.set('served', { samples: 0, estimatedSamples });
    const accepted = {
      id: job.id,
      status: job.status,
      status_url: statusUrlOf(job.id),
      result_url: resultUrlOf(job.id),
    };
    return sendEncoded(c, { job: accepted }, 202, format);
  }
  const headers = new Headers({
    'Content-Type': outcome.answer.contentType,
    'Server-Timing': serverTiming(outcome.timings),
    Vary: 'Accept, Accept-Encoding',
  });
  if (outcome.kind === 'streamed') {
    // Written series by series as the client reads; the gzip middleware compresses the stream.
    headers.set('X-Cache', 'HIT');
    c.set('served', { samples: outcome.answer.samples, estimatedSamples: 0 });
    return c.body(outcome.answer.body, 200, Object.fromEntries(headers));
  }
  const { answer } = outcome;
  headers.set('X-Cache', answer.meta.cache.toUpperCase());
  c.set('served', { samples: answer.meta.samples, estimatedSamples: answer.meta.estimated_samples });
  if (answer.contentEncoding === null) return c.body(answer.body, 200, Object.fromEntries(headers));
  headers.set('Content-Encoding', answer.contentEncoding);
  // The bytes are gzip already: the runtime must not encode them again (middleware/gzip.ts).
  return new Response(answer.body, { status: 200, headers, encodeBody: 'manual' });
}

/** The timeseries sub-app. */
export const timeseriesRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(getRoute, async (c) => serve(c, c.req.valid('param').site, c.req.valid('query')))
  .openapi(postRoute, async (c) => serve(c, c.req.valid('param').site, c.req.valid('json')));
