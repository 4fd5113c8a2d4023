// /api/charts and /api/charts/{id}: the caller's saved chart configurations. Validates
// (schemas/charts.ts), calls the chart store (src/charts/store.ts) with the caller's principal
// and answers; another principal's chart is 404, never 403, so existence does not leak.
// No SQL here; errors go to the one mapping.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Chart, ChartInput } from '../../charts/store.ts';
import { unwrap } from '../../errors.ts';
import type { AppEnv } from '../context.ts';
import {
  type ChartBody,
  chartBodySchema,
  chartParamsSchema,
  chartSchema,
  chartsPageSchema,
  chartsQuerySchema,
} from '../schemas/charts.ts';
import { errorResponse as error } from '../schemas/error.ts';
import { validationHook } from '../validation.ts';

const chartResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: chartSchema } },
});

const NOT_FOUND = error("no such chart among the caller's (another principal's chart is 404 too)");
const UNAVAILABLE = error('storage is unavailable');
const body = {
  required: true,
  content: { 'application/json': { schema: chartBodySchema } },
  description: `the whole chart; \`options\` over the size limit is a 400 naming \`options\``,
};

const listRoute = createRoute({
  method: 'get',
  path: '/api/charts',
  tags: ['charts'],
  summary: "The caller's saved charts, most recently updated first",
  request: { query: chartsQuerySchema },
  responses: {
    200: { description: 'one page of charts', content: { 'application/json': { schema: chartsPageSchema } } },
    503: UNAVAILABLE,
  },
});

const createChartRoute = createRoute({
  method: 'post',
  path: '/api/charts',
  tags: ['charts'],
  summary: 'Saves a chart',
  request: { body },
  responses: {
    201: {
      ...chartResponse('the saved chart (its URL in Location)'),
      headers: { Location: { description: "the chart's URL", schema: { type: 'string' } } },
    },
    503: UNAVAILABLE,
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/api/charts/{id}',
  tags: ['charts'],
  summary: 'One of the caller’s charts',
  request: { params: chartParamsSchema },
  responses: { 200: chartResponse('the chart'), 404: NOT_FOUND, 503: UNAVAILABLE },
});

const replaceRoute = createRoute({
  method: 'put',
  path: '/api/charts/{id}',
  tags: ['charts'],
  summary: 'Replaces one of the caller’s charts',
  request: { params: chartParamsSchema, body },
  responses: { 200: chartResponse('the chart as replaced'), 404: NOT_FOUND, 503: UNAVAILABLE },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/api/charts/{id}',
  tags: ['charts'],
  summary: 'Deletes one of the caller’s charts',
  request: { params: chartParamsSchema },
  responses: { 204: { description: 'deleted' }, 404: NOT_FOUND, 503: UNAVAILABLE },
});

/** The API's shape of a stored chart. */
function present(chart: Chart) {
  return {
    id: chart.id,
    name: chart.name,
    site: chart.site,
    points: chart.points,
    range: chart.range,
    options: chart.options,
    updated_at: chart.updatedAt,
  };
}

/** The saved fields of a body; the read-only `id` and `updated_at` are dropped. */
function inputOf(b: ChartBody): ChartInput {
  return { name: b.name, site: b.site, points: b.points, range: b.range, options: b.options };
}

// Charts are per caller and change under the caller's own hand: never cached.
const NO_STORE = { 'Cache-Control': 'private, no-store' };

/** The charts sub-app. */
export const chartsRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(listRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const page = unwrap(await c.env.services.charts.list(c.var.principal, { limit, cursor }));
    return c.json({ items: page.items.map(present), next_cursor: page.next_cursor }, 200, NO_STORE);
  })
  .openapi(createChartRoute, async (c) => {
    const chart = unwrap(await c.env.services.charts.create(c.var.principal, inputOf(c.req.valid('json'))));
    return c.json(present(chart), 201, {
      ...NO_STORE,
      Location: `/api/charts/${encodeURIComponent(chart.id)}`,
    });
  })
  .openapi(getRoute, async (c) => {
    const chart = unwrap(await c.env.services.charts.get(c.var.principal, c.req.valid('param').id));
    return c.json(present(chart), 200, NO_STORE);
  })
  .openapi(replaceRoute, async (c) => {
    const { id } = c.req.valid('param');
    const chart = unwrap(
      await c.env.services.charts.replace(c.var.principal, id, inputOf(c.req.valid('json'))),
    );
    return c.json(present(chart), 200, NO_STORE);
  })
  .openapi(deleteRoute, async (c) => {
    unwrap(await c.env.services.charts.remove(c.var.principal, c.req.valid('param').id));
    return c.body(null, 204, NO_STORE);
  });
