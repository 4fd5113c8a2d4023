// GET /api/sites/{site}/aggregates: hourly or daily buckets per point from D1, with which bucket
// windows hold data. Validates (schemas/aggregates.ts), asks the aggregates service (which gates
// the site like the timeseries read path) and answers in the negotiated format.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { MAX_MISSING_RANGES } from '../../aggregates/buckets.ts';
import { unwrap } from '../../errors.ts';
import { type AppEnv, callerOf } from '../context.ts';
import { formatFor, sendEncoded } from '../negotiate.ts';
import { aggregatesQuerySchema } from '../schemas/aggregates.ts';
import { siteParamsSchema } from '../schemas/common.ts';
import { errorResponse as error } from '../schemas/error.ts';
import { validationHook } from '../validation.ts';

const bucketSchema = z
  .object({
    t: z.number().int().openapi({ description: 'window start, epoch ms (UTC)' }),
    count: z.number().int().openapi({ description: 'samples in the window' }),
    min: z.number(),
    max: z.number(),
    avg: z.number(),
    last: z.number().openapi({ description: 'the latest sample of the window' }),
  })
  .openapi('AggregateBucket');

const coverageSchema = z
  .object({
    from: z.number().int().openapi({ description: 'start of the first window intersecting [start, end)' }),
    to: z.number().int().openapi({ description: 'end of the last window intersecting [start, end)' }),
    expected: z.number().int().openapi({ description: 'windows per point in [from, to)' }),
    complete: z.boolean().openapi({ description: 'every point has a bucket in every window' }),
    points: z.array(
      z.object({
        point: z.string(),
        buckets: z.number().int().openapi({ description: 'windows holding a bucket' }),
        missing: z.array(z.tuple([z.number().int(), z.number().int()])).openapi({
          description: `runs of windows without a bucket as [from, to) epoch ms, oldest first (at most ${MAX_MISSING_RANGES})`,
        }),
      }),
    ),
  })
  .openapi('AggregateCoverage', {
    description:
      'Which windows hold stored buckets. Buckets are written after fetches of raw data, so a window no fetch has seen (or with no samples) is missing; the raw timeseries route fills it.',
  });

/** The 200 body (API.md). */
export const aggregatesResponseSchema = z
  .object({
    series: z.array(z.object({ point: z.string(), buckets: z.array(bucketSchema) })),
    meta: z.object({ coverage: coverageSchema }),
  })
  .openapi('AggregatesResponse');

const route = createRoute({
  method: 'get',
  path: '/api/sites/{site}/aggregates',
  tags: ['aggregates'],
  summary: 'Hourly or daily count, min, max, avg and last per point',
  request: { params: siteParamsSchema, query: aggregatesQuerySchema },
  responses: {
    200: {
      description: 'series in the order asked, buckets ascending, every window intersecting [start, end)',
      content: {
        'application/json': { schema: aggregatesResponseSchema },
        'application/msgpack': { schema: aggregatesResponseSchema },
      },
    },
    400: error('invalid request, or a point not of this site (details name each bad field)'),
    403: error('ACE does not let this token read the site'),
    404: error('no such site'),
    406: error('no acceptable format'),
    502: error('ACE failed while checking access'),
    503: error('ACE or storage is unavailable'),
    504: error('ACE timed out'),
  },
});

/** The aggregates sub-app. */
export const aggregatesRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(
  route,
  async (c) => {
    const { site } = c.req.valid('param');
    const query = c.req.valid('query');
    // Negotiate before any work: a 406 costs nothing upstream.
    const format = query.format ?? formatFor(c);
    const read = unwrap(
      await c.env.services.aggregates.read(callerOf(c), {
        site,
        points: query.points,
        startMs: query.start,
        endMs: query.end,
        bucket: query.interval,
      }),
    );
    c.header('Cache-Control', 'private, no-store');
    return sendEncoded(c, { series: read.series, meta: { coverage: read.coverage } }, 200, format);
  },
);
