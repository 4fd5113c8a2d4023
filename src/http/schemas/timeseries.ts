// Input schemas of the timeseries request (API.md), for the route the next issue mounts:
// `GET .../timeseries?points=a,b&...` and `POST .../timeseries` with the same fields as JSON.
// Both parse to one TimeseriesInput: 1–500 distinct point names, start < end (end exclusive),
// a range of at most 366 days, a known interval and layout, and an optional format override.
import { z } from '@hono/zod-openapi';
import type { FORMATS } from '../../encoding/codec.ts';
import { LAYOUTS } from '../../encoding/layout.ts';
import { JOB_PRIORITIES, type JobPriority } from '../../jobs/store.ts';
import { INTERVALS, type Interval } from '../../timeseries/intervals.ts';
import { formatSchema, pointNameSchema, requiredOr, timeSchema } from './common.ts';

/** Most points one request may name (API.md). */
export const MAX_POINTS = 500;
/** Widest [start, end) one request may span: 366 days. */
export const MAX_RANGE_MS = 366 * 86_400_000;

export { INTERVALS, type Interval } from '../../timeseries/intervals.ts';

const POINTS_MESSAGE = `must name from 1 to ${MAX_POINTS} points`;

/** A list of 1–500 distinct point names; a duplicate is reported at its own index. */
export const pointListSchema = z
  .array(z.any(), { error: requiredOr('must be an array of point names') })
  .min(1, POINTS_MESSAGE)
  .max(MAX_POINTS, POINTS_MESSAGE)
  // The length is checked first so a 100k-element list costs one issue, not 100k.
  .pipe(
    z.array(pointNameSchema).superRefine((names, ctx) => {
      const seen = new Set<string>();
      names.forEach((name, i) => {
        if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [i], message: 'duplicate point name' });
        seen.add(name);
      });
    }),
  )
  .openapi({
    type: 'array',
    items: { type: 'string', minLength: 1, maxLength: 512 },
    minItems: 1,
    maxItems: MAX_POINTS,
    uniqueItems: true,
  });

/** `points=a,b,c` (comma-separated; use POST for names containing commas). */
const pointsQuerySchema = z
  .string({ error: requiredOr('must be a comma-separated list of point names') })
  .transform((s) => s.split(','))
  .pipe(pointListSchema)
  .openapi({
    type: 'string',
    description: `comma-separated point names, 1 to ${MAX_POINTS}`,
    example: 'AHU-01-ZoneTemp,AHU-01-SupplyTemp',
  });

const intervalSchema = z
  .enum(INTERVALS, { error: `must be one of: ${INTERVALS.join(', ')}` })
  .default('raw')
  .openapi({ description: 'raw samples or aggregates' });
const layoutSchema = z
  .enum(LAYOUTS, { error: `must be one of: ${LAYOUTS.join(', ')}` })
  .default('columns')
  .openapi({ description: 'series as columns, rows, or compact (delta-encoded columns, 3–4× smaller)' });

const prioritySchema = z
  .enum(JOB_PRIORITIES, { error: `must be one of: ${JOB_PRIORITIES.join(', ')}` })
  .default('normal')
  .openapi({ description: 'queue of the job, when the request is served as one' });

/** The cross-field rules: start < end and end - start ≤ 366 days, reported on `end`. */
function checkWindow(value: { start: number; end: number }, ctx: z.RefinementCtx): void {
  if (value.start >= value.end)
    ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
  else if (value.end - value.start > MAX_RANGE_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['end'],
      message: 'the range from start to end must not exceed 366 days',
    });
  }
}

/** Query of `GET /api/sites/{site}/timeseries`. Unknown query keys are ignored (cache busters). */
export const timeseriesQuerySchema = z
  .object({
    points: pointsQuerySchema,
    start: timeSchema,
    end: timeSchema,
    interval: intervalSchema,
    layout: layoutSchema,
    format: formatSchema.optional(),
    priority: prioritySchema,
  })
  .superRefine(checkWindow);

/** JSON body of `POST /api/sites/{site}/timeseries`. Unknown fields are refused (typos). */
export const timeseriesBodySchema = z
  .strictObject(
    {
      points: pointListSchema,
      start: timeSchema,
      end: timeSchema,
      interval: intervalSchema,
      layout: layoutSchema,
      format: formatSchema.optional(),
      priority: prioritySchema,
    },
    { error: 'must be a JSON object' },
  )
  .superRefine(checkWindow)
  .openapi('TimeseriesRequest');

// --- Responses -------------------------------------------------------------------------------

const columnSeriesSchema = z
  .object({ point: z.string(), t: z.array(z.number()), v: z.array(z.number()) })
  .openapi('ColumnSeries');
const rowSeriesSchema = z
  .object({ point: z.string(), data: z.array(z.tuple([z.number(), z.number()])) })
  .openapi('RowSeries');
const compactSeriesSchema = z
  .union([
    z.object({
      point: z.string(),
      t0: z.number(),
      dt: z.array(z.number()),
      e: z.number().int(),
      dv: z.array(z.number()),
    }),
    z.object({ point: z.string(), t0: z.number(), dt: z.array(z.number()), v: z.array(z.number()) }),
    z.object({ point: z.string(), t: z.array(z.number()), v: z.array(z.number()) }),
  ])
  .openapi('CompactSeries', {
    description:
      'layout=compact: t[0] = t0, t[i] = t[i-1] + dt[i-1]; values v, or v[i] = (dv[0] + … + dv[i]) / 10^e; exact',
  });

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
    series: z.array(z.union([columnSeriesSchema, rowSeriesSchema, compactSeriesSchema])),
    meta: metaSchema,
  })
  .openapi('TimeseriesResponse');

/** A validated timeseries request, however it arrived: what the timeseries service takes. */
export interface TimeseriesInput {
  points: string[];
  /** Inclusive, epoch ms. */
  start: number;
  /** Exclusive, epoch ms. */
  end: number;
  interval: Interval;
  layout: (typeof LAYOUTS)[number];
  format?: (typeof FORMATS)[number];
  priority: JobPriority;
}

export type TimeseriesQuery = z.output<typeof timeseriesQuerySchema>;
export type TimeseriesBody = z.output<typeof timeseriesBodySchema>;

// Both inputs must parse to exactly TimeseriesInput.
const _queryIsRequest: TimeseriesQuery extends TimeseriesInput ? true : never = true;
const _bodyIsRequest: TimeseriesBody extends TimeseriesInput ? true : never = true;
void _queryIsRequest;
void _bodyIsRequest;
