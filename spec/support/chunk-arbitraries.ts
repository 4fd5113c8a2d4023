// Chunks for the chunk codecs' specs (spec/cache/chunk-codec-v2.spec.ts, -v3.spec.ts): ascending
// times of every kind the time forms handle and must leave raw, values of every double, series
// sharing most of an earlier one's times, the synthetic ACE's real-site series; and the bit-for-bit
// comparison of a decoded chunk. Generation and comparison only.
import fc from 'fast-check';
import { expect } from 'vitest';
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import { pointSamples } from '../../fixtures/ace/generator.ts';
import type { ChunkSeries } from '../../src/cache/chunk-codec.ts';
import { finiteDoubleArb } from './arbitraries.ts';

export const DAY_MS = 86_400_000;
export const START = Date.UTC(2026, 0, 5);

/** Ascending times of every kind the forms handle, and the ones they must leave raw. */
export const timesArb: fc.Arbitrary<number[]> = fc.oneof(
  // Any doubles, sorted: fractions, negatives, −0, ±Infinity, beyond the safe integers.
  fc.array(fc.double({ noNaN: true }), { maxLength: 40 }).map((xs) => xs.sort((a, b) => a - b)),
  // A grid with jitter in some unit, readings dropped, duplicated and bursting.
  fc
    .record({
      t0: fc.integer({ min: -1e12, max: 4e12 }),
      unit: fc.constantFrom(1, 10, 1_000, 60_000),
      interval: fc.integer({ min: 1, max: 900 }),
      steps: fc.array(fc.tuple(fc.integer({ min: -2, max: 2 }), fc.integer({ min: 0, max: 9 })), {
        maxLength: 80,
      }),
    })
    .map(({ t0, unit, interval, steps }) => {
      const out: number[] = [];
      steps.forEach(([jitter, kind], slot) => {
        const at = t0 + (slot * interval + jitter) * unit;
        if (kind === 0) return; // dropped
        out.push(at);
        if (kind === 1) out.push(at); // duplicated
        if (kind === 2) out.push(at + unit, at + 2 * unit); // a burst
      });
      return out.sort((a, b) => a - b);
    }),
  // Integers at the edge of the safe range, where zig-zag forms stop being exact.
  fc
    .array(fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), { maxLength: 20 })
    .map((xs) => xs.sort((a, b) => a - b)),
  // Change-of-value events: any millisecond.
  fc.array(fc.integer({ min: 0, max: DAY_MS }), { maxLength: 40 }).map((xs) => xs.sort((a, b) => a - b)),
);

/** Values: any double (NaN, ±Infinity, −0, subnormals, ±max), short decimals, huge integers. */
export const valueArb: fc.Arbitrary<number> = fc.oneof(
  finiteDoubleArb,
  fc.double(),
  fc.integer({ min: -10_000, max: 10_000 }).map((k) => k / 100),
  fc.constantFrom(Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -0, 2 ** 53, -(2 ** 53) + 1),
);

export const seriesOf = (point: string, t: number[]) =>
  fc.array(valueArb, { minLength: t.length, maxLength: t.length }).map((v): ChunkSeries => ({ point, t, v }));

/** A chunk: some series, later ones often sharing most of an earlier one's times. */
export const chunkArb: fc.Arbitrary<ChunkSeries[]> = fc
  .array(
    fc.tuple(
      timesArb,
      fc.nat(),
      fc.array(fc.nat(), { maxLength: 4 }),
      fc.array(fc.integer(), { maxLength: 3 }),
    ),
    { maxLength: 8 },
  )
  .chain((specs) => {
    const times: number[][] = [];
    for (const [own, pick, drops, adds] of specs) {
      const base = times.length > 0 && pick % 3 !== 0 ? (times[pick % times.length] as number[]) : own;
      const kept = base.filter((_, i) => !drops.some((d) => base.length > 0 && d % base.length === i));
      times.push([...kept, ...adds].sort((a, b) => a - b));
    }
    return fc.tuple(...times.map((t, i) => seriesOf(`p${i}/${'x'.repeat(i % 3)}`, t)));
  });

/** Some of the synthetic ACE's real-site points over a day (millisecond jitter, bursts, events). */
export function aceSeries(count: number): ChunkSeries[] {
  const real = sitePoints('demo-large').filter((p) => p.timing.kind !== 'grid');
  return real.slice(0, count).map((p) => {
    const samples = [...pointSamples(p, START, START + DAY_MS)]
      .map((s) => ({ t: s.t, v: Number(s.value) }))
      .filter((s) => Number.isFinite(s.v));
    return { point: p.point.name, t: samples.map((s) => s.t), v: samples.map((s) => s.v) };
  });
}

export const names = (series: readonly ChunkSeries[]) => series.map((s) => s.point);

export function expectSame(got: ChunkSeries[] | null, want: readonly ChunkSeries[]): void {
  expect(got).not.toBeNull();
  expect(got?.length).toBe(want.length);
  want.forEach((s, i) => {
    const g = got?.[i];
    expect(g?.point).toBe(s.point);
    expect(g?.t.length).toBe(s.t.length);
    expect(g?.t.every((x, k) => Object.is(x, s.t[k]))).toBe(true);
    expect(g?.v.every((x, k) => Object.is(x, s.v[k]))).toBe(true);
  });
}
