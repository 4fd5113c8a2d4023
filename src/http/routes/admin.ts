// /api/admin/*: operator routes behind the ADMIN_TOKEN (adminAuth in middleware/auth.ts): stats,
// the dead-letter listing and replay, and the cache purge. Each handler validates, calls one
// service (admin/stats.ts, jobs/dead-letters.ts, cache/purge.ts) and answers; no SQL or R2 here.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { unwrap } from '../../errors.ts';
import type { DeadLetter } from '../../jobs/dead-letters.ts';
import { JOB_STATUSES } from '../../jobs/state.ts';
import type { AppEnv } from '../context.ts';
import { cursorSchema, limitSchema, siteNameSchema } from '../schemas/common.ts';
import { errorResponse as error } from '../schemas/error.ts';
import { validationHook } from '../validation.ts';

const count = z.number().int().nonnegative();

const statsSchema = z
  .object({
    cache: z.object({
      entries: count,
      bytes: count.openapi({ description: 'stored (compressed) bytes' }),
      raw_bytes: count,
      entry_hits: count.openapi({ description: 'reads served by the entries now indexed' }),
      hit_rate: z
        .number()
        .min(0)
        .max(1)
        .nullable()
        .openapi({ description: 'hit / (hit + partial + miss + bypass) over the window; null without any' }),
      requests: z.object({ hit: count, partial: count, miss: count, bypass: count }),
    }),
    jobs: z.object({
      total: count,
      by_status: z.object(
        Object.fromEntries(JOB_STATUSES.map((s) => [s, count])) as Record<
          (typeof JOB_STATUSES)[number],
          typeof count
        >,
      ),
    }),
    dlq: z.object({ open: count.openapi({ description: 'dead letters not yet replayed' }) }),
    requests: z.object({
      since: z.number().int().openapi({ description: 'first UTC day counted (epoch ms)' }),
      days: z.number().int(),
      total: count,
      by_route: z.array(
        z.object({
          route: z.string().openapi({ example: '/api/sites/:site/timeseries' }),
          count,
          cache: z
            .record(z.string(), count)
            .openapi({ description: 'by X-Cache status; `none` for routes without one' }),
        }),
      ),
    }),
    routing: z.object({
      direct_max_samples: count,
      effective_direct_max_samples: count.openapi({ description: 'the threshold routing uses now' }),
    }),
  })
  .openapi('AdminStats');

