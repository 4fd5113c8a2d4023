// fast-check arbitraries for saved charts (CONVENTIONS 15; spec/charts,
// spec/http/routes/charts.spec.ts): options and bodies. Owns generation of inputs only.
import fc from 'fast-check';
import { DAY_MS } from '../../../fixtures/ace/time.ts';
import { pointNamesArb, windowArb } from './time.ts';

const CHART_CONTROL = /[\p{Cc}\u2028\u2029]/u;

/** Options as JSON gives them back (no -0, no undefined): what a chart round trip must keep. */
export const chartOptionsArb: fc.Arbitrary<Record<string, unknown>> = fc
  .dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 })
  .map((options) => JSON.parse(JSON.stringify(options)) as Record<string, unknown>);

/** A chart body the API must accept: a valid name, site, catalogue points, window and options. */
export const chartBodyArb: fc.Arbitrary<{
  name: string;
  site: string;
  points: string[];
  range: { start: number; end: number };
  options: Record<string, unknown>;
}> = fc.record({
  name: fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
    .filter((s) => s.trim().length > 0 && !CHART_CONTROL.test(s)),
  site: fc.constantFrom('demo-small', 'demo-large', 'site_a.b-1'),
  points: pointNamesArb(20),
  range: windowArb(1, 366 * DAY_MS).map(({ startMs, endMs }) => ({ start: startMs, end: endMs })),
  options: chartOptionsArb,
});
