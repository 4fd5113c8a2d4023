// The job routes of API.md: a job's status, its result (in the timeseries route's formats and
// layouts, or streamed as an NDJSON or CSV download of any size) and cancellation. A job belongs to its principal: another principal's job is 404 on
// every route, so ids leak nothing. Services do the work (jobs/store.ts, jobs/results.ts).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { CONTENT_TYPES, type Format } from '../../encoding/codec.ts';
import { EXPORT_CONTENT_TYPES, type ExportFormat } from '../../encoding/exports.ts';
import { LAYOUTS, type Layout } from '../../encoding/layout.ts';
import { streamAnswer } from '../../encoding/series-stream.ts';
import { AppErrorException, unwrap } from '../../errors.ts';
import { exportStream } from '../../jobs/result-export.ts';
import { seriesSources } from '../../jobs/result-series.ts';
import { toAppError } from '../../jobs/store.ts';
import { splitAtDays } from '../../timeseries/chunks.ts';
import { INTERVALS } from '../../timeseries/intervals.ts';
import type { AppEnv } from '../context.ts';
import { negotiateResultFormat } from '../negotiate.ts';
import { parseRange, sliceStream, streamLength } from '../range.ts';
import { errorResponse as error } from '../schemas/error.ts';
import { jobCancelledSchema, jobParamsSchema, jobStatusSchema, presentJob } from '../schemas/jobs.ts';
import { timeseriesResponseSchema } from '../schemas/timeseries.ts';
import { validationHook } from '../validation.ts';

const statusRoute = createRoute({
  method: 'get',
  path: '/api/jobs/{id}',
  tags: ['jobs'],
  summary: "A job's status and progress",
  request: { params: jobParamsSchema },
  responses: {
    200: { description: 'the job', content: { 'application/json': { schema: jobStatusSchema } } },
    404: error("no such job (another principal's job is 404 too)"),
  },
});

const resultQuerySchema = z.object({
  layout: z
    .enum(LAYOUTS, { error: `must be one of: ${LAYOUTS.join(', ')}` })
    .optional()
    .openapi({ description: 'defaults to the layout of the submitted request' }),
  format: z.string().optional().openapi({
    description: 'json, msgpack, ndjson, csv or parquet (overrides Accept; anything else is 406)',
  }),
});

const resultRoute = createRoute({
  method: 'get',
  path: '/api/jobs/{id}/result',
  tags: ['jobs'],
  summary: "A succeeded job's data, in the timeseries route's formats and layouts",
  request: { params: jobParamsSchema, query: resultQuerySchema },
  responses: {
    200: {
      description: 'the series, as the timeseries route would have answered',
      content: {
        'application/json': { schema: timeseriesResponseSchema },
        'application/msgpack': { schema: timeseriesResponseSchema },
        'application/x-ndjson': {
          schema: z.string().openapi({ description: 'one {"point","t","v"} object per line, streamed' }),
        },
        'text/csv': {
          schema: z.string().openapi({ description: 'point,time,value (ISO 8601 UTC), streamed' }),
        },
        'application/vnd.apache.parquet': {
          schema: z.string().openapi({
            description:
              'columns point, time (TIMESTAMP_MILLIS), value (DOUBLE); a row group per job slice (whole days), streamed',
          }),
        },
      },
    },
    206: {
      description:
        'the bytes `Range: bytes=first-[last]` asked for of an NDJSON, CSV or Parquet download (uncompressed; Content-Range names the whole length)',
      content: {
        'application/x-ndjson': { schema: z.string() },
        'text/csv': { schema: z.string() },
        'application/vnd.apache.parquet': { schema: z.string() },
      },
    },
    404: error('no such job'),
    406: error('no acceptable format'),
    409: error('the job has not succeeded'),
    416: error('the range starts at or past the end of the download (Content-Range: bytes */length)'),
    413: error(
      'points of the result were read together (a job planned before point batches, or without an estimate) in more samples than can be laid out at once: ask for ndjson, csv or parquet',
    ),
    410: error('the result has expired'),
    503: error('the result store failed'),
  },
});

const cancelRoute = createRoute({
  method: 'delete',
  path: '/api/jobs/{id}',
  tags: ['jobs'],
  summary: 'Cancels a job: at once when waiting, at the next page boundary when running',
  request: { params: jobParamsSchema },
  responses: {
    200: {
      description: 'cancelled (or stopping)',
      content: { 'application/json': { schema: jobCancelledSchema } },
    },
    404: error('no such job'),
    409: error('the job has already finished'),
  },
});

/** What the stored request says about presentation (written by jobs/requests.ts). */
const storedRequestSchema = z.object({
  points: z.array(z.string()),
  start: z.number(),
  end: z.number(),
  interval: z.enum(INTERVALS).catch('raw'),
  layout: z.enum(LAYOUTS).catch('columns'),
});

/**
 * The strong ETag of a finished job's export: its bytes are a function of the stored result (fixed
 * once the job succeeded) and of the export's text format, whose version is the suffix.
 */
const exportEtag = (jobId: string, format: ExportFormat) => `"${jobId}.${format}.v1"`;

