// Byte ranges of a streamed download (RFC 9110 §14), for resuming a job's result download. Its
// bytes are generated as they are sent, so their length is known only at the end: one
// `bytes=first-[last]` range is honoured by generating the download once to learn its length
// (streamLength: a 206 names it, a 416 too), then again, skipping to `first` (sliceStream).
// Suffix ranges, several ranges and anything malformed are ignored, as the RFC allows, for the
// whole 200. Pure over web streams.

/** One range of byte offsets, `last` inclusive (null: to the end). */
export interface ByteRange {
  first: number;
  last: number | null;
}

const SINGLE_RANGE = /^\s*bytes\s*=\s*(\d+)\s*-\s*(\d*)\s*$/i;

/**
 * The range to honour, or null to send the whole download: no Range header, one this server
 * ignores, or an If-Range that is not the representation's current (strong) ETag.
 */
export function parseRange(
  range: string | undefined,
  ifRange: string | undefined,
  etag: string,
): ByteRange | null {
  if (range === undefined) return null;
  if (ifRange !== undefined && ifRange.trim() !== etag) return null;
  const m = SINGLE_RANGE.exec(range);
  if (!m) return null;
  const first = Number(m[1]);
  const last = m[2] === '' ? null : Number(m[2]);
  if (!Number.isSafeInteger(first) || (last !== null && (!Number.isSafeInteger(last) || last < first))) {
    return null;
  }
  return { first, last };
}

export type Sliced =
  | { kind: 'range'; body: ReadableStream<Uint8Array> }
  /** The whole ended at or before `first`: how long it was (for `Content-Range: bytes *\/length`). */
  | { kind: 'unsatisfiable'; length: number };

/**
 * Skips `range.first` bytes of `whole` (read and dropped), then gives the rest up to `last` as a
 * stream pulled by its reader; the source is cancelled once `last` is passed or the reader stops.
 */
export async function sliceStream(whole: ReadableStream<Uint8Array>, range: ByteRange): Promise<Sliced> {
  const reader = whole.getReader();
  let offset = 0;
  let pending: Uint8Array | null = null;
  while (pending === null) {
    const { done, value } = await reader.read();
    if (done) return { kind: 'unsatisfiable', length: offset };
    if (offset + value.byteLength > range.first) pending = value.subarray(range.first - offset);
    offset += value.byteLength;
  }
  // Bytes still wanted after `pending` (Infinity: to the end).
  let left = range.last === null ? Number.POSITIVE_INFINITY : range.last - range.first + 1;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = pending ?? (await reader.read()).value;
      pending = null;
      if (next === undefined || left <= 0) {
        controller.close();
        await reader.cancel().catch(() => undefined);
        return;
      }
      const piece = next.byteLength > left ? next.subarray(0, left) : next;
      left -= piece.byteLength;
      controller.enqueue(piece);
      if (left <= 0) {
        controller.close();
        await reader.cancel().catch(() => undefined);
      }
    },
    async cancel(reason) {
      await reader.cancel(reason);
    },
  });
  return { kind: 'range', body };
}

/** How many bytes the stream holds, read to its end and dropped. */
export async function streamLength(stream: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stream.getReader();
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return length;
    length += value.byteLength;
  }
}
