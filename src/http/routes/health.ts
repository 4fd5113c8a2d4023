// GET /health: dependency checks without auth. The checking lives in obs/health.ts.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import pkg from '../../../package.json' with { type: 'json' };
import type { AppEnv } from '../context.ts';

const checkSchema = z.object({
  ok: z.boolean(),
  latency_ms: z.number().optional(),
  detail: z.string().optional(),
});

export const healthSchema = z
  .object({
    status: z.enum(['ok', 'degraded', 'unavailable']),
    version: z.string(),
    checks: z.object({ d1: checkSchema, r2: checkSchema, queue: checkSchema, ace: checkSchema }),
  })
  .openapi('Health');

const route = createRoute({
  method: 'get',
  path: '/health',
  tags: ['health'],
  summary: 'Dependency health (no auth)',
  responses: {
    200: {
      description: 'ok or degraded (ACE unreachable)',
      content: { 'application/json': { schema: healthSchema } },
    },
    503: { description: 'D1 or R2 is down', content: { 'application/json': { schema: healthSchema } } },
  },
});

/** The health sub-app. */
export const healthRoutes = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const report = await c.env.services.health.check();
  const body = { status: report.status, version: pkg.version, checks: report.checks };
  c.header('Cache-Control', 'no-store');
  return report.status === 'unavailable' ? c.json(body, 503) : c.json(body, 200);
});
