// The bytes of one cached chunk, version 2: every point's times (chunk-times.ts: delta-of-delta
// or offsets from a grid, in the largest unit that fits), then every point's values as zig-zag
// varint deltas of round(v·10^e) when each value is such a decimal (the compact layout's test),
// else raw float64s; then the whole deflated when that is smaller. The point names are not
// stored: the chunk's key commits to them, and a checksum checks the reader's list. Exact for
// every double by construction. Pure, apart from the platform's (de)compression streams.
import { decimalExponent } from '../encoding/compact.ts';
import { ByteReader, ByteWriter, isZigzagSafe } from '../encoding/varint.ts';
import type { ChunkSeries } from './chunk-codec.ts';
import { readTimes, writeTimes } from './chunk-times.ts';

/** The object metadata's name for this encoding. */
export const CHUNK_ENCODING_V2 = 'chunk-v2';

const MAGIC = [0x56, 0x43, 0x32]; // "VC2"
const FLAG_DEFLATED = 1;
const VALUES_SCALED = 0;
const VALUES_RAW = 1;

/** FNV-1a over the names and a separator: the reader's point list must give the same. */
export function namesChecksum(names: readonly string[]): number {
  let h = 0x811c9dc5;
  for (const name of names) {
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
    h = Math.imul(h ^ 0xffff, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * A series' values as the deltas of round(v·10^e), with e: when every value is such a decimal
 * (the compact layout's test) and every delta a safe zig-zag integer; else null (float64s).
 */
export function scaledDeltas(v: readonly number[]): { e: number; deltas: number[] } | null {
  const e = decimalExponent(v);
  if (e === null) return null;
  const scale = 10 ** e;
  const deltas = new Array<number>(v.length);
  let previous = 0;
  for (let i = 0; i < v.length; i++) {
    const k = Math.round((v[i] as number) * scale);
    const d = k - previous;
    if (!isZigzagSafe(d)) return null;
    deltas[i] = d;
    previous = k;
  }
  return { e, deltas };
}

/** One series' values: zig-zag varint deltas of round(v·10^e) when exact (scaledDeltas), else float64s. */
export function writeValues(w: ByteWriter, v: readonly number[]): void {
  const scaled = scaledDeltas(v);
  if (!scaled) {
    w.byte(VALUES_RAW);
    for (const x of v) w.f64(x);
    return;
  }
  w.byte(VALUES_SCALED);
  w.byte(scaled.e);
  for (const d of scaled.deltas) w.zigzag(d);
}

/** The body up to the values: count, checksum, lengths, then every series' times. */
export function writeHead(w: ByteWriter, series: readonly ChunkSeries[]): void {
  w.varint(series.length);
  w.varint(namesChecksum(series.map((s) => s.point)));
  for (const s of series) {
    if (s.v.length !== s.t.length) throw new RangeError(`series ${s.point}: t and v differ in length`);
    w.varint(s.t.length);
  }
  // All the times, then all the values: like with like, for the compressor.
  const written: (readonly number[] | null)[] = [];
  for (const s of series) written.push(writeTimes(w, s.t, written) ? s.t : null);
}

/** The uncompressed body: count, checksum, lengths, then every series' times, then their values. */
export function encodeChunkBody(series: readonly ChunkSeries[]): Uint8Array<ArrayBuffer> {
  const w = new ByteWriter();
  writeHead(w, series);
  for (const s of series) writeValues(w, s.v);
  return w.finish();
}

/** Reads n values written by writeValues; throws a RangeError when malformed. */
export function readValues(r: ByteReader, n: number): number[] {
  const v = new Array<number>(n);
  const mode = r.byte();
  if (mode === VALUES_RAW) {
    for (let i = 0; i < n; i++) v[i] = r.f64();
    return v;
  }
  if (mode !== VALUES_SCALED) throw new RangeError('bad value block');
  const scale = 10 ** r.byte();
  let k = 0;
  for (let i = 0; i < n; i++) {
    k += r.nextZigzag();
    v[i] = k / scale;
  }
  return v;
}

/** Reads what writeHead wrote, for the given points: the lengths and times; null when not theirs. */
export function readHead(
  r: ByteReader,
  points: readonly string[],
): { lengths: number[]; times: number[][] } | null {
  const count = r.varint();
  if (count !== points.length || r.varint() !== namesChecksum(points)) return null;
  const lengths = points.map(() => r.varint());
  const times: number[][] = [];
  for (const n of lengths) times.push(readTimes(r, n, times));
  return { lengths, times };
}

/** Reads a body for the given points (the chunk's canonical list); null when it is not theirs or not whole. */
export function decodeChunkBody(bytes: Uint8Array, points: readonly string[]): ChunkSeries[] | null {
  try {
    const r = new ByteReader(bytes);
    const head = readHead(r, points);
    if (!head) return null;
    const out = points.map((point, i) => ({
      point,
      t: head.times[i] as number[],
      v: readValues(r, head.lengths[i] as number),
    }));
    return r.remaining === 0 ? out : null;
  } catch {
    return null;
  }
}

export type ByteTransform = ReadableWritablePair<Uint8Array, Uint8Array>;

/** The bytes through a (de)compression stream of the platform. */
export async function through(bytes: Uint8Array, transform: ByteTransform): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A stored chunk: the magic, a flags byte, then the body, or its deflation when that is smaller. */
export function frameChunk(body: Uint8Array, deflated: Uint8Array): Uint8Array<ArrayBuffer> {
  const useDeflate = deflated.byteLength < body.byteLength;
  const payload = useDeflate ? deflated : body;
  const out = new Uint8Array(MAGIC.length + 1 + payload.byteLength);
  out.set(MAGIC, 0);
  out[MAGIC.length] = useDeflate ? FLAG_DEFLATED : 0;
  out.set(payload, MAGIC.length + 1);
  return out;
}

/** A framed chunk's payload and whether it is deflated; null when the bytes are not one. */
export function unframeChunk(bytes: Uint8Array): { deflated: boolean; payload: Uint8Array } | null {
  if (bytes.byteLength < MAGIC.length + 1 || MAGIC.some((b, i) => bytes[i] !== b)) return null;
  const flags = bytes[MAGIC.length] as number;
  if ((flags & ~FLAG_DEFLATED) !== 0) return null;
  return { deflated: flags === FLAG_DEFLATED, payload: bytes.subarray(MAGIC.length + 1) };
}

/** The stored bytes of a chunk (its body framed, deflated by the platform when that pays). */
export async function packChunk(series: readonly ChunkSeries[]): Promise<Uint8Array<ArrayBuffer>> {
  const body = encodeChunkBody(series);
  return frameChunk(body, await through(body, new CompressionStream('deflate-raw') as ByteTransform));
}

/** Reads what packChunk wrote for these points; null for anything else (never a throw). */
export async function unpackChunk(
  bytes: Uint8Array,
  points: readonly string[],
): Promise<ChunkSeries[] | null> {
  const framed = unframeChunk(bytes);
  if (!framed) return null;
  if (!framed.deflated) return decodeChunkBody(framed.payload, points);
  try {
    const body = await through(framed.payload, new DecompressionStream('deflate-raw') as ByteTransform);
    return decodeChunkBody(body, points);
  } catch {
    return null;
  }
}
