// A job's result as an export download (encoding/exports.ts: NDJSON or CSV), streamed frame by
// frame from the stored object: one frame's series and its text in memory at a time, whatever the
// result's size. Downsampled per frame when the job asked for an interval: frames are whole UTC
// days and every interval's buckets divide a day, so a bucket never spans two frames.
import type { ChunkSeries } from '../cache/chunk-codec.ts';
import { CSV_HEADER, type ExportFormat, exportLines } from '../encoding/exports.ts';
import { describeError, type Logger } from '../obs/log.ts';
import { downsample } from '../timeseries/downsample.ts';
import type { Interval } from '../timeseries/intervals.ts';

/**
 * The export's bytes as a stream pulled by the client's reads (back-pressure: a frame is read
 * from R2 only when the previous one's text was taken). A malformed frame errors the stream, so
 * the download is cut short rather than ending as if whole.
 */
export function exportStream(
  frames: AsyncGenerator<ChunkSeries[]>,
  format: ExportFormat,
  interval: Interval,
  log: Logger,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let headerSent = format !== 'csv';
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(CSV_HEADER));
        return;
      }
      try {
        const next = await frames.next();
        if (next.done) {
          controller.close();
          return;
        }
        const series = interval === 'raw' ? next.value : next.value.map((s) => downsample(s, interval));
        const text = exportLines(series, format);
        if (text.length > 0) controller.enqueue(encoder.encode(text));
      } catch (e) {
        log.error('jobs.result_export_failed', describeError(e));
        controller.error(e);
      }
    },
    async cancel() {
      await frames.return(undefined);
    },
  });
}
