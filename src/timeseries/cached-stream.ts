// A fully cached read too large to lay out in memory, as series sources for the streamed answer
// (encoding/series-stream.ts). Cached chunks are day-major (one object per day holds every point
// of the read), an answer is point-major, so the chunks are read once to count each point's
// samples (the census), then once per batch: as many consecutive points of the request as
// `batchSamples` holds, read whole; a point over it alone is read day by day, once per pass its
// layout needs. Memory is one batch and one decoded chunk; the work is the chunks read
// 1 + batches times (the router bounds it: router.ts, CACHED_STREAM_MAX_SAMPLES). Owns no HTTP.
import type { ChunkSeries } from '../cache/chunk-codec.ts';
import type { ColumnSeries } from '../encoding/layout.ts';
import type { SeriesSource } from '../encoding/series-stream.ts';
import { atInterval } from './downsample.ts';
import type { Interval } from './intervals.ts';

/** Reads one of the read's chunks (in time order); throws when it is gone or cannot be read. */
export type ReadChunk = (index: number) => Promise<readonly ChunkSeries[]>;

export interface CachedRead {
  /** How many day chunks the read has, in time order. */
  chunks: number;
  read: ReadChunk;
  /** The request's points, in the order asked. */
  points: readonly string[];
  interval: Interval;
  /** The most samples of several points held at once. */
  batchSamples: number;
}

/** Consecutive points of the request read together: `from`, `count`, and whether read whole. */
export interface PointBatch {
  from: number;
  count: number;
  whole: boolean;
}

/**
 * The request's points in batches, in order: a batch grows while its samples stay within `max`;
 * a point over `max` on its own is a batch that is not read whole. Pure.
 */
export function pointBatches(counts: readonly number[], max: number): PointBatch[] {
  const batches: PointBatch[] = [];
  let samples = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i] as number;
    const last = batches.at(-1);
    if (n <= max && last?.whole && samples + n <= max) {
      last.count++;
      samples += n;
    } else {
      batches.push({ from: i, count: 1, whole: n <= max });
      samples = n;
    }
  }
  return batches;
}

/** Each point's samples over every chunk, in the request's order (one read of every chunk). */
export async function census(read: CachedRead): Promise<number[]> {
  const index = new Map(read.points.map((p, i) => [p, i]));
  const counts = new Array<number>(read.points.length).fill(0);
  for (let c = 0; c < read.chunks; c++) {
    for (const s of await read.read(c)) {
      const i = index.get(s.point);
      if (i !== undefined) counts[i] = (counts[i] as number) + s.t.length;
    }
  }
  return counts;
}

const once = (series: ColumnSeries): SeriesSource => ({
  point: series.point,
  async *pieces() {
    yield series;
  },
});

/** A batch's points read whole, in one pass over the chunks. */
async function readWhole(read: CachedRead, names: readonly string[]): Promise<ColumnSeries[]> {
  const byPoint = new Map(names.map((p) => [p, { point: p, t: [] as number[], v: [] as number[] }]));
  for (let c = 0; c < read.chunks; c++) {
    for (const s of await read.read(c)) {
      const target = byPoint.get(s.point);
      if (!target) continue;
      for (let i = 0; i < s.t.length; i++) {
        target.t.push(s.t[i] as number);
        target.v.push(s.v[i] as number);
      }
    }
  }
  return names.map((p) => atInterval(byPoint.get(p) as ColumnSeries, read.interval));
}

/** One point day by day, every time it is asked (each day's buckets lie inside the day). */
function dayByDay(read: CachedRead, point: string): SeriesSource {
  return {
    point,
    async *pieces() {
      for (let c = 0; c < read.chunks; c++) {
        const s = (await read.read(c)).find((x) => x.point === point);
        if (s && s.t.length > 0) yield atInterval({ point, t: s.t, v: s.v }, read.interval);
      }
    },
  };
}

/** The request's points as series sources, in its order, given each point's samples (`census`). */
export async function* cachedSources(
  read: CachedRead,
  counts: readonly number[],
): AsyncGenerator<SeriesSource> {
  for (const batch of pointBatches(counts, read.batchSamples)) {
    const names = read.points.slice(batch.from, batch.from + batch.count);
    if (!batch.whole) {
      yield dayByDay(read, names[0] as string);
      continue;
    }
    for (const series of await readWhole(read, names)) yield once(series);
  }
}
