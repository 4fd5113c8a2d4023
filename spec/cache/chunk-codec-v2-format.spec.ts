// The bytes of a version-2 chunk body (src/cache/chunk-codec-v2.ts, chunk-times.ts,
// chunk-time-edits.ts), worked by hand for small series: the header (count, names checksum,
// lengths), each time form (stepped in the largest unit, raw, edits of an earlier series) and each
// value form (scaled decimals, raw float64s). Stored chunks outlive deploys, so the format is
// pinned here byte by byte; the round-trip properties are chunk-codec-v2.spec.ts.
import { describe, expect, it } from 'vitest';
import {
  decodeChunkBody,
  encodeChunkBody,
  frameChunk,
  namesChecksum,
  unframeChunk,
} from '../../src/cache/chunk-codec-v2.ts';
import { body, timesAlone, varint, zeros, zigzag } from '../support/chunk-bytes.ts';

/** The body of one series `p`: 1, checksum, length, then its time and value blocks. */
const one = (t: number[], v: number[], times: number[], values: number[]): void => {
  const series = [{ point: 'p', t, v }];
  expect(body(series)).toEqual([
    1,
    ...varint(namesChecksum(['p'])),
    ...varint(t.length),
    ...times,
    ...values,
  ]);
  expect(decodeChunkBody(encodeChunkBody(series), ['p'])).toEqual(series);
};

describe('chunk v2 bytes: the names checksum', () => {
  it('depends on every name, their order and where one ends', () => {
    const sums = [[], ['p'], ['q'], ['a', 'b'], ['b', 'a'], ['ab'], ['a', 'b', '']].map(namesChecksum);
    expect(new Set(sums).size).toBe(sums.length);
  });

  it('is FNV-1a’s offset basis for no names', () => {
    expect(namesChecksum([])).toBe(0x811c9dc5);
  });
});

