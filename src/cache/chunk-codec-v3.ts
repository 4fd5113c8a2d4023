// The bytes of one cached chunk, version 3: v2's head (chunk-codec-v2.ts), then the series' value
// blocks (chunk-values.ts) in order of their bytes' entropy, quietest first (the order written
// before them), then wide deltas' low bits, cut at block boundaries into pieces of at least
// PIECE_BYTES, each deflated on its own when that is smaller. Deflate codes a block's bytes with
// one Huffman table, and zlib ends a block only when its buffer is full: a day of fifty sensors'
// values mixed a setpoint's zeros with an airflow's wide noise under one table. Ordered,
// neighbouring blocks are alike, and each piece gets tables of its own. Exact for every double.
// Pure, apart from the platform's streams.
import { ByteReader, ByteWriter } from '../encoding/varint.ts';
import type { ChunkSeries } from './chunk-codec.ts';
import { type ByteTransform, readHead, through, writeHead } from './chunk-codec-v2.ts';
import { entropyBits } from './chunk-times.ts';
import { type LowBits, readValueBlock, type ValueBlock, valueBlock } from './chunk-values.ts';

/** The object metadata's name for this encoding. */
export const CHUNK_ENCODING_V3 = 'chunk-v3';

const MAGIC = [0x56, 0x43, 0x33]; // "VC3"
/**
 * Flags: one piece, deflated; or (PIECES) a count of pieces, each with its length and whether
 * deflated; LOW: the last piece is the low-bits section of split value blocks, not body.
 */
const FLAG_DEFLATED = 1;
const FLAG_PIECES = 2;
const FLAG_LOW = 4;
/**
 * A piece closes once it holds this many bytes of body: smaller ones pay a stream's header (its
 * Huffman tables, ~50–80 bytes) for little; measured on three corpora, 3–6 KB were within 1%
 * of each other and 4 KB the best or next to it on each (docs/PERFORMANCE.md).
 */
const PIECE_BYTES = 4096;
const EMPTY = new Uint8Array(0);

/** A body, where it may be cut into pieces (offsets, ascending, inside it), and its low bits. */
export interface CutBody {
  body: Uint8Array<ArrayBuffer>;
  cuts: number[];
  low: Uint8Array;
}

/** What is stored, before deflate: the body's pieces, then the low bits as one more when there are any. */
export interface Pieces {
  pieces: Uint8Array[];
  low: boolean;
}

/**
 * The uncompressed body: v2's head, the values' order, the value blocks (chunk-values.ts) in it;
 * the cuts; and the split blocks' low bits, in the same order.
 */
export function encodeChunkBodyV3(series: readonly ChunkSeries[]): CutBody {
  const w = new ByteWriter();
  writeHead(w, series);
  const blocks = series.map((s) => valueBlock(s.v));
  const order = blocks
    .map(({ bytes }, i) => ({ i, bits: bytes.byteLength === 0 ? 0 : entropyBits(bytes) / bytes.byteLength }))
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
    w.bytes((blocks[i] as ValueBlock).bytes);
  }
  const low = new ByteWriter();
  for (const i of order) low.bytes((blocks[i] as ValueBlock).low);
  return { body: w.finish(), cuts, low: low.finish() };
}

/**
 * Reads a v3 body (and its low bits) for the given points (the chunk's canonical list); null when
 * not theirs or not whole.
 */
export function decodeChunkBodyV3(
  bytes: Uint8Array,
  points: readonly string[],
  lowBits: Uint8Array = EMPTY,
): ChunkSeries[] | null {
  try {
    const r = new ByteReader(bytes);
    const head = readHead(r, points);
    if (!head) return null;
    const n = points.length;
    const order = n > 1 ? points.map(() => r.varint()) : n === 1 ? [0] : [];
    const values: number[][] = new Array(n);
    const low: LowBits = { bytes: lowBits, pos: 0 };
    for (const i of order) {
      if (!(i < n) || values[i] !== undefined) return null; // not a permutation
      values[i] = readValueBlock(r, head.lengths[i] as number, low);
    }
    const out = points.map((point, i) => ({ point, t: head.times[i] as number[], v: values[i] as number[] }));
    return r.remaining === 0 && low.pos === lowBits.byteLength ? out : null;
  } catch {
    return null;
  }
}

