// fast-check arbitraries for the HTTP edge and the encodings (CONVENTIONS 15; spec/http,
// spec/encoding): doubles at the edges, column series, Accept headers, tokens, point names as
// clients send them. Owns generation of inputs only.
import fc from 'fast-check';
import { CATALOGUE } from '../../../fixtures/ace/catalogue.ts';
import { epochMsArb } from './time.ts';

/** Doubles that stress exact round-trips: extremes, subnormals, near-integers, decimals. */
const EDGE_DOUBLES = [
  0,
  -0,
  1,
  -1,
  0.1,
  0.2,
  0.30000000000000004,
  1 / 3,
  71.5,
  -40.25,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  2.2250738585072014e-308,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53) - 2,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  1e21,
  1e-7,
  123456789.12345679,
  2 ** 31,
  2 ** 32,
  -(2 ** 31) - 1,
  3.4028234663852886e38,
  1.401298464324817e-45,
];

/** Any finite double (what a series value can be), -0 included, weighted to the edges. */
export const finiteDoubleArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 2, arbitrary: fc.constantFrom(...EDGE_DOUBLES) },
  { weight: 1, arbitrary: fc.integer({ min: -1_000_000, max: 1_000_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: -100_000, max: 100_000 }).map((n) => n / 100) },
  { weight: 1, arbitrary: fc.double({ min: -1e-300, max: 1e-300, noNaN: true }) },
);

/** A sample time: any safe non-negative integer, or one in the synthetic history. */
export const sampleTimeArb: fc.Arbitrary<number> = fc.oneof(fc.maxSafeNat(), epochMsArb);

/** One point's samples as columns (t and v of equal length). */
export const columnSeriesArb: fc.Arbitrary<{ point: string; t: number[]; v: number[] }> = fc
  .record({
    point: fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
    samples: fc.array(fc.tuple(sampleTimeArb, finiteDoubleArb), { maxLength: 60 }),
  })
  .map(({ point, samples }) => ({ point, t: samples.map((s) => s[0]), v: samples.map((s) => s[1]) }));

/** A handful of series, as a response body carries them. */
export const seriesListArb = fc.array(columnSeriesArb, { maxLength: 6 });

/** Media ranges an Accept header may name, those the API serves among them. */
export const MEDIA_RANGE_POOL = [
  'application/json',
  'application/msgpack',
  'application/x-msgpack',
  'application/vnd.msgpack',
  'application/*',
  '*/*',
  'text/html',
  'text/*',
  'application/xml',
  'image/png',
] as const;

/** One Accept entry: a range from the pool and an optional q (0 to 1 in thousandths). */
export interface AcceptEntry {
  range: (typeof MEDIA_RANGE_POOL)[number];
  q?: number;
}

/** The entries of an Accept header (possibly none). */
export const acceptEntriesArb: fc.Arbitrary<AcceptEntry[]> = fc.array(
  fc.record(
    {
      range: fc.constantFrom(...MEDIA_RANGE_POOL),
      q: fc.oneof(
        fc.constantFrom(0, 1),
        fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000),
      ),
    },
    { requiredKeys: ['range'] },
  ),
  { maxLength: 6 },
);

/** Writes Accept entries as a header, with the spacing a client might use. */
export function formatAccept(
  entries: readonly AcceptEntry[],
  spacing: { afterComma: string; beforeSemi: string } = { afterComma: ' ', beforeSemi: '' },
): string {
  return entries
    .map((e) => (e.q === undefined ? e.range : `${e.range}${spacing.beforeSemi};q=${e.q}`))
    .join(`,${spacing.afterComma}`);
}

/** A well-formed bearer token (RFC 6750 token68), JWT-like or not. */
export const tokenArb: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9\-._~+/]{1,300}=*$/),
  fc
    .tuple(
      fc.stringMatching(/^[A-Za-z0-9_-]{10,60}$/),
      fc.stringMatching(/^[A-Za-z0-9_-]{10,200}$/),
      fc.stringMatching(/^[A-Za-z0-9_-]{10,90}$/),
    )
    .map((parts) => parts.join('.')),
);

/**
 * 1..max distinct names from one site's catalogue, about one in ten an unknown name, in random
 * order (what a dashboard asks the ACE client for one site).
 */
export function sitePointNamesArb(site: string, max: number): fc.Arbitrary<string[]> {
  const names = CATALOGUE.get(site)?.points.map((p) => p.point.name) ?? [];
  const unknown = fc.constantFrom('no-such-point', `ses/${site}/10.9.9.9/n4/Nope.points.Gone`);
  return fc.uniqueArray(
    fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: unknown }),
    {
      minLength: 1,
      maxLength: max,
    },
  );
}

/** Anything a display-name function might be handed: junk values, odd strings, ACE-shaped records. */
export const pointNameInputArb: fc.Arbitrary<unknown> = (() => {
  const segment = fc.oneof(
    fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
    fc.constantFrom(
      'ses',
      'n4',
      '10.0.0.5',
      'C.Drivers.Bacnet.Vav718.points.ZoneTemp',
      'analog-input',
      'analogValue',
      '6000:48-6048',
      '3',
      '..',
      '',
    ),
  );
  const pathName = fc.array(segment, { maxLength: 8 }).map((parts) => parts.join('/'));
  const shortName = fc
    .array(fc.string({ unit: 'grapheme-ascii', maxLength: 10 }), { maxLength: 5 })
    .map((p) => p.join('-'));
  const name = fc.oneof(
    pathName,
    shortName,
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ unit: 'grapheme-ascii', minLength: 500, maxLength: 2000 }),
    fc.anything(),
  );
  const bacnet = fc.oneof(
    fc.record(
      {
        device_name: fc.oneof(
          fc.string({ maxLength: 20 }),
          fc.constantFrom('VAV_401', 'Ahu7_1', 'Dev 0001003', ' VAV Rm 214 Lab', '', 'CHWS'),
          fc.anything(),
        ),
        object_name: fc.oneof(fc.string({ maxLength: 40 }), fc.anything()),
        object_units: fc.oneof(
          fc.constantFrom('degrees-fahrenheit', 'percent', 'no-units', 'weird-units', 'cubicFeetPerMinute'),
          fc.anything(),
        ),
      },
      { requiredKeys: [] },
    ),
    fc.anything(),
  );
  // Real sites' tags: marker strings (roles, places, labels), kv maps or lists of maps, or junk.
  const tag = fc.oneof(
    fc.constantFrom(
      'HeatSignal',
      'Male Lockers B1416',
      'RTU7 SaPressWuSetpt',
      'RTU7',
      'point',
      'CU/Work Camera',
    ),
    fc.string({ maxLength: 30 }),
    fc.anything(),
  );
  const markerTags = fc.oneof(fc.array(tag, { maxLength: 5 }), fc.anything());
  const kv = fc.dictionary(
    fc.constantFrom('jace_object_name', 'equip', '__proto__', 'x'),
    fc.oneof(tag, fc.string()),
  );
  const kvTags = fc.oneof(fc.array(kv, { maxLength: 3 }), kv, fc.anything());
  return fc.oneof(
    name,
    fc.record({ name, bacnet_data: bacnet, marker_tags: markerTags, kv_tags: kvTags }, { requiredKeys: [] }),
  );
})();
