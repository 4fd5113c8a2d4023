// Which form src/cache/chunk-times.ts writes one series' times in, decided by worked inputs: the
// order-0 entropy estimate the forms are compared by (exact for symbols within ±4096, an
// Elias-gamma-like 2·log2(|s| + 1) + 1 bits beyond), when the grid form is tried (16 samples or
// more, and a stepped form over 64 bits) and taken (cheaper by more than its 64-bit header), how
// much an edit script may cost, which of equally cheap earlier series it refers to, which
// written series a later one may refer to, and the errors readTimes throws. The round trips and
// the bytes of each form are chunk-codec-v2.spec.ts and chunk-codec-v2-format.spec.ts.
import { describe, expect, it } from 'vitest';
import { entropyBits, readTimes, writeTimes } from '../../src/cache/chunk-times.ts';
import { ByteReader, ByteWriter } from '../../src/encoding/varint.ts';
import { varint, zigzag } from '../support/chunk-bytes.ts';

const STEPPED = 0;
const RAW = 1;
const GRID = 2;
const LIKE = 3;

/** The bytes writeTimes writes for `t` after `earlier`, what it returns, and t read back. */
function write(t: readonly number[], earlier: readonly (readonly number[] | null)[] = []) {
  const w = new ByteWriter();
  const reusable = writeTimes(w, t, earlier);
  const bytes = [...w.finish()];
  const back = readTimes(
    new ByteReader(new Uint8Array(bytes)),
    t.length,
    earlier.map((e) => e ?? []),
  );
  expect(back).toEqual(t);
  return { bytes, mode: bytes[0], reusable };
}

/** Delta-of-deltas of the steps of t in `unit` (the stepped form's symbols), by their definition. */
function deltaOfDeltas(t: readonly number[], unit: number): number[] {
  const steps = t.slice(1).map((x, i) => (x - (t[i] as number)) / unit);
  return steps.map((s, i) => s - (i === 0 ? 0 : (steps[i - 1] as number)));
}

describe('entropyBits: what an order-0 coder would spend', () => {
  it.each([
    ['no symbols', [], 0],
    ['one symbol', [7], 0],
    ['one symbol repeated', [-3, -3, -3], 0],
    ['two equally likely', [0, 1], 2],
    ['two pairs', [3, 5, 3, 5], 4],
    // −2·log2(2/3) − log2(1/3) = 2·0.585 + 1.585
    ['two of one, one of another', [1, 1, 2], 2 * Math.log2(3 / 2) + Math.log2(3)],
  ])('%s', (_, symbols, bits) => {
    expect(entropyBits(symbols)).toBeCloseTo(bits, 9);
  });

  it('counts −4096 and 4095 exactly, the last symbols of the histogram', () => {
    expect(entropyBits([-4096])).toBe(0);
    expect(entropyBits([4095])).toBe(0);
    expect(entropyBits([-4096, 4095])).toBe(2);
  });

  it('prices a symbol beyond them at 2·log2(|s| + 1) + 1 bits, alone', () => {
    expect(entropyBits([8191])).toBe(27); // 2·13 + 1
    expect(entropyBits([-8191])).toBe(27);
    expect(entropyBits([4096])).toBeCloseTo(2 * Math.log2(4097) + 1, 9);
    expect(entropyBits([-4097])).toBeCloseTo(2 * Math.log2(4098) + 1, 9);
    // The 0 is one of two symbols: 1 bit.
    expect(entropyBits([0, 8191])).toBe(28);
  });

  it('starts from an empty histogram every time', () => {
    expect(entropyBits([1, 1, 2])).toBe(entropyBits([2, 1, 1]));
    expect(entropyBits([5])).toBe(0);
  });
});

