// Schemas of the saved-chart routes (API.md): the body a client saves (POST creates, PUT replaces),
// the chart and the page it reads back, and the `{id}` path parameter. Reuses the site and point
// rules of the other routes; adds the name rule, start < end, and a size limit on `options`.
// Pure zod; src/http/routes/charts.ts mounts these.
import { z } from '@hono/zod-openapi';
import { isChartOptions } from '../../charts/store.ts';
import { cursorSchema, limitSchema, requiredOr, siteNameSchema, timeSchema } from './common.ts';
import { pointListSchema } from './timeseries.ts';

/** Longest chart name (the chart_configs CHECK). */
export const MAX_CHART_NAME_LENGTH = 200;
/** Largest `options` accepted: bytes of its UTF-8 JSON text. */
export const MAX_CHART_OPTIONS_BYTES = 16 * 1024;
/** Longest chart id accepted in a path (ids are UUIDs; the bound only refuses junk early). */
export const MAX_CHART_ID_LENGTH = 128;
/** Largest and default page of GET /api/charts: a chart can carry ~16 KiB of options and 500 names. */
export const MAX_CHARTS_PAGE = 100;
export const DEFAULT_CHARTS_PAGE = 50;

// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators.
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
const CHART_ID = /^[A-Za-z0-9_-]+$/;

const nameSchema = z
  .string({ error: requiredOr('must be a string') })
  .min(1, { message: 'must not be empty', abort: true })
  .max(MAX_CHART_NAME_LENGTH, `must be at most ${MAX_CHART_NAME_LENGTH} characters`)
  .refine((s) => s.trim().length > 0, 'must not be blank')
  .refine((s) => !CONTROL.test(s), 'must not contain control characters')
  .openapi({ example: 'AHU-01 temperatures' });

/** Bytes of a value's JSON text, or Infinity when it has none (too deep to serialise, say). */
function jsonBytes(value: unknown): number {
  try {
    return new TextEncoder().encode(JSON.stringify(value)).byteLength;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

const OPTIONS_MESSAGE = `must be a JSON object of at most ${MAX_CHART_OPTIONS_BYTES} bytes`;

// A 400 naming `options` (not a 413 for the whole body): the client learns which field to shrink.
// A check rather than z.record, which rebuilds the object and would drop a `__proto__` key.
const optionsSchema = z
  .custom<Record<string, unknown>>(isChartOptions, { error: requiredOr(OPTIONS_MESSAGE) })
  .refine((options) => jsonBytes(options) <= MAX_CHART_OPTIONS_BYTES, OPTIONS_MESSAGE)
  .openapi({
    type: 'object',
    additionalProperties: true,
    description: `free-form display options; at most ${MAX_CHART_OPTIONS_BYTES} bytes of JSON`,
  });

const rangeInputSchema = z
  .strictObject({ start: timeSchema, end: timeSchema }, { error: requiredOr('must be an object') })
  .superRefine((range, ctx) => {
    if (range.start >= range.end)
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
  })
  .openapi({ description: 'the time range shown; start < end' });

/**
 * A chart as clients send it. `id` and `updated_at` are read-only: accepted, so a chart read can
 * be sent back as it is, and ignored. Any other unknown field is refused (a typo).
 */
export const chartBodySchema = z
  .strictObject(
    {
      name: nameSchema,
      site: siteNameSchema,
      points: pointListSchema,
      range: rangeInputSchema,
      options: optionsSchema.default({}),
      id: z.string().max(MAX_CHART_ID_LENGTH).optional().openapi({ readOnly: true }),
      updated_at: z.number().optional().openapi({ readOnly: true }),
    },
    { error: 'must be a JSON object' },
  )
  .openapi('ChartInput');

export type ChartBody = z.output<typeof chartBodySchema>;

/** A stored chart (API.md). */
export const chartSchema = z
  .object({
    id: z.string().openapi({ example: '0b6f3f9e-3f7c-4f0e-9d55-0f1e2d3c4b5a' }),
    name: z.string(),
    site: z.string().openapi({ example: 'demo-small' }),
    points: z.array(z.string()).openapi({ example: ['AHU-01-ZoneTemp'] }),
    range: z.object({
      start: z.number().int().openapi({ description: 'epoch ms' }),
      end: z.number().int().openapi({ description: 'epoch ms, after start' }),
    }),
    options: z.record(z.string(), z.unknown()),
    updated_at: z.number().int().openapi({ description: 'epoch ms of the last create or replace' }),
  })
  .openapi('Chart');

/** The listing's body. */
export const chartsPageSchema = z
  .object({
    items: z.array(chartSchema),
    next_cursor: z
      .string()
      .nullable()
      .openapi({ description: 'pass as `cursor` for the next page; null at the end' }),
  })
  .openapi('ChartsPage');

/** Query of GET /api/charts. */
export const chartsQuerySchema = z.object({
  limit: limitSchema(MAX_CHARTS_PAGE, DEFAULT_CHARTS_PAGE),
  cursor: cursorSchema.optional(),
});

/** Path parameters of /api/charts/{id}. */
export const chartParamsSchema = z.object({
  id: z
    .string({ error: requiredOr('must be a string') })
    .min(1, 'must not be empty')
    .max(MAX_CHART_ID_LENGTH, `must be at most ${MAX_CHART_ID_LENGTH} characters`)
    .regex(CHART_ID, 'may contain only letters, digits, "_" and "-"')
    .openapi({ param: { name: 'id', in: 'path' }, example: '0b6f3f9e-3f7c-4f0e-9d55-0f1e2d3c4b5a' }),
});