/** The body's pieces at its cuts, and its low bits as the last when there are any. */
export function piecesOf({ body, cuts, low }: CutBody): Pieces {
  const at = [0, ...cuts, body.byteLength];
  const pieces = at.slice(1).map((end, k) => body.subarray(at[k] as number, end));
  return low.byteLength > 0 ? { pieces: [...pieces, low], low: true } : { pieces, low: false };
}

/** A stored chunk: the magic, flags, then its pieces, each as it is or deflated, whichever is smaller. */
export function framePieces(
  { pieces, low }: Pieces,
  deflated: readonly Uint8Array[],
): Uint8Array<ArrayBuffer> {
  const use = pieces.map((p, k) => {
    const d = deflated[k] as Uint8Array;
    return d.byteLength < p.byteLength ? { payload: d, deflated: true } : { payload: p, deflated: false };
  });
  const w = new ByteWriter();
  for (const b of MAGIC) w.byte(b);
  const only = use.length === 1 ? use[0] : undefined;
  if (only && !low) {
    w.byte(only.deflated ? FLAG_DEFLATED : 0);
  } else {
    w.byte(FLAG_PIECES | (low ? FLAG_LOW : 0));
    w.varint(use.length);
    for (const u of use) w.varint(u.payload.byteLength * 2 + (u.deflated ? 1 : 0));
  }
  for (const u of use) w.bytes(u.payload);
  return w.finish();
}

/** A framed chunk's pieces, each with whether it is deflated, and whether the last is low bits; null when not one. */
export function unframePieces(
  bytes: Uint8Array,
): { pieces: { deflated: boolean; payload: Uint8Array }[]; low: boolean } | null {
  if (bytes.byteLength < MAGIC.length + 1 || MAGIC.some((b, i) => bytes[i] !== b)) return null;
  const flags = bytes[MAGIC.length] as number;
  if (flags === 0 || flags === FLAG_DEFLATED) {
    return {
      pieces: [{ deflated: flags === FLAG_DEFLATED, payload: bytes.subarray(MAGIC.length + 1) }],
      low: false,
    };
  }
  if ((flags & ~FLAG_LOW) !== FLAG_PIECES) return null;
  try {
    const r = new ByteReader(bytes.subarray(MAGIC.length + 1));
    const count = r.varint();
    if (count > r.remaining || (flags & FLAG_LOW && count < 2)) return null;
    const heads = Array.from({ length: count }, () => r.varint());
    let at = MAGIC.length + 1 + r.pos;
    const pieces = heads.map((h) => {
      const payload = bytes.subarray(at, at + Math.floor(h / 2));
      at += Math.floor(h / 2);
      return { deflated: h % 2 === 1, payload };
    });
    const whole = pieces.every((p, k) => p.payload.byteLength === Math.floor((heads[k] as number) / 2));
    return whole && at === bytes.byteLength ? { pieces, low: (flags & FLAG_LOW) !== 0 } : null;
  } catch {
    return null;
  }
}

/** The body (its pieces joined) and the low bits of stored pieces already inflated, read for these points. */
export function decodePieces(
  pieces: readonly Uint8Array[],
  low: boolean,
  points: readonly string[],
): ChunkSeries[] | null {
  const body = low ? pieces.slice(0, -1) : pieces;
  return decodeChunkBodyV3(joinPieces(body), points, low ? pieces[pieces.length - 1] : EMPTY);
}

/** The pieces joined into one body again. */
function joinPieces(pieces: readonly Uint8Array[]): Uint8Array {
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
    pieces.pieces.map((p) => through(p, new CompressionStream('deflate-raw') as ByteTransform)),
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
      framed.pieces.map((p) =>
        p.deflated ? through(p.payload, new DecompressionStream('deflate-raw') as ByteTransform) : p.payload,
      ),
    );
    return decodePieces(pieces, framed.low, points);
  } catch {
    return null;
  }
}
