// A job result as a sequence of frames, so it can be written slice by slice while ACE is still
// being read and never held whole (review 24): each frame is a u32 (LE) length and one chunk in the
// cache's encoding (cache/chunk-codec.ts), gzip-compressed on its own, so no compressor state
// spans frames. Writing to R2 is the consumer's business, reading it back is results.ts'.
import { type ChunkSeries, decodeChunk, encodeChunk } from '../cache/chunk-codec.ts';
import { gunzip, gzip } from '../encoding/gzip.ts';

/** Stored in the result object's metadata; bump it when the framing changes. */
export const RESULT_ENCODING = 'gzip-frames-f64-columns-v1';

const DAY_MS = 86_400_000;

/**
 * Samples one slice may be estimated at: a slice is fetched, encoded and written before the next
 * begins, so this (about 16 bytes a sample decoded, a few times that while parsing) bounds a job's
 * memory whatever its size; one frame of a download holds as many. 125,000 (was 250,000): a
 * task's peak fell from 18.7/22.9 to 15.0/18.1 MiB at 1 M/10 M samples (15.1/15.1 since batches
 * follow the points' densities), for 2–4% more stored
 * bytes and ACE pages (docs/PERFORMANCE.md, Jobs of any size).
 */
export const SLICE_MAX_SAMPLES = 125_000;

export interface Slice {
  startMs: number;
  endMs: number;
}

/**
 * Cuts [startMs, endMs) at UTC midnights into runs of whole days, each estimated at no more than
 * maxSamples (from the job's estimate spread evenly over its days); one day is the smallest
 * slice. Without an estimate every day is its own slice. Consecutive, in time order, covering the
 * window exactly.
 */
export function planSlices(
  startMs: number,
  endMs: number,
  estimatedSamples: number | null,
  maxSamples: number = SLICE_MAX_SAMPLES,
): Slice[] {
  if (endMs <= startMs) return [];
  const firstDay = Math.floor(startMs / DAY_MS);
  const days = Math.ceil(endMs / DAY_MS) - firstDay;
  const perDay = estimatedSamples === null ? Number.POSITIVE_INFINITY : estimatedSamples / days;
  const daysPerSlice = Math.max(1, Math.floor(maxSamples / Math.max(perDay, 1)));
  const slices: Slice[] = [];
  for (let day = firstDay; day * DAY_MS < endMs; day += daysPerSlice) {
    slices.push({
      startMs: Math.max(startMs, day * DAY_MS),
      endMs: Math.min(endMs, (day + daysPerSlice) * DAY_MS),
    });
  }
  return slices;
}

/** One slice's series as a frame. */
export async function encodeFrame(series: readonly ChunkSeries[]): Promise<Uint8Array> {
  const chunk = await gzip(encodeChunk(series));
  const out = new Uint8Array(4 + chunk.byteLength);
  new DataView(out.buffer).setUint32(0, chunk.byteLength, true);
  out.set(chunk, 4);
  return out;
}

/** A frame's bytes (after its length) as series; null when they are not a well-formed chunk. */
async function decodeFrame(bytes: Uint8Array): Promise<ChunkSeries[] | null> {
  try {
    return decodeChunk(await gunzip(bytes));
  } catch {
    return null;
  }
}

/** The bytes of a stored result are not a whole sequence of well-formed frames. */
export class MalformedResult extends Error {}

/**
 * Reads a stored result's frames one at a time from a byte stream, holding at most one frame's
 * bytes and series (plus one read of the stream) at a time: a result of any size streams. Throws
 * MalformedResult on a truncated or malformed frame — after the frames before it were yielded,
 * so a streaming caller must abort its response rather than end it cleanly.
 */
export async function* readFrames(body: ReadableStream<Uint8Array>): AsyncGenerator<ChunkSeries[]> {
  const reader = body.getReader();
  let buffered: Uint8Array = new Uint8Array(0);
  /** Reads until `need` bytes are buffered (false at the end first), joining the reads once. */
  const fill = async (need: number): Promise<boolean> => {
    if (buffered.byteLength >= need) return true;
    const parts = [buffered];
    let size = buffered.byteLength;
    let ended = false;
    while (size < need) {
      const { done, value } = await reader.read();
      if (done) {
        ended = true;
        break;
      }
      parts.push(value);
      size += value.byteLength;
    }
    const joined = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.byteLength;
    }
    buffered = joined;
    return !ended || size >= need;
  };
  let ended = false;
  try {
    for (;;) {
      if (!(await fill(1))) {
        ended = true;
        return;
      }
      if (!(await fill(4))) throw new MalformedResult('truncated frame length');
      const length = new DataView(buffered.buffer, buffered.byteOffset, 4).getUint32(0, true);
      if (!(await fill(4 + length))) throw new MalformedResult('truncated frame');
      const frame = await decodeFrame(buffered.subarray(4, 4 + length));
      buffered = buffered.subarray(4 + length);
      if (!frame) throw new MalformedResult('undecodable frame');
      yield frame;
    }
  } finally {
    // Stopped early (the client went away, or a malformed frame): the rest of the object is not
    // wanted, so its stream is cancelled rather than left open.
    if (ended) reader.releaseLock();
    else await reader.cancel().catch(() => undefined);
  }
}

/**
 * Concatenates each point's samples over `frames`, in frame order (slices are written in time
 * order, so the series stay ascending), into `byPoint` (points in first-seen order).
 */
export async function mergeFrames(
  frames: AsyncIterable<ChunkSeries[]>,
  byPoint: Map<string, ChunkSeries> = new Map(),
): Promise<Map<string, ChunkSeries>> {
  for await (const frame of frames) {
    for (const s of frame) {
      const target = byPoint.get(s.point);
      if (!target) {
        byPoint.set(s.point, { point: s.point, t: [...s.t], v: [...s.v] });
        continue;
      }
      for (let i = 0; i < s.t.length; i++) {
        target.t.push(s.t[i] as number);
        target.v.push(s.v[i] as number);
      }
    }
  }
  return byPoint;
}

/**
 * Reads frames back as each point's series (mergeFrames). Null when the bytes are not a whole
 * sequence of well-formed frames: a truncated result is never served.
 */
export async function decodeFrames(bytes: Uint8Array): Promise<ChunkSeries[] | null> {
  try {
    const byPoint = await mergeFrames(readFrames(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()));
    return [...byPoint.values()];
  } catch (e) {
    if (e instanceof MalformedResult) return null;
    throw e;
  }
}
