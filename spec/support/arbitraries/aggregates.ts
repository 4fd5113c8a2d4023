// fast-check arbitraries for aggregates (CONVENTIONS 15, spec/aggregates): times, values and
// series over a three-day span. Owns generation of inputs only.
import fc from 'fast-check';
import { DAY_MS, HOUR_MS } from '../../../fixtures/ace/time.ts';

/** Where aggregate samples are drawn: three UTC days from a day boundary. */
export const AGG_T0 = Date.UTC(2026, 2, 1);
export const AGG_SPAN_MS = 3 * DAY_MS;

/** A time in the aggregate span, often on or just before an hour or day boundary. */
export const aggTimeArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: AGG_T0, max: AGG_T0 + AGG_SPAN_MS - 1 }),
  fc.integer({ min: 0, max: AGG_SPAN_MS / HOUR_MS - 1 }).map((h) => AGG_T0 + h * HOUR_MS),
  fc.integer({ min: 1, max: AGG_SPAN_MS / HOUR_MS - 1 }).map((h) => AGG_T0 + h * HOUR_MS - 1),
  fc.integer({ min: 0, max: AGG_SPAN_MS / DAY_MS - 1 }).map((d) => AGG_T0 + d * DAY_MS),
);

/** A plausible sensor reading (finite, far from overflow when summed). */
export const aggValueArb: fc.Arbitrary<number> = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1000, max: 1000 }).map((n) => n / 10),
);

/** One point's samples in the aggregate span, t ascending (equal times allowed). */
export function aggSeriesArb(
  point: fc.Arbitrary<string> = fc.constantFrom('AHU-01-ZoneTemp', 'AHU-01-SupplyTemp', 'VAV-101-Airflow'),
  value: fc.Arbitrary<number> = aggValueArb,
): fc.Arbitrary<{ point: string; t: number[]; v: number[] }> {
  return fc
    .record({ point, samples: fc.array(fc.tuple(aggTimeArb, value), { maxLength: 80 }) })
    .map(({ point, samples }) => {
      const sorted = [...samples].sort((a, b) => a[0] - b[0]);
      return { point, t: sorted.map((s) => s[0]), v: sorted.map((s) => s[1]) };
    });
}

/** A fetched range [startMs, endMs) in (or around) the aggregate span, often hour-aligned. */
export const aggSpanArb: fc.Arbitrary<{ startMs: number; endMs: number }> = fc
  .tuple(
    fc.oneof(aggTimeArb, fc.constant(AGG_T0 - HOUR_MS)),
    fc.oneof(aggTimeArb, fc.constant(AGG_T0 + AGG_SPAN_MS + HOUR_MS)),
  )
  .filter(([a, b]) => a !== b)
  .map(([a, b]) => ({ startMs: Math.min(a, b), endMs: Math.max(a, b) }));
