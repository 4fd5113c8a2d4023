// One series' values in a v3 chunk (chunk-codec-v3.ts): v2's blocks (chunk-codec-v2.ts: zig-zag
// varint deltas of round(v·10^e), or float64s), and one form more for wide deltas — a block whose
// zig-zag deltas need two varint bytes on average keeps only their high part in the block and
// puts their low k bits apart, packed, in the chunk's low-bits section (its own piece, deflated
// only if that pays): noise in the low bits is incompressible, and in the block it filled
// deflate's tables with near-uniform bytes (Rice coding's split, with deflate as the coder of the
// high parts). Exact for every safe integer. Pure.
import { type ByteReader, ByteWriter } from '../encoding/varint.ts';
import { readValues, scaledDeltas, writeValues } from './chunk-codec-v2.ts';

const VALUES_SPLIT = 2;
/** A block is split when its mean zig-zag delta needs a second varint byte. */
const SPLIT_MEAN = 128;
/** The most low bits kept apart (32-bit packing: with 7 pending bits, 31 in all). */
const MAX_LOW_BITS = 24;
const EMPTY = new Uint8Array(0);

/** A series' value block, and its low bits (empty unless split), each written apart. */
export interface ValueBlock {
  bytes: Uint8Array;
  low: Uint8Array;
}

const zigzag = (d: number) => (d >= 0 ? d * 2 : -d * 2 - 1);
/** From zig-zag, by bits below 2^31 (a % of a double is a call to fmod), by halves above. */
const unzigzag = (z: number) => {
  if (z < 0x8000_0000) return (z >>> 1) ^ -(z & 1);
  const half = Math.floor(z / 2);
  return z === half * 2 ? half : -half - 1;
};

/** How many low bits of these zig-zag deltas to keep apart: 0 unless their mean is wide. */
function lowBitsOf(zz: readonly number[]): number {
  let sum = 0;
  for (const z of zz) sum += z;
  const mean = zz.length === 0 ? 0 : sum / zz.length;
  return mean < SPLIT_MEAN ? 0 : Math.min(MAX_LOW_BITS, Math.floor(Math.log2(mean)) - 1);
}

/** `bits`-bit numbers packed low bits first. */
function pack(xs: readonly number[], bits: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((xs.length * bits) / 8));
  let acc = 0;
  let pending = 0;
  let at = 0;
  for (const x of xs) {
    acc |= x << pending;
    pending += bits;
    while (pending >= 8) {
      out[at++] = acc & 0xff;
      acc >>>= 8;
      pending -= 8;
    }
  }
  if (pending > 0) out[at] = acc & 0xff;
  return out;
}

/** The block of a series' values: v2's, or split when its deltas are wide. */
export function valueBlock(v: readonly number[]): ValueBlock {
  const w = new ByteWriter();
  const scaled = scaledDeltas(v);
  const zz = scaled ? scaled.deltas.map(zigzag) : [];
  const k = lowBitsOf(zz);
  if (!scaled || k <= 0) {
    writeValues(w, v);
    return { bytes: w.finish(), low: EMPTY };
  }
  const unit = 2 ** k;
  const low = new Array<number>(zz.length);
  w.byte(VALUES_SPLIT);
  w.byte(scaled.e);
  w.byte(k);
  for (let i = 0; i < zz.length; i++) {
    const z = zz[i] as number;
    const high = Math.floor(z / unit);
    w.varint(high);
    low[i] = z - high * unit;
  }
  return { bytes: w.finish(), low: pack(low, k) };
}

/** The low bits of a chunk's split blocks, read in the blocks' order. */
export interface LowBits {
  bytes: Uint8Array;
  pos: number;
}

/** Reads n values' block, a split one's low bits from `low`; throws a RangeError when malformed. */
export function readValueBlock(r: ByteReader, n: number, low: LowBits): number[] {
  const at = r.pos;
  if (r.byte() !== VALUES_SPLIT) {
    r.pos = at;
    return readValues(r, n);
  }
  const scale = 10 ** r.byte();
  const k = r.byte();
  if (k < 1 || k > MAX_LOW_BITS) throw new RangeError('bad low bits');
  const { bytes } = low;
  let pos = low.pos;
  if (pos + Math.ceil((n * k) / 8) > bytes.byteLength) throw new RangeError('low bits past the end');
  const unit = 2 ** k;
  const mask = unit - 1;
  const v = new Array<number>(n);
  let acc = 0;
  let pending = 0;
  let x = 0;
  for (let i = 0; i < n; i++) {
    while (pending < k) {
      acc |= (bytes[pos++] as number) << pending;
      pending += 8;
    }
    const z = r.nextVarint() * unit + (acc & mask);
    acc >>>= k;
    pending -= k;
    if (z > Number.MAX_SAFE_INTEGER) throw new RangeError('value beyond the safe integers');
    x += unzigzag(z);
    v[i] = x / scale;
  }
  low.pos = pos;
  return v;
}
