// How src/cache/chunk-times.ts builds the grid form, pinned by series whose grid is worked out by
// hand: which interval it takes (of the commonest step, ties to the smaller; the median step; the
// median rounded to a whole second and minute: the cheapest exact one), its anchor (the upper median
// of the phases, folded into (−interval/2, interval/2]), the slots on and offsets of each sample,
// which steps count (not the zero ones between equal times), what the grid gives up (slot numbers
// past the zig-zag range, times float64 cannot rebuild), and the unit every form is written in.
// When a grid is tried and taken, and the other forms' bytes, are chunk-times-forms.spec.ts and
// chunk-codec-v2-format.spec.ts.
import { describe, expect, it } from 'vitest';
import { readTimes, writeTimes } from '../../src/cache/chunk-times.ts';
import { ByteReader, ByteWriter } from '../../src/encoding/varint.ts';
import { varint, zigzag } from '../support/chunk-bytes.ts';

const STEPPED = 0;
const RAW = 1;
const GRID = 2;
const T0 = Date.UTC(2026, 0, 1);

/** The bytes writeTimes writes for t alone, after checking they read back as t. */
function write(t: readonly number[]): number[] {
  const w = new ByteWriter();
  writeTimes(w, t, []);
  const bytes = [...w.finish()];
  expect(readTimes(new ByteReader(new Uint8Array(bytes)), t.length, [])).toEqual(t);
  return bytes;
}

/** A grid block: mode 2, unit, t0, anchor, interval, first slot, then gaps and offsets. */
const grid = (g: {
  unit: number;
  t0?: number;
  anchor: number;
  interval: number;
  first?: number;
  gaps: readonly number[];
  offsets: readonly number[];
}): number[] => [
  GRID,
  ...varint(g.unit),
  ...zigzag(g.t0 ?? T0),
  ...zigzag(g.anchor),
  ...varint(g.interval),
  ...zigzag(g.first ?? 0),
  ...g.gaps.flatMap(varint),
  ...g.offsets.flatMap(zigzag),
];

/** Times `interval` apart times each gap from t0, plus jitter[i] on sample i. */
function fromGaps(interval: number, gaps: readonly number[], jitter: Record<number, number> = {}, t0 = T0) {
  const t = [t0];
  let slot = 0;
  gaps.forEach((g, i) => {
    slot += g;
    t.push(t0 + slot * interval + (jitter[i + 1] ?? 0));
  });
  return t;
}

/** One sample a minute from T0, each `phase` ms late. */
const onMinutes = (phases: readonly number[]) => phases.map((p, i) => T0 + 60_000 * i + p);

const count = (xs: readonly number[], x: number) => xs.filter((y) => y === x).length;

/** Delta-of-deltas of the steps of t in `unit` (the stepped form's symbols), by their definition. */
function deltaOfDeltas(t: readonly number[], unit: number): number[] {
  const steps = t.slice(1).map((x, i) => (x - (t[i] as number)) / unit);
  return steps.map((s, i) => s - (i === 0 ? 0 : (steps[i - 1] as number)));
}

