// GET and POST /api/sites/{site}/timeseries: validates the request (schemas/timeseries.ts), asks
// the timeseries service, lays the series out and answers in the negotiated format with X-Cache
// and Server-Timing. The 202 job path joins here in the jobs module.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { type Layout, layOut } from '../../encoding/layout.ts';
import { unwrap } from '../../errors.ts';
import type { Served } from '../../timeseries/service.ts';
import type { AppEnv } from '../context.ts';
import { formatFor, sendEncoded } from '../negotiate.ts';
import { siteParamsSchema } from '../schemas/common.ts';
import { errorBodySchema } from '../schemas/error.ts';
import {
  type TimeseriesRequest,
  timeseriesBodySchema,
  timeseriesQuerySchema,
} from '../schemas/timeseries.ts';
import { validationHook } from '../validation.ts';

const columnSeriesSchema = z
  .object({ point: z.string(), t: z.array(z.number()), v: z.array(z.number()) })
  .openapi('ColumnSeries');
const rowSeriesSchema = z
  .object({ point: z.string(), data: z.array(z.tuple([z.number(), z.number()])) })
  .openapi('RowSeries');

const metaSchema = z
  .object({
    samples: z.number().int(),
    dropped: z.number().int(),
    estimated_samples: z.number().int(),
    route: z.enum(['cache', 'upstream', 'aggregate']),
    cache: z.enum(['hit', 'partial', 'miss', 'bypass']),
    chunks: z.number().int(),
    upstream_requests: z.number().int(),
  })
  .openapi('TimeseriesMeta');

/** The 200 body (API.md). */
export const timeseriesResponseSchema = z
  .object({
    site: z.string(),
    start: z.number().int(),
    end: z.number().int(),
    interval: z.enum(['raw', '5m', '1h', '1d']),
    series: z.array(z.union([columnSeriesSchema, rowSeriesSchema])),
    meta: metaSchema,
  })
  .openapi('TimeseriesResponse');

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorBodySchema } },
});

const responses = {
  200: {
    description: 'the series, in the order asked, samples ascending within [start, end)',
    content: {
      'application/json': { schema: timeseriesResponseSchema },
      'application/msgpack': { schema: timeseriesResponseSchema },
    },
  },
  400: error('invalid request (details name each bad field)'),
  403: error('ACE does not let this token read the site'),
  404: error('no such site'),
  406: error('no acceptable format'),
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
  const served = unwrap(
    await services.timeseries.serve({ principal: c.var.principal, token: c.var.token }, series),
  );
  // What dashboards ask for ranks the cache-warming cron's work; recorded after the response.
  services.defer(services.warming.record(series));
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