describe('writeTimes: what a later series may refer to', () => {
  it('only series written exactly as integers: not raw ones', () => {
    expect(write([0, 1000, 2000]).reusable).toBe(true);
    expect(write([0.5, 1]).reusable).toBe(false);
    expect(write([]).reusable).toBe(false);
  });

  it('a series written as edits may be referred to in turn', () => {
    const a = Array.from({ length: 21 }, (_, k) => 2 ** k - 1);
    const edited = write(a, [a]);
    expect(edited.mode).toBe(LIKE);
    expect(edited.reusable).toBe(true);
  });

  it('times with −0 are raw, and a later series with 0 in its place is not written against them', () => {
    // Against the raw series the script would keep all 21 (−0 === 0) and read −0 back.
    const a = Array.from({ length: 21 }, (_, k) => 2 ** k - 1);
    const withMinusZero = [-0, ...a.slice(1)];
    const first = write(withMinusZero);
    expect(first.mode).toBe(RAW);
    expect(first.reusable).toBe(false);
    expect(write(a, [null]).bytes).toEqual(write(a).bytes);
  });
});

describe('writeTimes: how much an edit script may cost', () => {
  // 20 times 1 s apart: delta-of-deltas 1 then 0s, about 5.7 bits, under one byte. An identical
  // earlier series takes a 3-byte script (keep 20, drop 0, add 0): dearer, so the times are
  // written stepped, not as edits.
  const steady = Array.from({ length: 20 }, (_, i) => i * 1000);

  it('no more than the series costs alone: a steady series is written stepped', () => {
    expect(entropyBits(deltaOfDeltas(steady, 1000))).toBeLessThan(8);
    expect(write(steady, [steady]).mode).toBe(STEPPED);
  });

  it('of equally cheap scripts, the one against the most recent series', () => {
    const a = Array.from({ length: 21 }, (_, k) => 2 ** k - 1);
    // Mode 3, reference 1, keep 21, drop 0, add 0.
    expect(write(a, [a, a]).bytes).toEqual([LIKE, 1, 21, 0, 0]);
  });

  it('an identical earlier series is not worth more than the stepped form that would be written', () => {
    // 16 times on a 60 s grid (in seconds), two of them off by one second: the stepped form's
    // 15 delta-of-deltas (60, then 0s, and 1, −2, 1 and −1, 2, −1 around the two) cost about
    // 30.6 bits, 3.8 bytes, so a 3-byte script is taken. The grid (offsets: fourteen 0s, a 1 and
    // a −1, 10.7 bits) is not tried at 64 bits or under, so it does not lower that budget.
    const T0 = Date.UTC(2026, 0, 1);
    const jitter = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0];
    const t = jitter.map((j, i) => T0 + (60 * i + j) * 1000);
    const bits = entropyBits(deltaOfDeltas(t, 1000));
    expect(bits).toBeGreaterThan(24);
    expect(bits).toBeLessThanOrEqual(64);
    expect(write(t, [t]).bytes).toEqual([LIKE, 0, 16, 0, 0]);
  });
});

describe('writeTimes: when the grid form is tried and taken', () => {
  // Times on a 60 s grid (unit 1 ms: the jitter is no multiple of 10) each off by one of five
  // amounts up to ±1.9 s: the stepped form's 15 delta-of-deltas are all different, most beyond
  // ±4096 (over 190 bits); the grid's gaps are all 1 and its offsets take five values (about
  // 35 bits), so the grid wins by more than its 64-bit header.
  const T0 = Date.UTC(2026, 0, 1);
  const JITTER = [0, 1803, -707, 601, -1909, 1803, 601, -707, -1909, 601, 1803, -707, -1909, 1803, 601, -707];
  const jittered = (n: number) => JITTER.slice(0, n).map((j, i) => T0 + 60_000 * i + j);

  it('writes 16 jittered samples as the grid: anchor the median phase, 1803 ms, gaps 1', () => {
    const t = jittered(16);
    expect(entropyBits(deltaOfDeltas(t, 1))).toBeGreaterThan(190);
    // Phases mod 60 s: 0, 601 ×4, 1803 ×4, 58091 ×3 (−1909), 59293 ×4 (−707); the upper
    // median (the 9th) is 1803. The first slot is round(−1803 / 60000) = 0.
    expect(write(t).bytes).toEqual([
      GRID,
      ...varint(1),
      ...zigzag(T0),
      ...zigzag(1803),
      ...varint(60_000),
      0,
      ...Array<number>(15).fill(1),
      ...JITTER.flatMap((j) => zigzag(j - 1803)),
    ]);
  });

  it('writes 15 of them stepped: under 16 samples the grid is not tried', () => {
    expect(write(jittered(15)).mode).toBe(STEPPED);
  });

  it('writes a series stepped when the grid would save less than its header', () => {
    // 48 times with steps of 1, 2, 3 or 5 s in no pattern: no grid fits them better than the
    // steps do, though the stepped form costs over 64 bits, so the grid is tried.
    const steps = [1, 2, 3, 5];
    const t = [0];
    for (let i = 1; i < 48; i++)
      t.push((t[i - 1] as number) + 1000 * (steps[(i * i * 7 + 3 * i) % 4] as number));
    expect(entropyBits(deltaOfDeltas(t, 1000))).toBeGreaterThan(64);
    expect(write(t).mode).toBe(STEPPED);
  });
});

