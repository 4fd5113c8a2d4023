// The bytes of one cached chunk, version 1 (still read; new chunks are chunk-codec-v3.ts): the
// points in canonical order, each with its timestamps and values as little-endian float64
// columns, gzipped by the result cache. Exact for every double. And the one place that reads a
// stored chunk of either version (by its metadata's encoding). Pure, apart from decompression.
import { CHUNK_ENCODING_V2, unpackChunk } from './chunk-codec-v2.ts';
import { CHUNK_ENCODING_V3, unpackChunkV3 } from './chunk-codec-v3.ts';

/** The encoding of version-1 chunks (objects written before codec v2), kept readable. */
export const CHUNK_ENCODING_V1 = 'f64-columns-v1';
/** The encoding new chunks are written in (the object metadata's `encoding`). */
export const CHUNK_ENCODING = CHUNK_ENCODING_V3;

/**
 * A stored chunk's series, whatever its version; null when it is not a well-formed chunk of these
 * points (the chunk's canonical list), or of an encoding this Worker does not read.
 */
export async function decodeStoredChunk(
  payload: Uint8Array,
  encoding: string,
  points: readonly string[],
): Promise<ChunkSeries[] | null> {
  if (encoding === CHUNK_ENCODING_V3) return unpackChunkV3(payload, points);
  // Objects written before v3 (and the edge cache's copies of them) until they expire.
  if (encoding === CHUNK_ENCODING_V2) return unpackChunk(payload, points);
  if (encoding !== CHUNK_ENCODING_V1) return null;
  const series = decodeChunk(payload);
  // A v1 chunk names its points: they must be the ones asked for, in the same order.
  return series && series.length === points.length && series.every((s, i) => s.point === points[i])
    ? series
    : null;
}

/** One point's samples in a chunk: ascending t, finite v, equal lengths. */
export interface ChunkSeries {
  point: string;
  t: number[];
  v: number[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Layout: u32 header length (LE), the header JSON `{points, counts}`, zero padding to an 8-byte
 * boundary, then per point `count` float64 timestamps followed by `count` float64 values.
 */
export function encodeChunk(series: readonly ChunkSeries[]): Uint8Array {
  const header = encoder.encode(
    JSON.stringify({ points: series.map((s) => s.point), counts: series.map((s) => s.t.length) }),
  );
  const headerEnd = 4 + header.byteLength;
  const dataStart = Math.ceil(headerEnd / 8) * 8;
  const samples = series.reduce((n, s) => n + s.t.length, 0);
  const out = new Uint8Array(dataStart + samples * 16);
  new DataView(out.buffer).setUint32(0, header.byteLength, true);
  out.set(header, 4);
  const data = new DataView(out.buffer, dataStart);
  let offset = 0;
  for (const s of series) {
    if (s.v.length !== s.t.length) throw new RangeError(`series ${s.point}: t and v differ in length`);
    for (const t of s.t) {
      data.setFloat64(offset, t, true);
      offset += 8;
    }
    for (const v of s.v) {
      data.setFloat64(offset, v, true);
      offset += 8;
    }
  }
  return out;
}

/** Reads bytes written by encodeChunk; null when they are not a well-formed chunk. */
export function decodeChunk(bytes: Uint8Array): ChunkSeries[] | null {
  try {
    if (bytes.byteLength < 4) return null;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLength = view.getUint32(0, true);
    if (4 + headerLength > bytes.byteLength) return null;
    const header: unknown = JSON.parse(decoder.decode(bytes.subarray(4, 4 + headerLength)));
    if (!isHeader(header)) return null;
    const dataStart = Math.ceil((4 + headerLength) / 8) * 8;
    const total = header.counts.reduce((n, c) => n + c, 0);
    if (dataStart + total * 16 !== bytes.byteLength) return null;
    const out: ChunkSeries[] = [];
    let offset = dataStart;
    header.points.forEach((point, i) => {
      const count = header.counts[i] ?? 0;
      const t = new Array<number>(count);
      const v = new Array<number>(count);
      for (let k = 0; k < count; k++) t[k] = view.getFloat64(offset + k * 8, true);
      offset += count * 8;
      for (let k = 0; k < count; k++) v[k] = view.getFloat64(offset + k * 8, true);
      offset += count * 8;
      out.push({ point, t, v });
    });
    return out;
  } catch {
    return null;
  }
}

function isHeader(value: unknown): value is { points: string[]; counts: number[] } {
  if (typeof value !== 'object' || value === null) return false;
  const { points, counts } = value as { points?: unknown; counts?: unknown };
  return (
    Array.isArray(points) &&
    Array.isArray(counts) &&
    points.length === counts.length &&
    points.every((p) => typeof p === 'string') &&
    counts.every((c) => Number.isSafeInteger(c) && c >= 0)
  );
}