const deadLetterSchema = z
  .object({
    id: z.string().openapi({ description: 'the dead letter id: pass it to the replay route' }),
    job_id: z.string(),
    queue: z.string(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    attempts: count,
    request: z.record(z.string(), z.unknown()).openapi({ description: "the job's stored request" }),
    created_at: z.number().int(),
    replayed_at: z.number().int().nullable().openapi({ description: 'null while open' }),
    replay_count: count,
  })
  .openapi('DeadLetter');

const deadLetterPageSchema = z
  .object({
    items: z.array(deadLetterSchema),
    next_cursor: z.string().nullable().openapi({ description: 'pass as `cursor` for the next page' }),
  })
  .openapi('DeadLetterPage');

const replaySchema = z
  .object({
    dead_letter_id: z.string(),
    job: z.object({
      id: z.string(),
      status: z.enum(JOB_STATUSES),
      priority: z.enum(['normal', 'high']),
      attempts: count,
    }),
  })
  .openapi('DeadLetterReplay');

const purgeBodySchema = z
  .strictObject({
    site: siteNameSchema
      .optional()
      .openapi({ description: "purge only this site's chunks; absent: the whole cache" }),
  })
  .openapi('CachePurgeRequest');

const purgeSchema = z
  .object({
    site: z.string().nullable(),
    entries: count.openapi({ description: 'entries removed: one R2 object and one index row each' }),
    bytes: count.openapi({ description: 'stored bytes they held' }),
    complete: z.boolean().openapi({ description: 'false: the call hit its round limit; call again' }),
  })
  .openapi('CachePurgeReport');

const statsRoute = createRoute({
  method: 'get',
  path: '/api/admin/stats',
  tags: ['admin'],
  summary: 'Cache, request, job and DLQ numbers, and the routing threshold',
  responses: {
    200: { description: 'the stats', content: { 'application/json': { schema: statsSchema } } },
    503: error('storage is unavailable'),
  },
});

const dlqRoute = createRoute({
  method: 'get',
  path: '/api/admin/dlq',
  tags: ['admin'],
  summary: 'Dead letters, newest first',
  request: {
    query: z.object({
      limit: limitSchema(1000, 100),
      cursor: cursorSchema.optional(),
      state: z
        .enum(['open', 'all'], { error: 'must be open or all' })
        .default('open')
        .openapi({ description: '`open` (default): not yet replayed; `all`: replayed ones too' }),
    }),
  },
  responses: {
    200: {
      description: 'one page of dead letters',
      content: { 'application/json': { schema: deadLetterPageSchema } },
    },
    503: error('storage is unavailable'),
  },
});

const replayRoute = createRoute({
  method: 'post',
  path: '/api/admin/dlq/{id}/replay',
  tags: ['admin'],
  summary: 'Re-queue the dead job of a dead letter',
  description:
    '`{id}` is the **dead letter id** (`items[].id` of the listing), not the job id: a job may die ' +
    'more than once, and each death is its own letter. The job goes back to `queued` with fresh ' +
    'attempts, the letter is closed (`replayed_at`) and a new signed message is sent.',
  request: {
    params: z.object({
      id: z
        .string()
        .min(1)
        .max(128)
        .regex(/^[A-Za-z0-9-]+$/, 'is not a dead letter id')
        .openapi({ param: { name: 'id', in: 'path' } }),
    }),
  },
  responses: {
    200: {
      description: 'the job is queued again',
      content: { 'application/json': { schema: replaySchema } },
    },
    404: error('no such dead letter'),
    409: error('the letter was already replayed, the job is not dead, or an identical job is active'),
    503: error('storage or the job queue is unavailable (a failed send fails the job)'),
  },
});

const purgeRoute = createRoute({
  method: 'post',
  path: '/api/admin/cache/purge',
  tags: ['admin'],
  summary: 'Delete cached chunks (R2 objects and index rows) of one site or all',
  description:
    '`{}` purges the whole cache, `{"site": "..."}` one site. A JSON body is required, so a bare ' +
    'POST purges nothing. Removes at most a bounded number of entries per call; `complete: false` ' +
    'means call again. Job results are not cache entries and stay.',
  request: {
    // Without a JSON content type the validator would see `{}`: a bare POST must not purge it all.
    headers: z.object({
      'content-type': z
        .string({ error: 'required: application/json' })
        .regex(/^application\/json\s*(;|$)/i, 'must be application/json'),
    }),
    body: { required: true, content: { 'application/json': { schema: purgeBodySchema } } },
  },
  responses: {
    200: { description: 'what was removed', content: { 'application/json': { schema: purgeSchema } } },
    503: error('storage is unavailable'),
  },
});

const toDeadLetterJson = (d: DeadLetter) => ({
  id: d.id,
  job_id: d.jobId,
  queue: d.queue,
  error: d.error,
  attempts: d.attempts,
  request: d.request,
  created_at: d.createdAt,
  replayed_at: d.replayedAt,
  replay_count: d.replayCount,
});

/** The admin sub-app; adminAuth guards it in app.ts. */
export const adminRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(statsRoute, async (c) => {
    const report = unwrap(await c.env.services.adminStats.report());
    c.header('Cache-Control', 'no-store');
    return c.json(report, 200);
  })
  .openapi(dlqRoute, async (c) => {
    const { limit, cursor, state } = c.req.valid('query');
    const page = unwrap(await c.env.services.deadLetters.list({ limit, cursor, state }));
    c.header('Cache-Control', 'no-store');
    return c.json({ items: page.items.map(toDeadLetterJson), next_cursor: page.next_cursor }, 200);
  })
  .openapi(replayRoute, async (c) => {
    const { id } = c.req.valid('param');
    const job = unwrap(await c.env.services.deadLetters.replay(id));
    c.var.log.info('admin.dlq_replayed', { dead_letter_id: id, job_id: job.id });
    return c.json(
      {
        dead_letter_id: id,
        job: { id: job.id, status: job.status, priority: job.priority, attempts: job.attempts },
      },
      200,
    );
  })
  .openapi(purgeRoute, async (c) => {
    const { site } = c.req.valid('json');
    const report = unwrap(await c.env.services.cachePurge.purge({ site }));
    return c.json(report, 200);
  });
