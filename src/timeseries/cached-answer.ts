// A fully cached read over the in-memory answer limit (JOB_MAX_SAMPLES) answered as a stream:
// the contract's body, written series by series (encoding/series-stream.ts) from the chunk tiers
// (cached-stream.ts), so its size costs time, not memory. Every chunk is read once before the
// answer starts (the census), so a chunk gone since the assessment turns the read into a job
// instead of a cut answer; one gone later (an expiry mid-stream) errors the stream.
import type { ChunkSeries } from '../cache/chunk-codec.ts';
import { CONTENT_TYPES } from '../encoding/codec.ts';
import { streamAnswer } from '../encoding/series-stream.ts';
import type { SeriesRequest } from '../requests.ts';
import type { AnswerShape } from './answer.ts';
import { type CachedRead, cachedSources, census } from './cached-stream.ts';
import type { ServeMeta } from './served.ts';

/** A streamed answer: its body (not yet compressed: the gzip middleware does), type and size. */
export interface StreamedAnswer {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  /** The raw samples of the chunks it is read from (the answer's, before any downsampling). */
  samples: number;
}

/** A fully cached read: the request, its day chunks (read by index, in time order), its estimate. */
export interface CachedReadInput {
  request: SeriesRequest;
  chunks: number;
  /** A chunk's series; null when it is gone or cannot be read (the tiers' miss or failure). */
  read(index: number): Promise<readonly ChunkSeries[] | null>;
  /** The assessment's estimate of what was not cached (meta's `estimated_samples`). */
  estimatedSamples: number;
}

class ChunkGone extends Error {}

/**
 * The answer of a fully cached read, its points in batches of at most `batchSamples` samples,
 * or null when one of its chunks cannot be read any more.
 */
export async function streamCached(
  input: CachedReadInput,
  shape: AnswerShape,
  batchSamples: number,
): Promise<StreamedAnswer | null> {
  const { request } = input;
  const read: CachedRead = {
    chunks: input.chunks,
    points: request.points,
    interval: request.interval,
    batchSamples,
    async read(index) {
      const series = await input.read(index);
      if (!series) throw new ChunkGone(`chunk ${index} of the read cannot be read`);
      return series;
    },
  };
  let counts: number[];
  try {
    counts = await census(read);
  } catch (e) {
    if (e instanceof ChunkGone) return null;
    throw e;
  }
  // The meta a hit laid out in memory has (served.ts), with the samples written.
  const meta = (samples: number) =>
    ({
      samples,
      dropped: 0,
      estimated_samples: input.estimatedSamples,
      route: 'cache',
      cache: 'hit',
      chunks: input.chunks,
      upstream_requests: 0,
    }) satisfies ServeMeta;
  const body = streamAnswer(
    {
      head: { site: request.site, start: request.startMs, end: request.endMs, interval: request.interval },
      count: request.points.length,
      series: cachedSources(read, counts),
      meta,
    },
    shape.layout,
    shape.format,
  );
  return {
    body,
    contentType: CONTENT_TYPES[shape.format],
    samples: counts.reduce((n, c) => n + c, 0),
  };
}
