// GET /api/sites/{site}/points: the site's catalogue with display names, searched and paged.
// Validates, asks the points catalogue (src/points/catalogue.ts) and answers; the caller's
// token and principal come from the auth middleware on /api/*, errors go to the one mapping.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { unwrap } from '../../errors.ts';
import { type AppEnv, callerOf } from '../context.ts';
import { cursorSchema, limitSchema, siteParamsSchema } from '../schemas/common.ts';
import { errorResponse as error } from '../schemas/error.ts';
import { validationHook } from '../validation.ts';

/** Longest accepted search string. */
export const MAX_SEARCH_LENGTH = 200;

const pointItemSchema = z
  .object({
    name: z.string().openapi({ example: 'AHU-01-ZoneTemp' }),
    display_name: z.string().openapi({ example: 'AHU-01 Zone Temp' }),
    equipment: z.string().nullable().openapi({ example: 'AHU-01' }),
    unit: z.string().nullable().openapi({ example: '°F' }),
    collect_interval_s: z.number().nullable().openapi({ example: 300 }),
    collect_enabled: z.boolean(),
  })
  .openapi('Point');

/** The listing's body. */
export const pointsPageSchema = z
  .object({
    items: z.array(pointItemSchema),
    next_cursor: z
      .string()
      .nullable()
      .openapi({ description: 'pass as `cursor` for the next page; null at the end' }),
  })
  .openapi('PointsPage');

const querySchema = z.object({
  search: z
    .string()
    .max(MAX_SEARCH_LENGTH, `must be at most ${MAX_SEARCH_LENGTH} characters`)
    .optional()
    .openapi({ description: 'case-insensitive substring of the name or display name' }),
  limit: limitSchema(1000, 100),
  cursor: cursorSchema.optional(),
});

const route = createRoute({
  method: 'get',
  path: '/api/sites/{site}/points',
  tags: ['points'],
  summary: "The site's points with display names, equipment and units",
  request: { params: siteParamsSchema, query: querySchema },
  responses: {
    200: { description: 'one page of points', content: { 'application/json': { schema: pointsPageSchema } } },
    403: error('ACE does not let this token read the site'),
    404: error('no such site'),
    502: error('ACE failed'),
    503: error('ACE is failing and the circuit breaker is open'),
    504: error('ACE timed out'),
  },
});

/** The points sub-app. */
export const pointsRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(
  route,
  async (c) => {
    const { site } = c.req.valid('param');
    const { search, limit, cursor } = c.req.valid('query');
    const page = unwrap(await c.env.services.points.page(site, callerOf(c), { search, limit, cursor }));
    // Per caller (ACE decides what a token may see), and brief: the catalogue changes rarely.
    c.header('Cache-Control', 'private, max-age=60');
    return c.json(page, 200);
  },
);
