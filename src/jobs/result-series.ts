// A job's result as one series source per point, in the job's order, for the JSON and MessagePack
// answers written series by series (encoding/series-stream.ts). A job reads its points in batches
// (tasks.ts), so its parts are point-major: a batch of several points is one part, read whole
// (bounded by the task limit); a point split in time over several parts is read part by part,
// afresh for each pass the writer makes. Owns no HTTP and no R2 access of its own (`open`).
import type { ColumnSeries } from '../encoding/layout.ts';
import type { SeriesSource } from '../encoding/series-stream.ts';
import { atInterval } from '../timeseries/downsample.ts';
import type { Interval } from '../timeseries/intervals.ts';
import { mergeFrames, readFrames } from './result-format.ts';

/** A stored part: its object, the job's points it holds (count null: all), its samples. */
export interface ResultPart {
  key: string;
  points: { from: number; count: number | null };
  samples: number;
}

/** Consecutive parts holding the same points: one batch of the job's. */
export interface ResultBatch {
  from: number;
  count: number;
  parts: ResultPart[];
  samples: number;
}

/**
 * The parts grouped into batches, or null when the batches do not cover the job's points exactly
 * once, in order (a result that cannot be answered point by point).
 */
export function batchesOf(parts: readonly ResultPart[], pointCount: number): ResultBatch[] | null {
  const batches: ResultBatch[] = [];
  for (const part of parts) {
    const count = part.points.count ?? pointCount;
    const last = batches.at(-1);
    if (last && last.from === part.points.from && last.count === count) {
      last.parts.push(part);
      last.samples += part.samples;
      continue;
    }
    if (part.points.from !== (last ? last.from + last.count : 0)) return null;
    batches.push({ from: part.points.from, count, parts: [part], samples: part.samples });
  }
  const end = batches.at(-1);
  return (end ? end.from + end.count : 0) === pointCount ? batches : null;
}

/** The first batch of several points that holds more than `max` samples (read whole, it would). */
export function oversizedBatch(batches: readonly ResultBatch[], max: number): ResultBatch | undefined {
  return batches.find((b) => b.count > 1 && b.samples > max);
}

/** Opens a stored object's bytes; throws when it cannot (the answer's stream then errors). */
export type OpenPart = (key: string) => Promise<ReadableStream<Uint8Array>>;

/** A batch of several points read whole: each point's samples, in frame (time) order. */
async function readBatch(batch: ResultBatch, open: OpenPart): Promise<Map<string, ColumnSeries>> {
  const byPoint = new Map<string, ColumnSeries>();
  for (const part of batch.parts) await mergeFrames(readFrames(await open(part.key)), byPoint);
  return byPoint;
}

/** One point over its batch's parts, frame by frame, every time it is asked. */
function streamedSource(point: string, batch: ResultBatch, open: OpenPart, interval: Interval): SeriesSource {
  return {
    point,
    async *pieces() {
      for (const part of batch.parts) {
        for await (const frame of readFrames(await open(part.key))) {
          // Frames are whole UTC days and every interval's buckets divide a day: none spans two.
          for (const s of frame) if (s.point === point) yield atInterval(s, interval);
        }
      }
    },
  };
}

/** The job's points as series sources, in its order, one batch in memory at most. */
export async function* seriesSources(
  batches: readonly ResultBatch[],
  points: readonly string[],
  open: OpenPart,
  interval: Interval,
): AsyncGenerator<SeriesSource> {
  for (const batch of batches) {
    const names = points.slice(batch.from, batch.from + batch.count);
    if (batch.count === 1) {
      yield streamedSource(names[0] as string, batch, open, interval);
      continue;
    }
    const read = await readBatch(batch, open);
    for (const point of names) {
      const whole = atInterval(read.get(point) ?? { point, t: [], v: [] }, interval);
      yield {
        point,
        async *pieces() {
          yield whole;
        },
      };
    }
  }
}
