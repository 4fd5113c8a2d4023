// Input schema of `GET /api/sites/{site}/aggregates` (API.md): the timeseries request's point
// list and times, an interval of 1h or 1d, and a bound on the buckets one answer may span.
// Pure zod; the route (routes/aggregates.ts) mounts it and the OpenAPI document shows it.
import { z } from '@hono/zod-openapi';
import { AGG_BUCKETS, MAX_READ_BUCKETS, windowsOf } from '../../aggregates/buckets.ts';
import { formatSchema, timeSchema } from './common.ts';
import { MAX_RANGE_MS, timeseriesQuerySchema } from './timeseries.ts';

/** Query of the aggregates route. Unknown query keys are ignored (cache busters). */
export const aggregatesQuerySchema = z
  .object({
    points: timeseriesQuerySchema.shape.points,
    start: timeSchema,
    end: timeSchema,
    interval: z
      .enum(AGG_BUCKETS, { error: `must be one of: ${AGG_BUCKETS.join(', ')}` })
      .default('1h')
      .openapi({ description: 'UTC hours or UTC days' }),
    format: formatSchema.optional(),
  })
  .superRefine((q, ctx) => {
    if (q.start >= q.end) ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
    else if (q.end - q.start > MAX_RANGE_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: 'the range from start to end must not exceed 366 days',
      });
    } else if (
      q.points.length * windowsOf({ startMs: q.start, endMs: q.end }, q.interval).count >
      MAX_READ_BUCKETS
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: `points × buckets must not exceed ${MAX_READ_BUCKETS}: narrow the range, the points, or use 1d`,
      });
    }
  });

export type AggregatesQuery = z.output<typeof aggregatesQuerySchema>;
