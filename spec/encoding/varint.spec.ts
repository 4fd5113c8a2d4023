// Specifies src/encoding/varint.ts by its bytes, worked by hand from the definitions: LEB128
// (7 bits a byte, low bits first, the high bit set on every byte but the last), zig-zag
// (0, -1, 1, -2, … → 0, 1, 2, 3, …), little-endian float64; the writer growing past its first
// 256 bytes; the reader's fast paths agreeing with its general loop; and every malformed read a
// RangeError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter, isZigzagSafe } from '../../src/encoding/varint.ts';

const written = (write: (w: ByteWriter) => void): number[] => {
  const w = new ByteWriter();
  write(w);
  return [...w.finish()];
};

const reader = (bytes: number[]) => new ByteReader(new Uint8Array(bytes));

/** Varints worked by hand: 300 = 0b10_0101100 → 0xAC 0x02; 2^53 − 1 is 53 ones, 8 bytes. */
const VARINTS: [number, number[]][] = [
  [0, [0x00]],
  [1, [0x01]],
  [127, [0x7f]],
  [128, [0x80, 0x01]],
  [300, [0xac, 0x02]],
  [16_383, [0xff, 0x7f]],
  [16_384, [0x80, 0x80, 0x01]],
  [60_000, [0xe0, 0xd4, 0x03]],
  [2 ** 32, [0x80, 0x80, 0x80, 0x80, 0x10]],
  [Number.MAX_SAFE_INTEGER, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]],
];

/** Zig-zag: n ≥ 0 → 2n, n < 0 → −2n − 1, then as a varint. */
const ZIGZAGS: [number, number[]][] = [
  [0, [0x00]],
  [-1, [0x01]],
  [1, [0x02]],
  [-2, [0x03]],
  [63, [0x7e]],
  [-64, [0x7f]],
  [64, [0x80, 0x01]],
  [-8192, [0xff, 0x7f]],
  [8192, [0x80, 0x80, 0x01]],
  [-150, [0xab, 0x02]],
];

describe('varints', () => {
  it.each(VARINTS)('%d is written %j and read back by both readers', (n, bytes) => {
    expect(written((w) => w.varint(n))).toEqual(bytes);
    const r = reader(bytes);
    expect(r.varint()).toBe(n);
    expect(r.remaining).toBe(0);
    const fast = reader(bytes);
    expect(fast.nextVarint()).toBe(n);
    expect(fast.pos).toBe(bytes.length);
  });

  it.each([-1, 0.5, Number.NaN, 2 ** 53, Number.POSITIVE_INFINITY])('refuses to write %d', (n) => {
    expect(() => written((w) => w.varint(n))).toThrow(RangeError);
    expect(() => written((w) => w.varint(n))).toThrow(`varint: ${n} is not a non-negative safe integer`);
  });

  it('refuses a varint past the end, one of 9 bytes, and one beyond the safe integers', () => {
    expect(() => reader([]).varint()).toThrow(RangeError);
    expect(() => reader([0x80]).varint()).toThrow(RangeError);
    expect(() => reader([0x80, 0x80]).nextVarint()).toThrow(RangeError);
    expect(() => reader([0x80]).nextVarint()).toThrow(RangeError);
    expect(() => reader([...Array(8).fill(0xff), 0x01]).varint()).toThrow('longer than 8 bytes');
    // 2^53 needs bit 53, the 8th byte's 0x10 bit.
    expect(() => reader([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]).varint()).toThrow(
      'beyond the safe integers',
    );
  });
});