describe('chunk v2 bytes: times', () => {
  it('writes a steady minute series stepped in minutes: mode 0, unit 60000, t0, then delta-of-deltas', () => {
    // Steps of 1 minute: delta-of-deltas 1 − 0 = 1 and 1 − 1 = 0, zig-zag 2 and 0.
    // 60000 = 468·128 + 96: 0xE0 (96 | 0x80), 0xD4 (468 − 384 = 84 | 0x80), 0x03.
    one([0, 60_000, 120_000], [1, 2, 3], [0, 0xe0, 0xd4, 0x03, 0, 2, 0], [0, 0, 2, 2, 2]);
  });

  it.each([
    // Steps 1000 and 2000: seconds; steps 1 and 2 give delta-of-deltas 1 and 1.
    [
      [0, 1000, 3000],
      [0, 0xe8, 0x07, 0, 2, 2],
    ],
    // Steps 10 and 20 from 5: tens; t0 5 is zig-zag 10.
    [
      [5, 15, 35],
      [0, 10, 10, 2, 2],
    ],
    // Steps 100 and 50: tens again (50 is no whole hundred): steps 10, 5, delta-of-deltas 10, −5.
    [
      [0, 100, 150],
      [0, 10, 0, 20, 9],
    ],
    // A negative start, a step of 2 ms: unit 1, t0 −3 (zig-zag 5), delta-of-delta 2 (zig-zag 4).
    [
      [-3, -1],
      [0, 1, 5, 4],
    ],
  ])('writes %j in the largest unit that divides every step', (t, times) => {
    one(
      t,
      t.map(() => 0),
      times,
      [0, 0, ...t.map(() => 0)],
    );
  });

  it.each([
    ['a fraction', [0.5], [1, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f]],
    ['descending times', [1, 0.5], [1, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f]],
    ['−0', [-0], [1, 0, 0, 0, 0, 0, 0, 0, 0x80]],
    ['no times at all', [], [1]],
  ])('writes %s raw: mode 1, then float64s little-endian', (_, t, times) => {
    one(
      t,
      t.map(() => 0),
      times,
      [0, 0, ...t.map(() => 0)],
    );
  });

  it('writes readings jittered ±1 s around a minute grid as the grid: slots on, then offsets', () => {
    // 200 readings, the i-th at slot i of a 60 s grid from T0, off by −1, 0 or +1 s (0 the most
    // common, so the grid's anchor is T0 itself). Their delta-of-deltas spread over −4…4 and cost
    // more than the offsets and the grid's header: mode 2, unit 1000, t0, anchor 0, interval 60,
    // first slot 0, then every gap (1) and every offset (the jitter, zig-zag).
    const T0 = Date.UTC(2026, 0, 1);
    const jitter = Array.from({ length: 200 }, (_, i) => {
      const h = (i * 7919) % 13;
      return i === 0 ? 0 : h < 3 ? -1 : h > 9 ? 1 : 0;
    });
    const t = jitter.map((j, i) => T0 + (60 * i + j) * 1000);
    const times = [
      2,
      ...varint(1000),
      ...zigzag(T0),
      0,
      60,
      0,
      ...Array<number>(199).fill(1),
      ...jitter.flatMap(zigzag),
    ];
    one(
      t,
      t.map(() => 0),
      times,
      [0, 0, ...t.map(() => 0)],
    );
  });

  describe('as edits of an earlier series’ times (mode 3, its index, then keep/drop/add groups)', () => {
    // Times 2^k − 1 (k = 0…20): steps 1, 2, 4, …, every one different, so the stepped form costs
    // far more than the three or so bytes of an edit script.
    const a = Array.from({ length: 21 }, (_, k) => 2 ** k - 1);
    const valuesOf = (n: number) => [0, 0, ...zeros(n)];
    /** a's own time block, as a chunk of a alone writes it. */
    const aTimes = () => timesAlone(a);
    const chunk = (...ts: number[][]) => {
      const names = ts.map((_, i) => String.fromCharCode(97 + i));
      const series = ts.map((t, i) => ({ point: names[i] as string, t, v: zeros(t.length) }));
      const bytes = body(series);
      expect(decodeChunkBody(encodeChunkBody(series), names)).toEqual(series);
      return { bytes, head: [ts.length, ...varint(namesChecksum(names)), ...ts.map((t) => t.length)] };
    };

    it('the same times: keep 21, drop 0, add 0', () => {
      const { bytes, head } = chunk(a, a);
      expect(bytes).toEqual([...head, ...aTimes(), 3, 0, 21, 0, 0, ...valuesOf(21), ...valuesOf(21)]);
    });

    it('one time missing: keep 4, drop 1, add 0, then keep 16', () => {
      const b = a.filter((_, i) => i !== 4);
      const { bytes, head } = chunk(a, b);
      expect(bytes).toEqual([
        ...head,
        ...aTimes(),
        3,
        0,
        4,
        1,
        0,
        16,
        0,
        0,
        ...valuesOf(21),
        ...valuesOf(20),
      ]);
    });

    it('one time more: keep 4, add 1 at 10 (3 after 7, zig-zag 6), then keep 17', () => {
      const c = [...a.slice(0, 4), 10, ...a.slice(4)];
      const { bytes, head } = chunk(a, c);
      expect(bytes).toEqual([
        ...head,
        ...aTimes(),
        3,
        0,
        4,
        0,
        1,
        6,
        17,
        0,
        0,
        ...valuesOf(21),
        ...valuesOf(22),
      ]);
    });

    it('refers to the series whose script is cheapest, not merely the latest', () => {
      // c = a: against b (a less one time) it would take 7 bytes, against a 3.
      const b = a.filter((_, i) => i !== 4);
      const { bytes, head } = chunk(a, b, a);
      expect(bytes).toEqual([
        ...head,
        ...aTimes(),
        ...[3, 0, 4, 1, 0, 16, 0, 0],
        ...[3, 0, 21, 0, 0],
        ...valuesOf(21),
        ...valuesOf(20),
        ...valuesOf(21),
      ]);
    });

    it('never refers to raw times', () => {
      const raw = [0.5, 1.5, 2.5];
      const { bytes, head } = chunk(raw, raw);
      const rawBlock = [1, ...raw.flatMap((x) => [...new Uint8Array(new Float64Array([x]).buffer)])];
      expect(bytes).toEqual([...head, ...rawBlock, ...rawBlock, ...valuesOf(3), ...valuesOf(3)]);
    });
  });
});

describe('chunk v2 bytes: values', () => {
  const t = (n: number) => Array.from({ length: n }, (_, i) => i * 60_000);
  const times = (n: number) => (n === 1 ? [0, 0xe0, 0xd4, 0x03, 0] : [0, 0xe0, 0xd4, 0x03, 0, 2]);

  it('writes whole numbers as zig-zag deltas at exponent 0', () => {
    // 1, then +1, +1: zig-zag 2, 2, 2.
    one(t(3), [1, 2, 3], [...times(3), 0], [0, 0, 2, 2, 2]);
  });

  it('writes decimals scaled by the smallest power of ten that makes them whole', () => {
    // 1.5 and −0.25 need 2 decimals: 150 (zig-zag 300 = 0xAC 0x02), then −175 (zig-zag 349 = 0xDD 0x02).
    one(t(2), [1.5, -0.25], times(2), [0, 2, 0xac, 0x02, 0xdd, 0x02]);
  });

  it('writes what is no short decimal raw: mode 1, then float64s', () => {
    // +∞ is 0x7FF0000000000000.
    one(t(1), [Number.POSITIVE_INFINITY], times(1), [1, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f]);
  });
});