describe('readTimes: malformed blocks', () => {
  const read =
    (bytes: number[], n: number, earlier: number[][] = []) =>
    () =>
      readTimes(new ByteReader(new Uint8Array(bytes)), n, earlier);

  it('refuses a reference to a series not written before', () => {
    expect(read([LIKE, 1, 2, 0, 0], 2, [[1, 2]])).toThrow(RangeError);
    expect(read([LIKE, 1, 2, 0, 0], 2, [[1, 2]])).toThrow('bad time reference');
  });

  it('refuses an unknown mode, and a stepped or grid block for no samples', () => {
    for (const [bytes, n] of [
      [[4, 1, 0], 1],
      [[STEPPED, 1, 0], 0],
      [[GRID, 1, 0, 0, 1, 0], 0],
    ] as const) {
      expect(read([...bytes], n)).toThrow(RangeError);
      expect(read([...bytes], n)).toThrow('bad time block');
    }
  });
});

describe('costs that tie exactly (from the mutation report: each choice still reads back, so only the bytes tell)', () => {
  const T0 = Date.UTC(2026, 0, 1);
  it('of two exact grid intervals of equal cost, keeps the first found (4,998 ms, not 4,999)', () => {
    const t = [
      0, 4997, 9995, 19996, 24993, 29991, 34994, 44995, 54996, 59999, 65002, 70000, 75003, 80001, 84998,
      89997,
    ];
    const { bytes, mode } = write(t);
    expect(mode).toBe(GRID);
    // mode, unit 1 ms, t0 0, anchor 28, then the interval.
    expect(bytes.slice(0, 6)).toEqual([GRID, ...varint(1), ...zigzag(0), ...zigzag(28), ...varint(4998)]);
  });

  it('writes stepped, not a grid, when the grid saves exactly its 64-bit margin and no more', () => {
    // Eight steps of a Sidon set, four times each, on a 1 s grid: its gaps cost exactly 3 bits a
    // step (96), and the 32 delta-of-deltas are distinct: 5 bits each (160 = 96 + 64).
    const g = [
      4, 45, 2, 31, 2, 4, 1, 4, 2, 1, 21, 2, 21, 31, 45, 8, 21, 45, 21, 4, 13, 31, 13, 8, 31, 8, 45, 1, 8, 13,
      1, 13,
    ];
    const t = [T0];
    for (const s of g) t.push((t.at(-1) as number) + s * 1000);
    const { bytes, mode } = write(t);
    expect(mode).toBe(STEPPED);
    expect(bytes).toHaveLength(41);
  });

  it('spends the whole 8-byte edit budget of a 64-bit stepped series on edits of an earlier one', () => {
    // 17 readings a second apart within ±3 ms: 16 distinct delta-of-deltas, 64 bits stepped, so an
    // edit script of at most 8 bytes against the series without its ninth time is worth writing.
    const e = [0, 2, -2, 3, -1, -1, 1, 0, -1, -3, 2, -1, -3, 0, -1, 1, 1];
    const t = e.map((x, i) => T0 + 1000 * i + x);
    const ref = t.filter((_, i) => i !== 8);
    const { bytes, mode } = write(t, [ref]);
    expect(mode).toBe(LIKE);
    expect(bytes).toHaveLength(10);
  });
});
