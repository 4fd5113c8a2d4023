// GET /api/sites/{site}/timeseries/paginated: a drop-in for dashboards written against ACE's
// paginated endpoint. Same query, same page shape (string values, ACE's naive time, next_cursor,
// has_more, ACE's page-size enum), filtered to point_names when given, served day by day from
// the read path's cache and authorization, with this Worker's own opaque cursor.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { PAGE_SIZES } from '../../ace/plan.ts';
import { AppErrorException, unwrap } from '../../errors.ts';
import { sha256Hex } from '../../hash.ts';
import {
  decodePageCursor,
  encodePageCursor,
  formatAceTime,
  type IndexedSeries,
  mergePage,
  type PagePosition,
} from '../../timeseries/ace-pages.ts';
import { DAY_MS } from '../../timeseries/chunks.ts';
import type { AppEnv } from '../context.ts';
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
    const { services } = c.env;
    const caller = { principal: c.var.principal, token: c.var.token };

    // Tie order is ACE's: catalogue position. Without point_names, the whole site, as ACE does.
    const catalogue = unwrap(await services.points.list(site, caller));
    const position = new Map(catalogue.map((p, i) => [p.name, i]));
    const wanted = [...new Set(q.point_names ?? catalogue.map((p) => p.name))].sort(
      (a, b) => (position.get(a) ?? Number.MAX_SAFE_INTEGER) - (position.get(b) ?? Number.MAX_SAFE_INTEGER),
    );
    const nameAt = new Map(wanted.map((name) => [position.get(name) ?? -1, name]));
    const queryKey = (await sha256Hex(JSON.stringify([site, q.start_time, q.end_time, wanted]))).slice(0, 24);
    let after: PagePosition | null = null;
    if (q.cursor !== undefined) {
      after = decodePageCursor(q.cursor, queryKey);
      // The key binds a cursor to its query but is computable by anyone: a position outside the
      // window would make this request walk every day from there, so it is no cursor of this query.
      if (after && (after.t < q.start_time || after.t >= q.end_time || after.i < 0)) after = null;
      if (!after) {
        throw new AppErrorException({
          kind: 'invalid_input',
          message: 'invalid request',
          issues: [{ path: 'cursor', message: 'is not a cursor of this query' }],
        });
      }
    }

    const samples: { name: string; value: string; time: string }[] = [];
    let day = after ? Math.floor(after.t / DAY_MS) * DAY_MS : Math.floor(q.start_time / DAY_MS) * DAY_MS;
    let last: PagePosition | null = after;
    let exhausted = true;
    while (day < q.end_time && samples.length < q.page_size) {
      const startMs = Math.max(q.start_time, day);
      const endMs = Math.min(q.end_time, day + DAY_MS);
      const served = unwrap(
        await services.timeseries.serve(caller, { site, points: wanted, startMs, endMs, interval: 'raw' }),
      );
      const series: IndexedSeries[] = served.series.map((s) => ({
        i: position.get(s.point) ?? -1,
        t: s.t,
        v: s.v,
      }));
      const page = mergePage(series, last, q.page_size - samples.length);
      for (const s of page.samples) {
        samples.push({ name: nameAt.get(s.i) ?? '', value: String(s.v), time: formatAceTime(s.t) });
        last = { t: s.t, i: s.i };
      }
      exhausted = page.exhausted;
      if (!exhausted) break;
      day += DAY_MS;
    }
    // More remains when a day was cut short by the page size, or days are left; the next page
    // resumes after the last sample sent (a full page always has one).
    const more = !exhausted || day < q.end_time;
    const next = more && last ? encodePageCursor(queryKey, last) : null;
    c.header('Cache-Control', 'private, no-store');
    return c.json({ point_samples: samples, next_cursor: next, has_more: next !== null }, 200);
  },
);
