// Downsampling for interval=5m|1h|1d: one bucket per occupied UTC interval, stamped at its start,
// holding the mean of exactly the samples inside it; empty buckets are absent.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { downsample, INTERVAL_MS } from '../../src/timeseries/downsample.ts';

const seriesArb = fc
  .uniqueArray(fc.integer({ min: 1_700_000_000_000, max: 1_700_000_000_000 + 10 * 86_400_000 }), {
    maxLength: 300,
  })
  .chain((ts) =>
    fc
      .array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: ts.length, maxLength: ts.length })
      .map((v) => ({
        point: 'p',
        t: [...ts].sort((a, b) => a - b),
        v,
      })),
  );

describe('downsample', () => {
  it('gives each occupied bucket the mean of its samples, at the bucket start, ascending', () => {
    fc.assert(
      fc.property(seriesArb, fc.constantFrom('5m', '1h', '1d' as const), (series, interval) => {
        const width = INTERVAL_MS[interval];
        const out = downsample(series, interval);
        const expected = new Map<number, number[]>();
        series.t.forEach((t, i) => {
          const b = Math.floor(t / width) * width;
          expected.set(b, [...(expected.get(b) ?? []), series.v[i] as number]);
        });
        expect(out.t).toEqual([...expected.keys()]);
        out.t.forEach((b, i) => {
          const values = expected.get(b) ?? [];
          const mean = values.reduce((s, x) => s + x, 0) / values.length;
          expect(out.v[i]).toBeCloseTo(mean, 6);
        });
      }),
    );
  });

  it('keeps means finite for readings near the largest doubles', () => {
    const out = downsample({ point: 'p', t: [0, 1], v: [1.7e308, 1.7e308] }, '5m');
    expect(out.v).toEqual([1.7e308]);
  });
});
