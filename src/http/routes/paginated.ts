// GET /api/sites/{site}/timeseries/paginated: a drop-in for dashboards written against ACE's
// paginated endpoint. Same query, same page shape (string values, ACE's naive time, next_cursor,
// has_more, ACE's page-size enum), filtered to point_names when given. Validates ACE's query and
// hands it to the read path's walk (timeseries/drop-in.ts), which pages from the cache.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { PAGE_SIZES } from '../../ace/plan.ts';
import { unwrap } from '../../errors.ts';
import { type AppEnv, callerOf } from '../context.ts';
import { cursorSchema, parseTime, pointNameSchema, requiredOr, siteParamsSchema } from '../schemas/common.ts';
import { errorResponse as error } from '../schemas/error.ts';
import { MAX_RANGE_MS } from '../schemas/timeseries.ts';
import { validationHook } from '../validation.ts';

const NAIVE_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$/;
const TIME_MESSAGE = 'must be ISO 8601 (naive times are UTC, as ACE reads them) or epoch milliseconds';

/** ACE reads naive times as UTC; so does this drop-in (the main API refuses them). */
const aceTimeSchema = z
  .string({ error: requiredOr(TIME_MESSAGE) })
  .transform((value, ctx) => {
    const ms = parseTime(NAIVE_ISO.test(value) ? `${value}Z` : value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: TIME_MESSAGE });
      return z.NEVER;
    }
    return ms;
  })
  .openapi({ example: '2026-01-05T00:00:00' });

const querySchema = z
  .object({
    start_time: aceTimeSchema,
    end_time: aceTimeSchema,
    page_size: z
      .enum(PAGE_SIZES.map(String) as [string, ...string[]], {
        error: `must be one of: ${PAGE_SIZES.join(', ')}`,
      })
      .transform(Number),
    cursor: cursorSchema.optional(),
    raw_data: z.enum(['true', 'false']).optional(),
    point_names: z
      .string()
      .transform((s) => s.split(','))
      .pipe(z.array(pointNameSchema).min(1).max(5000))
      .optional(),
  })
  .superRefine((q, ctx) => {
    if (q.start_time >= q.end_time)
      ctx.addIssue({ code: 'custom', path: ['end_time'], message: 'must be after start_time' });
    else if (q.end_time - q.start_time > MAX_RANGE_MS)
      ctx.addIssue({ code: 'custom', path: ['end_time'], message: 'the range must not exceed 366 days' });
  });

/** ACE's page shape. */
export const acePageSchema = z
  .object({
    point_samples: z.array(z.object({ name: z.string(), value: z.string(), time: z.string() })),
    next_cursor: z.string().nullable(),
    has_more: z.boolean(),
  })
  .openapi('AcePage');

const route = createRoute({
  method: 'get',
  path: '/api/sites/{site}/timeseries/paginated',
  tags: ['timeseries'],
  summary: "ACE's paginated endpoint, served from this Worker's cache (a drop-in for ACE clients)",
  request: { params: siteParamsSchema, query: querySchema },
  responses: {
    200: {
      description: "one page in ACE's shape",
      content: { 'application/json': { schema: acePageSchema } },
    },
    400: error('invalid request (details name each bad field)'),
    403: error('ACE does not let this token read the site'),
    404: error('no such site'),
    502: error('ACE failed'),
    503: error('ACE is failing or storage is unavailable'),
    504: error('ACE timed out'),
  },
});

/** The drop-in sub-app. */
export const paginatedRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(
  route,
  async (c) => {
    const { site } = c.req.valid('param');
    const q = c.req.valid('query');
    const page = unwrap(
      await c.env.services.timeseries.acePage(callerOf(c), {
        site,
        startMs: q.start_time,
        endMs: q.end_time,
        pageSize: q.page_size,
        cursor: q.cursor,
        pointNames: q.point_names,
      }),
    );
    c.header('Cache-Control', 'private, no-store');
    return c.json(page, 200);
  },
);
