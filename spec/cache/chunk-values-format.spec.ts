// The bytes of a v3 chunk's value blocks (src/cache/chunk-values.ts), worked by hand: v2's block
// while the mean zig-zag delta is under 128, split from 128 on (mode 2, the exponent, k, then each
// delta's high part as a varint, its low k bits packed apart, low bits first), k one under the
// mean's bit length and at most 24; and what the reader refuses. Stored chunks outlive deploys,
// so the format is pinned here; the round-trip property is chunk-values.spec.ts.
import { describe, expect, it } from 'vitest';
import { readValueBlock, valueBlock } from '../../src/cache/chunk-values.ts';
import { ByteReader } from '../../src/encoding/varint.ts';
import { varint } from '../support/chunk-bytes.ts';

const SPLIT = 2;

/** The block and low bits of v, as arrays, checked to read back. */
function block(v: number[]): { bytes: number[]; low: number[] } {
  const b = valueBlock(v);
  const out = { bytes: [...b.bytes], low: [...b.low] };
  expect(read(out.bytes, v.length, out.low)).toEqual(v);
  return out;
}

function read(bytes: number[], n: number, low: number[]): number[] {
  const r = new ByteReader(new Uint8Array(bytes));
  const lowBits = { bytes: new Uint8Array(low), pos: 0 };
  const v = readValueBlock(r, n, lowBits);
  expect(r.remaining).toBe(0);
  expect(lowBits.pos).toBe(low.length);
  return v;
}

describe('v3 value blocks: when a block is split', () => {
  it('keeps v2’s block for a mean zig-zag delta of 127.5: deltas 64 and −64, zig-zag 128 and 127', () => {
    // Mode 0 (scaled), exponent 0, 128 = 0x80 0x01, 127 = 0x7f.
    expect(block([64, 0])).toEqual({ bytes: [0, 0, 0x80, 0x01, 0x7f], low: [] });
  });

  it('splits at a mean of exactly 128: k = 7 − 1 = 6, 128 = 2·64 + 0', () => {
    expect(block([64])).toEqual({ bytes: [SPLIT, 0, 6, 2], low: [0] });
  });

  it('splits deltas 100 and −100 (zig-zag 200 and 199): highs 3 and 3, lows 8 and 7 in 12 bits', () => {
    // 8 | 7 << 6 = 456: 0xC8 (200), then the 4 bits left, 1.
    expect(block([100, 0])).toEqual({ bytes: [SPLIT, 0, 6, 3, 3], low: [200, 1] });
  });

  it('packs four 6-bit lows into 3 bytes, low bits first', () => {
    // 8 | 7 << 6 | 8 << 12 | 7 << 18 = 1868232 = 0x1C81C8.
    expect(block([100, 0, 100, 0])).toEqual({ bytes: [SPLIT, 0, 6, 3, 3, 3, 3], low: [0xc8, 0x81, 0x1c] });
  });

  it('splits a zero delta too: 300, 300 are zig-zag 600 and 0, k = 7', () => {
    // mean 300: log2 is 8.2, k = 8 − 1 = 7; 600 = 4·128 + 88; lows 88 and 0 in 14 bits.
    expect(block([300, 300])).toEqual({ bytes: [SPLIT, 0, 7, 4, 0], low: [88, 0] });
  });

  it('reads back zig-zags past 2^31 by halves: 2^40 is zig-zag 2^41, high 2^17', () => {
    expect(block([2 ** 40])).toEqual({ bytes: [SPLIT, 0, 24, ...varint(2 ** 17)], low: [0, 0, 0] });
    expect(block([-(2 ** 40)])).toEqual({
      bytes: [SPLIT, 0, 24, ...varint(2 ** 17 - 1)],
      low: [0xff, 0xff, 0xff],
    });
  });

  it('keeps v2’s block for no values', () => {
    expect(block([])).toEqual({ bytes: [0, 0], low: [] });
  });

  it('writes the exponent of decimals: 6.4 is 64 tenths', () => {
    expect(block([6.4])).toEqual({ bytes: [SPLIT, 1, 6, 2], low: [0] });
  });

  it('splits a negative delta by its zig-zag: −100 is 199 = 3·64 + 7', () => {
    expect(block([-100])).toEqual({ bytes: [SPLIT, 0, 6, 3], low: [7] });
  });

  it('keeps at most 24 low bits', () => {
    // 2^23: zig-zag 2^24, k = 24 − 1 = 23, high 2, 23 bits in 3 bytes.
    expect(block([2 ** 23])).toEqual({ bytes: [SPLIT, 0, 23, 2], low: [0, 0, 0] });
    // 2^24: zig-zag 2^25, k = 24, high 2.
    expect(block([2 ** 24])).toEqual({ bytes: [SPLIT, 0, 24, 2], low: [0, 0, 0] });
    // 2^26: zig-zag 2^27 would take k = 26: 24, high 8.
    expect(block([2 ** 26])).toEqual({ bytes: [SPLIT, 0, 24, 8], low: [0, 0, 0] });
  });

  it('reads the largest zig-zag, 2^53 − 1, as −2^52', () => {
    // 2^53 − 1 = (2^29 − 1)·2^24 + (2^24 − 1).
    expect(read([SPLIT, 0, 24, ...varint(2 ** 29 - 1)], 1, [0xff, 0xff, 0xff])).toEqual([-(2 ** 52)]);
  });

  it('reads k = 1', () => {
    // z = 1·2 + 1 = 3: −2.
    expect(read([SPLIT, 0, 1, 1], 1, [1])).toEqual([-2]);
  });
});

describe('v3 value blocks: what the reader refuses', () => {
  const refuses = (bytes: number[], n: number, low: number[], message: string) => {
    const run = () =>
      readValueBlock(new ByteReader(new Uint8Array(bytes)), n, { bytes: new Uint8Array(low), pos: 0 });
    expect(run).toThrow(RangeError);
    expect(run).toThrow(message);
  };

  it('k of 0 or over 24', () => {
    refuses([SPLIT, 0, 0, 2], 1, [0], 'bad low bits');
    refuses([SPLIT, 0, 25, 2], 1, [0, 0, 0, 0], 'bad low bits');
  });

  it('fewer low bytes than n·k bits need', () => {
    refuses([SPLIT, 0, 6, 2], 1, [], 'low bits past the end');
    refuses([SPLIT, 0, 6, 3, 3], 2, [200], 'low bits past the end');
  });

  it('a zig-zag past 2^53 − 1', () => {
    // 2^29·2^24 = 2^53.
    refuses([SPLIT, 0, 24, ...varint(2 ** 29)], 1, [0, 0, 0], 'value beyond the safe integers');
  });
});
