// A job's result as an export download (encoding/exports.ts: NDJSON or CSV; encoding/
// parquet-export.ts: Parquet), streamed frame by frame from the stored object: one frame's series
// and its bytes in memory at a time, whatever the result's size. Downsampled per frame when the
// job asked for an interval: frames are whole UTC days and every interval's buckets divide a day,
// so a bucket never spans two frames.
import type { ChunkSeries } from '../cache/chunk-codec.ts';
import { CSV_HEADER, type ExportFormat, exportLines } from '../encoding/exports.ts';
import { parquetPieces } from '../encoding/parquet-export.ts';
import { describeError, type Logger } from '../obs/log.ts';
import { downsample } from '../timeseries/downsample.ts';
import type { Interval } from '../timeseries/intervals.ts';

/** How a format writes: its first bytes, each frame's, its last bytes. */
interface ExportWriter {
  head(): Uint8Array;
  frame(series: readonly ChunkSeries[]): Uint8Array;
  tail(): Uint8Array;
}

const EMPTY = new Uint8Array(0);

function writerFor(format: ExportFormat): ExportWriter {
  if (format === 'parquet') {
    const file = parquetPieces();
    return { head: () => EMPTY, frame: (series) => file.rows(series), tail: () => file.end() };
  }
  const encoder = new TextEncoder();
  return {
    head: () => (format === 'csv' ? encoder.encode(CSV_HEADER) : EMPTY),
    frame: (series) => encoder.encode(exportLines(series, format)),
    tail: () => EMPTY,
  };
}

/**
 * The export's bytes as a stream pulled by the client's reads (back-pressure: a frame is read
 * from R2 only when the previous one's bytes were taken). A malformed frame errors the stream, so
 * the download is cut short rather than ending as if whole.
 */
export function exportStream(
  frames: AsyncGenerator<ChunkSeries[]>,
  format: ExportFormat,
  interval: Interval,
  log: Logger,
): ReadableStream<Uint8Array> {
  const writer = writerFor(format);
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!started) {
          started = true;
          const head = writer.head();
          if (head.byteLength > 0) {
            controller.enqueue(head);
            return;
          }
        }
        const next = await frames.next();
        if (next.done) {
          const tail = writer.tail();
          if (tail.byteLength > 0) controller.enqueue(tail);
          controller.close();
          return;
        }
        const series = interval === 'raw' ? next.value : next.value.map((s) => downsample(s, interval));
        const bytes = writer.frame(series);
        if (bytes.byteLength > 0) controller.enqueue(bytes);
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