describe('grid form: the interval is the commonest step', () => {
  it('when no step repeats, the smallest: 15 slots of 4099 ms missed in no pattern', () => {
    // Steps 1…15 × 4099 once each (unit 1 ms), so the commonest is the smallest, 4099; the median
    // is 8 × 4099 and rounds to neither (33 s, 1 min). On 4099 ms every offset is 0 and the gaps
    // are the 15 multiples; the stepped form's 15 delta-of-deltas are all ±4099 or more.
    const gaps = [3, 7, 1, 12, 5, 9, 14, 2, 11, 6, 15, 4, 10, 8, 13];
    expect(write(fromGaps(4099, gaps))).toEqual(
      grid({ unit: 1, anchor: 0, interval: 4099, gaps, offsets: Array<number>(16).fill(0) }),
    );
  });

  it('not the median step: a 37 ms grid with slots missed, two samples 3 ms early', () => {
    // 118 gaps: 25 + 3 of one slot, 18 each of 2…6. Samples 1 and 118 are 3 ms early, so the steps
    // are 34 (the first and the last), 40 (the second), 37 ×25, 74 ×18, 111 ×18, …: the commonest
    // is 37, the median (the 59th of 118) 111. On 37 ms the phases are 0 but two 34s (median 0),
    // the gaps the slots missed plus one, the offsets 0 but the two −3s.
    // biome-ignore format: a table
    const gaps = [1,1,4,3,5,4,6,5,1,1,1,1,3,3,1,2,4,1,3,5,2,5,6,6,2,3,2,2,5,5,2,6,4,1,3,3,1,5,1,6,5,3,6,3,1,1,4,5,3,1,2,1,6,6,4,4,1,6,4,1,6,1,3,5,3,4,2,1,2,6,4,3,1,6,1,4,2,2,6,6,4,2,2,5,3,2,1,6,5,1,2,3,3,2,4,4,6,5,5,4,1,2,3,5,5,3,4,1,6,4,1,4,5,2,5,1,6,1];
    expect([1, 2, 3, 4, 5, 6].map((g) => count(gaps, g))).toEqual([28, 18, 18, 18, 18, 18]);
    expect([gaps[0], gaps[1], gaps[117]]).toEqual([1, 1, 1]);
    const offsets = Array<number>(119).fill(0);
    offsets[1] = -3;
    offsets[118] = -3;
    expect(write(fromGaps(37, gaps, { 1: -3, 118: -3 }))).toEqual(
      grid({ unit: 1, anchor: 0, interval: 37, gaps, offsets }),
    );
  });

  describe('of two equally common steps, the smaller', () => {
    // 88 gaps: 24 each of one and two slots, 10 each of 3…6; the median step is the 44th, two slots
    // (74 ms). Only the 37 ms grid has every offset 0, so the tie must go to 37 whichever of the
    // two steps reaches its 24th first.
    // biome-ignore format: a table
    const gaps = [3,4,2,3,5,4,2,1,2,4,1,3,6,2,6,1,4,1,2,1,1,5,3,2,2,1,5,6,2,2,1,5,1,3,2,3,2,1,1,6,1,1,3,2,6,6,5,2,5,1,6,2,4,2,3,2,2,5,3,2,1,4,3,2,4,1,5,6,6,4,2,6,2,4,2,2,4,1,1,1,5,1,5,1,1,1,2,1];

    it.each([
      ['the larger step reaches it first (the last gap is one slot)', gaps],
      ['the smaller step reaches it first (the last gap is two slots after one of one)', [...gaps].reverse()],
    ])('%s', (_, g) => {
      expect([count(g, 1), count(g, 2)]).toEqual([24, 24]);
      expect(write(fromGaps(37, g))).toEqual(
        grid({ unit: 1, anchor: 0, interval: 37, gaps: g, offsets: Array<number>(89).fill(0) }),
      );
    });
  });

  it('of one unit: readings every second, two missed after every fifth', () => {
    // Steps of 1 s but 3 s when i % 5 = 1 (unit 1000): the commonest and median step is one unit;
    // rounded to a minute it is 0, no interval. Gaps 1 and 3 cost 0.72 bits each, the stepped
    // form's 0, +2, −2 1.37.
    const gaps = Array.from({ length: 200 }, (_, i) => (i % 5 === 1 ? 3 : 1));
    expect(write(fromGaps(1000, gaps))).toEqual(
      grid({ unit: 1000, anchor: 0, interval: 1, gaps, offsets: Array<number>(201).fill(0) }),
    );
  });
});

describe('grid form: the interval is the median step rounded, when no step repeats', () => {
  it('and steps between equal times do not count: every reading twice, jittered on a minute grid', () => {
    // 24 readings 0–24.15 s late (whole tens of ms: unit 10), each written twice. The 23 steps
    // between distinct times all differ (the commonest is the smallest, 42.12 s), their median
    // is 66.08 s (6608 units), 6600 to the second and 6000 to the minute. Were the 24 zero steps
    // counted, the commonest and median step would be 0 and no grid would be tried. Phases: the
    // jitter, twice each; the upper median (the 25th of 48) is the 13th smallest, 12340 ms.
    // biome-ignore format: a table
    const J = [0, 12340, 3170, 20050, 7810, 15260, 1490, 22730, 9980, 4620, 18410, 560, 13890, 24150, 6270, 16940, 2830, 21360, 10750, 5140, 19620, 8390, 14470, 23010];
    expect([...J].sort((a, b) => a - b)[12]).toBe(12340);
    const t = onMinutes(J).flatMap((x) => [x, x]);
    expect(write(t)).toEqual(
      grid({
        unit: 10,
        anchor: 1234,
        interval: 6000,
        gaps: t.slice(1).map((_, i) => (i % 2 === 0 ? 0 : 1)),
        offsets: J.flatMap((j) => [(j - 12340) / 10, (j - 12340) / 10]),
      }),
    );
  });
});