describe('zig-zag', () => {
  it.each(ZIGZAGS)('%d is written %j and read back by both readers', (n, bytes) => {
    expect(written((w) => w.zigzag(n))).toEqual(bytes);
    expect(reader(bytes).zigzag()).toBe(n);
    const fast = reader(bytes);
    expect(fast.nextZigzag()).toBe(n);
    expect(fast.pos).toBe(bytes.length);
  });

  it('reads what it wrote for every zig-zag-safe integer, with either reader', () => {
    const safe = fc.integer({ min: -(2 ** 52) + 1, max: 2 ** 52 - 1 });
    fc.assert(
      fc.property(fc.array(safe, { maxLength: 20 }), (ns) => {
        const bytes = written((w) => {
          for (const n of ns) w.zigzag(n);
        });
        const slow = reader(bytes);
        const fast = reader(bytes);
        expect(ns.map(() => slow.zigzag())).toEqual(ns);
        expect(ns.map(() => fast.nextZigzag())).toEqual(ns);
        expect(fast.remaining).toBe(0);
      }),
    );
  });

  it.each([
    [0, true],
    [2 ** 52 - 1, true],
    [-(2 ** 52) + 1, true],
    // |n|·2 + 1 must be safe: 2^52 gives 2^53 + 1.
    [2 ** 52, false],
    [-(2 ** 52), false],
    [0.5, false],
    [Number.NaN, false],
  ])('isZigzagSafe(%d) is %s', (n, safe) => {
    expect(isZigzagSafe(n)).toBe(safe);
  });
});

describe('float64 and raw bytes', () => {
  it('writes a float64 little-endian: 0.5 is 0x3FE0000000000000', () => {
    expect(written((w) => w.f64(0.5))).toEqual([0, 0, 0, 0, 0, 0, 0xe0, 0x3f]);
    expect(reader([0, 0, 0, 0, 0, 0, 0xe0, 0x3f]).f64()).toBe(0.5);
  });

  it('refuses a float64 with fewer than 8 bytes left', () => {
    const r = reader([1, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f]);
    r.byte();
    expect(r.f64()).toBe(0.5);
    const short = reader([1, 0, 0, 0, 0, 0, 0, 0xe0]);
    short.byte();
    expect(() => short.f64()).toThrow(RangeError);
    expect(() => short.f64()).toThrow('read past the end');
  });

  it('reads a float64 at its offset in a larger buffer', () => {
    const buf = new Uint8Array([9, 9, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f]);
    expect(new ByteReader(buf.subarray(2)).f64()).toBe(0.5);
  });

  it('refuses a byte past the end', () => {
    const r = reader([7]);
    expect(r.byte()).toBe(7);
    expect(() => r.byte()).toThrow(RangeError);
    expect(() => r.byte()).toThrow('read past the end');
  });
});

describe('the writer grows', () => {
  it('keeps every byte, in order, past its first 256 and past several doublings', () => {
    const bytes = Array.from({ length: 1500 }, (_, i) => i % 251);
    expect(
      written((w) => {
        for (const b of bytes.slice(0, 300)) w.byte(b);
        w.bytes(new Uint8Array(bytes.slice(300, 1300)));
        for (const b of bytes.slice(1300)) w.byte(b);
      }),
    ).toEqual(bytes);
  });

  it('keeps varints and float64s that straddle a growth', () => {
    const out = written((w) => {
      for (let i = 0; i < 253; i++) w.byte(1);
      w.varint(Number.MAX_SAFE_INTEGER);
      w.f64(0.5);
    });
    expect(out).toHaveLength(253 + 8 + 8);
    expect(out.slice(253)).toEqual([
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f,
    ]);
  });

  it('writes one block larger than twice its buffer in one go', () => {
    const block = new Uint8Array(5000).map((_, i) => i % 256);
    const w = new ByteWriter();
    w.byte(42);
    w.bytes(block);
    expect(w.length).toBe(5001);
    const out = w.finish();
    expect(out[0]).toBe(42);
    expect(out.subarray(1)).toEqual(block);
  });

  it('hands out a copy the writer no longer touches', () => {
    const w = new ByteWriter();
    w.byte(1);
    const first = w.finish();
    w.byte(2);
    expect([...first]).toEqual([1]);
    expect([...w.finish()]).toEqual([1, 2]);
  });
});
