// A job's result read back as the JSON answer a client gets (jobs/results.ts' batches written by
// encoding/series-stream.ts), decoded to column series: what the job specs compare with direct
// reads. Points with no samples are left out, so a result compares with a direct fetch's series.
import { decode, type Format } from '../../src/encoding/codec.ts';
import { type CompactSeries, fromCompact } from '../../src/encoding/compact.ts';
import { type ColumnSeries, type Layout, type RowSeries, toColumns } from '../../src/encoding/layout.ts';
import { streamAnswer } from '../../src/encoding/series-stream.ts';
import type { Result } from '../../src/errors.ts';
import { seriesSources } from '../../src/jobs/result-series.ts';
import type { JobResults } from '../../src/jobs/results.ts';
import type { Job } from '../../src/jobs/store.ts';

const pointsOf = (job: Job) => (job.request as { points: string[] }).points;

/** The decoded answer: every series in the job's order, as columns. */
export async function answerOf(
  results: JobResults,
  job: Pick<Job, 'id' | 'principal'>,
  layout: Layout = 'columns',
  format: Format = 'json',
): Promise<Result<ColumnSeries[]>> {
  const found = await results.series(job.id, job.principal, {
    pointCount: (j) => pointsOf(j).length,
    maxInMemory: Number.POSITIVE_INFINITY,
  });
  if (!found.ok) return found;
  const points = pointsOf(found.value.job);
  const stream = streamAnswer(
    {
      head: { site: found.value.job.site, start: 0, end: 0, interval: 'raw' },
      count: points.length,
      series: seriesSources(found.value.batches, points, found.value.open, 'raw'),
      meta: (samples) => ({ samples }),
    },
    layout,
    format,
  );
  const body = decode(new Uint8Array(await new Response(stream).arrayBuffer()), format) as {
    series: (ColumnSeries | RowSeries | CompactSeries)[];
  };
  const series = body.series.map((s) =>
    layout === 'rows'
      ? toColumns(s as RowSeries)
      : layout === 'compact'
        ? fromCompact(s as CompactSeries)
        : (s as ColumnSeries),
  );
  return { ok: true, value: series };
}

/** The result's series with samples, as a direct fetch returns them (points in the job's order). */
export async function readResult(
  results: JobResults,
  job: Pick<Job, 'id' | 'principal'>,
): Promise<Result<ColumnSeries[]>> {
  const answer = await answerOf(results, job);
  return answer.ok ? { ok: true, value: answer.value.filter((s) => s.t.length > 0) } : answer;
}