describe('chunk v2 bytes: what is refused', () => {
  // a: times 0, 1, 2 stepped in ms (unit 1, t0 0, delta-of-deltas 1 and 0), values 0, 0, 0.
  const head = [2, ...varint(namesChecksum(['a', 'b'])), 3, 3];
  const aTimes = [0, 1, 0, 2, 0];
  const values = [0, 0, 0, 0, 0];
  const decode = (bBlock: number[]) =>
    decodeChunkBody(new Uint8Array([...head, ...aTimes, ...bBlock, ...values, ...values]), ['a', 'b']);

  it('reads b as edits of a when the script is whole (the baseline of the cases below)', () => {
    expect(decode([3, 0, 3, 0, 0])).toEqual([
      { point: 'a', t: [0, 1, 2], v: [0, 0, 0] },
      { point: 'b', t: [0, 1, 2], v: [0, 0, 0] },
    ]);
    // Keep 1, drop 1, add 1 (+5 after 0), then keep 1: 0, 5, 2 is what the script says.
    expect(decode([3, 0, 1, 1, 1, 10, 1, 0, 0])?.[1]?.t).toEqual([0, 5, 2]);
  });

  it.each([
    ['a reference to no earlier series', [3, 1, 3, 0, 0]],
    ['more kept than the reference holds', [3, 0, 4, 0, 0]],
    ['more dropped than the reference holds', [3, 0, 2, 2, 1, 2]],
    ['more times than the series has', [3, 0, 3, 0, 1, 2]],
    ['a group that keeps, drops and adds nothing', [3, 0, 0, 0, 0, 3, 0, 0]],
    ['an unknown time mode', [4, 1, 0, 2, 0]],
  ])('refuses %s', (_, bBlock) => {
    expect(decode(bBlock)).toBeNull();
  });

  it('refuses a stepped or grid block for a series of no samples', () => {
    const cs = varint(namesChecksum(['p']));
    expect(decodeChunkBody(new Uint8Array([1, ...cs, 0, 1, 0, 0]), ['p'])).toEqual([
      { point: 'p', t: [], v: [] },
    ]);
    expect(decodeChunkBody(new Uint8Array([1, ...cs, 0, 0, 1, 0, 0, 0]), ['p'])).toBeNull();
    expect(decodeChunkBody(new Uint8Array([1, ...cs, 0, 2, 1, 0, 0, 1, 0, 0, 0]), ['p'])).toBeNull();
  });

  it('refuses an unknown value mode', () => {
    const cs = varint(namesChecksum(['p']));
    expect(decodeChunkBody(new Uint8Array([1, ...cs, 1, 0, 1, 0, 0, 0, 0]), ['p'])).toEqual([
      { point: 'p', t: [0], v: [0] },
    ]);
    expect(decodeChunkBody(new Uint8Array([1, ...cs, 1, 0, 1, 0, 2, 0, 0]), ['p'])).toBeNull();
  });
});

describe('chunk v2 bytes: the frame', () => {
  const VC2 = [0x56, 0x43, 0x32];

  it('is "VC2", a flags byte (1: deflated), then the payload, deflated only when that is smaller', () => {
    expect([...frameChunk(new Uint8Array([1, 2, 3]), new Uint8Array([9, 9]))]).toEqual([...VC2, 1, 9, 9]);
    expect([...frameChunk(new Uint8Array([1, 2]), new Uint8Array([9, 9]))]).toEqual([...VC2, 0, 1, 2]);
    expect([...frameChunk(new Uint8Array([1]), new Uint8Array([9, 9]))]).toEqual([...VC2, 0, 1]);
  });

  it.each([
    [[...VC2, 0], { deflated: false, payload: [] }],
    [[...VC2, 0, 7], { deflated: false, payload: [7] }],
    [[...VC2, 1, 7, 8], { deflated: true, payload: [7, 8] }],
    [[...VC2], null],
    [[0x56, 0x43, 0x33, 0, 7], null],
    [[0x57, 0x43, 0x32, 0, 7], null],
    [[...VC2, 2, 7], null],
    [[...VC2, 3, 7], null],
    [[...VC2, 0x80, 7], null],
  ])('unframes %j as %j', (bytes, expected) => {
    const framed = unframeChunk(new Uint8Array(bytes));
    expect(framed && { deflated: framed.deflated, payload: [...framed.payload] }).toEqual(expected);
  });
});

describe('chunk v2 bytes: the last edges', () => {
  it('reads an empty chunk only with its checksum', () => {
    expect(body([])).toEqual([0, ...varint(namesChecksum([]))]);
    expect(decodeChunkBody(encodeChunkBody([]), [])).toEqual([]);
  });

  it('writes values ±2^51 raw: their delta, 2^52, is no safe zig-zag integer', () => {
    const v = [-(2 ** 51), 2 ** 51];
    const f64 = (x: number) => [...new Uint8Array(new Float64Array([x]).buffer)];
    one([0, 60_000], v, [0, 0xe0, 0xd4, 0x03, 0, 2], [1, ...f64(v[0] as number), ...f64(v[1] as number)]);
  });

  it('names the series whose columns differ', () => {
    expect(() => encodeChunkBody([{ point: 'p', t: [1, 2], v: [1] }])).toThrow(
      'series p: t and v differ in length',
    );
  });
});