describe('grid form: the anchor is the upper median phase', () => {
  // On the minute grid (the median step rounds to it), samples 0, 4001 or 8002 ms late: offsets
  // within ±4096 are cheap, the stepped form's delta-of-deltas (multiples of 4001 up to ±16004) are
  // not. Each list is in sample order; the anchor is its upper median, found by counting.
  it.each([
    // 7 zeros, 10 ones, 7 twos: the 13th of 24 is a one.
    [[0, 1, 0, 1, 0, 2, 2, 1, 2, 2, 1, 1, 2, 1, 2, 0, 0, 0, 1, 1, 1, 0, 1, 2], 1],
    // 13 zeros, 10 ones: the 12th of 23 is a zero.
    [[0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 1], 0],
    // 6 zeros, 5 ones, 10 twos: the 11th of 21 is a one.
    [[0, 2, 2, 2, 1, 1, 2, 1, 0, 2, 2, 2, 1, 2, 0, 0, 2, 2, 1, 0, 0], 1],
  ])('%j: %i × 4001 ms', (lates, median) => {
    expect(write(onMinutes(lates.map((v) => v * 4001)))).toEqual(
      grid({
        unit: 1,
        anchor: median * 4001,
        interval: 60_000,
        gaps: Array<number>(lates.length - 1).fill(1),
        offsets: lates.map((v) => (v - median) * 4001),
      }),
    );
  });

  it('folded below 0 when over half the interval: samples 0, 4001 or 8002 ms early', () => {
    // Phases 0 ×7, 51998 ×7, 55999 ×10: the 13th of 24 is 51998 > 30000, so the anchor is
    // 51998 − 60000 = −8002, every sample in its own minute (first slot round(8002 / 60000) = 0)
    // and its offset 8002 less how early it is.
    const early = [0, 1, 0, 1, 0, 2, 2, 1, 2, 2, 1, 1, 2, 1, 2, 0, 0, 0, 1, 1, 1, 0, 1, 2];
    expect(write(onMinutes(early.map((v) => -v * 4001)))).toEqual(
      grid({
        unit: 1,
        anchor: -8002,
        interval: 60_000,
        gaps: Array<number>(23).fill(1),
        offsets: early.map((v) => 8002 - v * 4001),
      }),
    );
  });

  it('not folded at exactly half: samples half a minute off t0, a few jittered by up to 3 ms', () => {
    // Phases: 0 (t0), 29997…29999 ×5, 30000 ×18, 30001…30003 ×6: the 16th of 30 is 30000, half
    // the interval, which stays +30000. t0's slot is round(−30000 / 60000) = round(−0.5) = −0,
    // written 0, its offset −30000; every later sample is one slot on, offset by its jitter.
    const jitter = [
      0, 0, 2, 0, -1, 0, 0, 3, 0, -2, 0, 1, 0, 0, -3, 0, 2, 0, 0, -1, 0, 0, 1, 0, -2, 0, 0, 3, 0, 0,
    ];
    const t = onMinutes(jitter.map((j, i) => (i === 0 ? 0 : 30_000 + j)));
    expect(write(t)).toEqual(
      grid({
        unit: 1,
        anchor: 30_000,
        interval: 60_000,
        gaps: Array<number>(29).fill(1),
        offsets: [-30_000, ...jitter.slice(1)],
      }),
    );
  });

  it('of more phases than the 1024 first set aside: 5000 samples, two in three 4001 ms late', () => {
    // Samples i ≡ 0 (mod 3) on the minute, the others 4001 ms late: 1667 phases of 0, 3333 of
    // 4001, whose upper median (the 2501st) is 4001. The 4999 steps are as many.
    const t = onMinutes(Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? 0 : 4001)));
    expect(write(t)).toEqual(
      grid({
        unit: 1,
        anchor: 4001,
        interval: 60_000,
        gaps: Array<number>(4999).fill(1),
        offsets: t.map((_, i) => (i % 3 === 0 ? -4001 : 0)),
      }),
    );
  });
});

