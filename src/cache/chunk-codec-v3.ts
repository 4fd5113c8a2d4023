// The bytes of one cached chunk, version 3: v2's body (chunk-codec-v2.ts) with the series' value
// blocks in order of their bytes' entropy, quietest first (the order written before them), cut at
// block boundaries into pieces of at least PIECE_BYTES, each deflated on its own when that is
// smaller. Deflate codes a block's bytes with one Huffman table, and zlib ends a block only when
// its buffer is full: a day of fifty sensors' values mixes a setpoint's zeros with an airflow's
// wide noise under one table. Ordered, neighbouring blocks are alike, and each piece gets tables
// of its own. Exact for every double (v2's blocks, only moved). Pure, apart from the platform's streams.
import { ByteReader, ByteWriter } from '../encoding/varint.ts';
import type { ChunkSeries } from './chunk-codec.ts';
import {
  type ByteTransform,
  readHead,
  readValues,
  through,
  writeHead,
  writeValues,
} from './chunk-codec-v2.ts';
import { entropyBits } from './chunk-times.ts';

/** The object metadata's name for this encoding. */
export const CHUNK_ENCODING_V3 = 'chunk-v3';

const MAGIC = [0x56, 0x43, 0x33]; // "VC3"
/** One piece, deflated; or (FLAG_PIECES) a count of pieces, each with its length and whether deflated. */
const FLAG_DEFLATED = 1;
const FLAG_PIECES = 2;
/**
 * A piece closes once it holds this many bytes of body: smaller ones pay a stream's header (its
 * Huffman tables, ~50–80 bytes) for little; measured on three corpora, 3–6 KB were within 1%
 * of each other and 4 KB the best or next to it on each (docs/PERFORMANCE.md).
 */
const PIECE_BYTES = 4096;

/** A body and where it may be cut into pieces (offsets, ascending, inside it). */
export interface CutBody {
  body: Uint8Array<ArrayBuffer>;
  cuts: number[];
}

/** The uncompressed body: v2's head, the values' order, the value blocks in it; and the cuts. */
export function encodeChunkBodyV3(series: readonly ChunkSeries[]): CutBody {
  const w = new ByteWriter();
  writeHead(w, series);
  const blocks = series.map((s) => {
    const b = new ByteWriter();
    writeValues(b, s.v);
    return b.finish();
  });
  const order = blocks
    .map((b, i) => ({ i, bits: b.byteLength === 0 ? 0 : entropyBits(b) / b.byteLength }))
    .sort((a, b) => a.bits - b.bits || a.i - b.i)
    .map((x) => x.i);
  // One series needs no order (a chunk of one point is the common small one).
  if (series.length > 1) for (const i of order) w.varint(i);
  const cuts: number[] = [];
  let pieceStart = 0;
  for (const i of order) {
    if (w.length - pieceStart >= PIECE_BYTES) {
      cuts.push(w.length);
      pieceStart = w.length;
    }
    w.bytes(blocks[i] as Uint8Array);
  }
  return { body: w.finish(), cuts };
}

/** Reads a v3 body for the given points (the chunk's canonical list); null when not theirs or not whole. */
export function decodeChunkBodyV3(bytes: Uint8Array, points: readonly string[]): ChunkSeries[] | null {
  try {
    const r = new ByteReader(bytes);
    const head = readHead(r, points);
    if (!head) return null;
    const n = points.length;
    const order = n > 1 ? points.map(() => r.varint()) : n === 1 ? [0] : [];
    const values: number[][] = new Array(n);
    for (const i of order) {
      if (!(i < n) || values[i] !== undefined) return null; // not a permutation
      values[i] = readValues(r, head.lengths[i] as number);
    }
    const out = points.map((point, i) => ({ point, t: head.times[i] as number[], v: values[i] as number[] }));
    return r.remaining === 0 ? out : null;
  } catch {
    return null;
  }
}

/** The body's pieces at its cuts. */
export function piecesOf({ body, cuts }: CutBody): Uint8Array[] {
  const at = [0, ...cuts, body.byteLength];
  return at.slice(1).map((end, k) => body.subarray(at[k] as number, end));
}

/** A stored chunk: the magic, flags, then its pieces, each as it is or deflated, whichever is smaller. */
export function framePieces(
  pieces: readonly Uint8Array[],
  deflated: readonly Uint8Array[],
): Uint8Array<ArrayBuffer> {
  const use = pieces.map((p, k) => {
    const d = deflated[k] as Uint8Array;
    return d.byteLength < p.byteLength ? { payload: d, deflated: true } : { payload: p, deflated: false };
  });
  const w = new ByteWriter();
  for (const b of MAGIC) w.byte(b);
  const only = use.length === 1 ? use[0] : undefined;
  if (only) {
    w.byte(only.deflated ? FLAG_DEFLATED : 0);
  } else {
    w.byte(FLAG_PIECES);
    w.varint(use.length);
    for (const u of use) w.varint(u.payload.byteLength * 2 + (u.deflated ? 1 : 0));
  }
  for (const u of use) w.bytes(u.payload);
  return w.finish();
}

/** A framed chunk's pieces, each with whether it is deflated; null when the bytes are not one. */
export function unframePieces(bytes: Uint8Array): { deflated: boolean; payload: Uint8Array }[] | null {
  if (bytes.byteLength < MAGIC.length + 1 || MAGIC.some((b, i) => bytes[i] !== b)) return null;
  const flags = bytes[MAGIC.length] as number;
  if (flags === 0 || flags === FLAG_DEFLATED) {
    return [{ deflated: flags === FLAG_DEFLATED, payload: bytes.subarray(MAGIC.length + 1) }];
  }
  if (flags !== FLAG_PIECES) return null;
  try {
    const r = new ByteReader(bytes.subarray(MAGIC.length + 1));
    const count = r.varint();
    if (count > r.remaining) return null;
    const heads = Array.from({ length: count }, () => r.varint());
    let at = MAGIC.length + 1 + r.pos;
    const out = heads.map((h) => {
      const length = Math.floor(h / 2);
      const payload = bytes.subarray(at, at + length);
      at += length;
      return { deflated: h % 2 === 1, payload };
    });
    return at === bytes.byteLength &&
      out.every((p, k) => p.payload.byteLength === Math.floor((heads[k] as number) / 2))
      ? out
      : null;
  } catch {
    return null;
  }
}

/** The pieces joined into one body again. */
export function joinPieces(pieces: readonly Uint8Array[]): Uint8Array {
  if (pieces.length === 1) return pieces[0] as Uint8Array;
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** The stored bytes of a chunk, its pieces deflated by the platform (at once) where that pays. */
export async function packChunkV3(series: readonly ChunkSeries[]): Promise<Uint8Array<ArrayBuffer>> {
  const pieces = piecesOf(encodeChunkBodyV3(series));
  const deflated = await Promise.all(
    pieces.map((p) => through(p, new CompressionStream('deflate-raw') as ByteTransform)),
  );
  return framePieces(pieces, deflated);
}

/** Reads what packChunkV3 wrote for these points; null for anything else (never a throw). */
export async function unpackChunkV3(
  bytes: Uint8Array,
  points: readonly string[],
): Promise<ChunkSeries[] | null> {
  const framed = unframePieces(bytes);
  if (!framed) return null;
  try {
    const pieces = await Promise.all(
      framed.map((p) =>
        p.deflated ? through(p.payload, new DecompressionStream('deflate-raw') as ByteTransform) : p.payload,
      ),
    );
    return decodeChunkBodyV3(joinPieces(pieces), points);
  } catch {
    return null;
  }
}