/**
 * A job's result as a streamed NDJSON or CSV download (jobs/result-export.ts), resumable: `Range:
 * bytes=first-[last]` (with If-Range, the ETag) answers 206 with those bytes of the uncompressed
 * text, never compressed; the text is generated once to learn its length (the 206's
 * Content-Range names it; 416 when `first` is past it), then again from the start, skipped to
 * `first` (http/range.ts). A ranged request costs two generations of the text; a plain one, one.
 */
async function exportResult(c: Context<AppEnv>, id: string, format: ExportFormat): Promise<Response> {
  const results = c.env.services.jobResults;
  const { job, frames } = unwrap(await results.open(id, c.var.principal));
  const interval = storedRequestSchema.safeParse(job.request).data?.interval ?? 'raw';
  const text = (f: typeof frames) => exportStream(f, format, interval, c.var.log);
  const etag = exportEtag(job.id, format);
  const range = parseRange(c.req.header('range'), c.req.header('if-range'), etag);
  c.set('served', { samples: job.result?.samples ?? 0, estimatedSamples: job.estimatedSamples ?? 0 });
  c.header('Cache-Control', 'private, no-store');
  c.header('Vary', 'Accept', { append: true });
  c.header('Content-Type', EXPORT_CONTENT_TYPES[format]);
  c.header('Content-Disposition', `attachment; filename="${job.id}.${format}"`);
  c.header('ETag', etag);
  c.header('Accept-Ranges', 'bytes');
  if (!range) return c.body(text(frames), 200);
  const length = await streamLength(text(frames));
  const last = Math.min(range.last ?? length - 1, length - 1);
  const again = range.first < length ? unwrap(await results.open(id, c.var.principal)) : null;
  const sliced = again ? await sliceStream(text(again.frames), { first: range.first, last }) : null;
  if (!sliced || sliced.kind === 'unsatisfiable') {
    throw new AppErrorException({
      kind: 'range_not_satisfiable',
      message: `the download is ${length} bytes long: it has no byte ${range.first}`,
      length,
    });
  }
  c.header('Content-Range', `bytes ${range.first}-${last}/${length}`);
  c.header('Content-Length', String(last - range.first + 1));
  return c.body(sliced.body, 206);
}

/**
 * A succeeded job's data as the timeseries route answers, written series by series from the
 * stored parts (jobs/result-series.ts, encoding/series-stream.ts): any size streams.
 */
async function seriesResult(c: Context<AppEnv>, id: string, asked: Layout | undefined, format: Format) {
  const config = c.env.services.config;
  const storedOf = (request: unknown) => storedRequestSchema.safeParse(request).data;
  const found = unwrap(
    await c.env.services.jobResults.series(id, c.var.principal, {
      pointCount: (j) => storedOf(j.request)?.points.length ?? 0,
      // A batch of several points is one task's part, read whole: twice the task limit at most.
      maxInMemory: 2 * config.jobTaskMaxSamples,
    }),
  );
  const { job } = found;
  const stored = storedOf(job.request);
  const layout = asked ?? stored?.layout ?? 'columns';
  const interval = stored?.interval ?? 'raw';
  const start = stored?.start ?? 0;
  const end = stored?.end ?? 0;
  c.set('served', { samples: job.result?.samples ?? 0, estimatedSamples: job.estimatedSamples ?? 0 });
  c.header('Cache-Control', 'private, no-store');
  c.header('Vary', 'Accept', { append: true });
  c.header('Content-Type', CONTENT_TYPES[format]);
  const body = streamAnswer(
    {
      head: { site: job.site, start, end, interval },
      count: stored?.points.length ?? 0,
      series: seriesSources(found.batches, stored?.points ?? [], found.open, interval),
      meta: (samples) => ({
        samples,
        dropped: 0,
        estimated_samples: job.estimatedSamples ?? 0,
        route: 'upstream',
        cache: 'miss',
        chunks: splitAtDays(start, end).length,
        upstream_requests: job.progress.pages,
      }),
    },
    layout,
    format,
  );
  return c.body(body, 200);
}

/** The jobs sub-app. */
export const jobsRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(statusRoute, async (c) => {
    const { id } = c.req.valid('param');
    const job = unwrap(await c.env.services.jobStore.get(id, c.var.principal));
    if (!job) throw new AppErrorException({ kind: 'not_found', message: 'no such job' });
    c.header('Cache-Control', 'private, no-store');
    return c.json(presentJob(job), 200);
  })
  .openapi(resultRoute, async (c) => {
    const { id } = c.req.valid('param');
    const query = c.req.valid('query');
    const format = unwrap(negotiateResultFormat({ accept: c.req.header('accept'), format: query.format }));
    if (format === 'ndjson' || format === 'csv' || format === 'parquet') return exportResult(c, id, format);
    return seriesResult(c, id, query.layout, format);
  })
  .openapi(cancelRoute, async (c) => {
    const { id } = c.req.valid('param');
    const cancelled = await c.env.services.jobStore.requestCancel(id, c.var.principal);
    if (!cancelled.ok) throw new AppErrorException(toAppError(cancelled.error));
    // A running job stops at its next page boundary: cancelled for the client, pending until then.
    return c.json(
      { id: cancelled.value.id, status: 'cancelled' as const, pending: cancelled.value.status === 'running' },
      200,
    );
  });