describe('grid form: what it gives up', () => {
  it('slot numbers past the zig-zag range: one-millisecond steps across 2^53 ms are written stepped', () => {
    // From −(2^52 − 1): 13 steps of 1 ms, one of 2^52 − 100, 13 of 1, another, 12 of 1. The only
    // interval is 1 ms (the commonest and median step; 0 to the second and minute), on which the
    // last slot is about 2^53, past what a zig-zag holds: no grid, though its gaps would cost half
    // the stepped form's four delta-of-deltas of about ±2^52.
    const H = 2 ** 52 - 100;
    const gaps = Array<number>(40).fill(1);
    gaps[13] = H;
    gaps[27] = H;
    const t0 = -(2 ** 52 - 1);
    const t = fromGaps(1, gaps, {}, t0);
    expect(t.at(-1)).toBeLessThanOrEqual(2 ** 52 - 1);
    expect(write(t)).toEqual([STEPPED, ...varint(1), ...zigzag(t0), ...deltaOfDeltas(t, 1).flatMap(zigzag)]);
  });

  it('an interval whose times float64 cannot rebuild: the next candidate is taken, exactly', () => {
    // From −(2^52 − 1), on a 947 ms grid 600 ms into each slot (anchor 600 − 947 = −347): slots
    // 1–12, 12 from a third and 12 from two thirds of the way, then slot k = 9511298051468, the
    // last whose time is a safe zig-zag (2^52 − 195). Its distance less the anchor, 947(k + 1) =
    // 2^53 + 151, is odd past 2^53, so float64 cannot hold it and the 947 ms grid is not exact.
    // The times come back exactly, on the grid of the median step rounded to the second, 1000 ms.
    const k = 9_511_298_051_468;
    const slots = [
      ...Array.from({ length: 12 }, (_, q) => q + 1),
      ...Array.from({ length: 12 }, (_, q) => Math.floor(k / 3) + q),
      ...Array.from({ length: 12 }, (_, q) => Math.floor((2 * k) / 3) + q),
      k,
    ];
    const t0 = -(2 ** 52 - 1);
    const t = [t0, ...slots.map((q) => t0 + 947 * q + 600)];
    expect(947 * (k + 1)).toBe(2 ** 53 + 152); // 2^53 + 151 rounded to even
    expect(t.at(-1)).toBe(2 ** 52 - 195);
    const r = new ByteReader(new Uint8Array(write(t)));
    expect([r.byte(), r.varint(), r.zigzag()]).toEqual([GRID, 1, t0]);
    r.zigzag(); // the anchor
    expect(r.varint()).toBe(1000);
  });
});

describe('the unit and the raw form', () => {
  it('is the largest that divides every step, not every sum: 250, 1250, 2250 are in seconds', () => {
    // Steps of 1000 ms (delta-of-deltas 1, 0: zig-zag 2, 0); t0 250 is zig-zag 500 = 0xF4 0x03.
    expect(write([250, 1250, 2250])).toEqual([STEPPED, 0xe8, 0x07, 0xf4, 0x03, 2, 0]);
  });

  it.each([
    ['descending times', [2000, 1000], [0, 0, 0, 0, 0, 0x40, 0x9f, 0x40, 0, 0, 0, 0, 0, 0x40, 0x8f, 0x40]],
    ['a fraction', [0.5], [0, 0, 0, 0, 0, 0, 0xe0, 0x3f]],
    // An odd step of 2^53 − 3 ms (unit 1): no zig-zag delta-of-delta. −(2^52 − 1) is
    // 0xC32F_FFFF_FFFF_FFFE, 2^52 − 2 is 0x432F_FFFF_FFFF_FFFC.
    [
      'safe times a step apart past the zig-zag range',
      [-(2 ** 52 - 1), 2 ** 52 - 2],
      [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0x2f, 0xc3, 0xfc, 0xff, 0xff, 0xff, 0xff, 0xff, 0x2f, 0x43],
    ],
  ])('writes %s raw: mode 1, then float64s', (_, t, f64s) => {
    expect(write(t)).toEqual([RAW, ...f64s]);
  });
});
