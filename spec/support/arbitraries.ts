// fast-check arbitraries shared by specs (CONVENTIONS 15): times, windows and page sizes for the
// synthetic ACE, and the inputs other suites build on. Owns generation of inputs only; the
// properties themselves live in the specs.
import fc from 'fast-check';
import { CATALOGUE } from '../../fixtures/ace/catalogue.ts';
import { PAGE_SIZES } from '../../fixtures/ace/pages.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../fixtures/ace/time.ts';

/** The span windows are drawn from: a year of synthetic history. */
export const ARB_EPOCH_START = Date.UTC(2025, 5, 1);
export const ARB_EPOCH_END = Date.UTC(2026, 5, 1);

/** An epoch ms in the synthetic history: any ms, or aligned to a minute or an hour as clients ask. */
export const epochMsArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: ARB_EPOCH_START, max: ARB_EPOCH_END }),
  fc.integer({ min: ARB_EPOCH_START / MINUTE_MS, max: ARB_EPOCH_END / MINUTE_MS }).map((m) => m * MINUTE_MS),
  fc.integer({ min: ARB_EPOCH_START / HOUR_MS, max: ARB_EPOCH_END / HOUR_MS }).map((h) => h * HOUR_MS),
);

/** A time window [startMs, endMs) lasting between minMs and maxMs. */
export function windowArb(minMs: number, maxMs: number): fc.Arbitrary<{ startMs: number; endMs: number }> {
  return fc
    .record({ startMs: epochMsArb, duration: fc.integer({ min: minMs, max: maxMs }) })
    .map(({ startMs, duration }) => ({ startMs, endMs: startMs + duration }));
}

/** A window and a sorted list of cut times inside it, splitting it into consecutive sub-windows. */
export function splitWindowArb(
  minMs: number,
  maxMs: number,
): fc.Arbitrary<{ startMs: number; endMs: number; cuts: number[] }> {
  return windowArb(minMs, maxMs).chain(({ startMs, endMs }) => {
    const cuts =
      endMs - startMs < 2
        ? fc.constant([])
        : fc.uniqueArray(fc.integer({ min: startMs + 1, max: endMs - 1 }), { maxLength: 6 });
    return cuts.map((c) => ({ startMs, endMs, cuts: [...c].sort((a, b) => a - b) }));
  });
}

/** A page size the paginated endpoint accepts. */
export const pageSizeArb: fc.Arbitrary<number> = fc.constantFrom(...PAGE_SIZES);

/** A page_size query value the paginated endpoint must refuse: near misses of the enum included. */
export const invalidPageSizeArb: fc.Arbitrary<string> = fc.oneof(
  fc
    .integer({ min: 0, max: 1_000_000 })
    .filter((n) => !PAGE_SIZES.some((s) => s === n))
    .map(String),
  fc
    .constantFrom(
      ...PAGE_SIZES.flatMap((s) => [s - 1, s + 1, s * 3]).filter((n) => !PAGE_SIZES.some((s) => s === n)),
      30_000,
    )
    .map(String),
  fc.constantFrom('', '-3', '10.0', '1e3', ' 100', '100abc', 'all', '0x64'),
);

/**
 * A page size and a window of 1 h to 3 days, shorter for small pages so one run stays within a
 * few hundred pages of demo-small (about 1,400 samples an hour); most windows are under 6 h so
 * a run of properties stays quick, some reach the full span.
 */
export const pagedWindowArb: fc.Arbitrary<{ startMs: number; endMs: number; pageSize: number }> =
  pageSizeArb.chain((pageSize) => {
    const maxMs = Math.min(3 * DAY_MS, Math.max(HOUR_MS, Math.floor((pageSize * 300 * HOUR_MS) / 1400)));
    const window = fc.oneof(
      { weight: 3, arbitrary: windowArb(HOUR_MS, Math.min(maxMs, 6 * HOUR_MS)) },
      { weight: 1, arbitrary: windowArb(HOUR_MS, maxMs) },
    );
    return window.map((w) => ({ ...w, pageSize }));
  });

/** How a time is written in a query: with `Z`, with an offset, or naive (UTC). */
export type IsoStyle = { kind: 'z' } | { kind: 'naive' } | { kind: 'offset'; minutes: number };

/** An ISO style for query times. */
export const isoStyleArb: fc.Arbitrary<IsoStyle> = fc.oneof(
  fc.constant({ kind: 'z' as const }),
  fc.constant({ kind: 'naive' as const }),
  fc
    .integer({ min: -12 * 4, max: 14 * 4 })
    .map((quarters) => ({ kind: 'offset' as const, minutes: quarters * 15 })),
);

/** Writes epoch ms in an ISO style (the same instant whatever the style). */
export function formatIso(ms: number, style: IsoStyle): string {
  if (style.kind === 'z') return new Date(ms).toISOString();
  if (style.kind === 'naive') return new Date(ms).toISOString().slice(0, -1);
  const local = new Date(ms + style.minutes * MINUTE_MS).toISOString().slice(0, -1);
  const abs = Math.abs(style.minutes);
  const sign = style.minutes < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const ALL_POINT_NAMES = [...CATALOGUE.values()].flatMap((c) => c.points.map((p) => p.point.name));

/** Up to `max` distinct catalogue point names, from either site, mixed with unknown names. */
export function pointNamesArb(max: number): fc.Arbitrary<string[]> {
  const known = fc.constantFrom(...ALL_POINT_NAMES);
  const unknown = fc.constantFrom(
    'no-such-point',
    'AHU-99-ZoneTemp',
    'ses/demo_small/10.0.0.5/n4/Plant/Nope',
  );
  return fc.uniqueArray(fc.oneof({ weight: 9, arbitrary: known }, { weight: 1, arbitrary: unknown }), {
    minLength: 1,
    maxLength: max,
  });
}

// ---- cache keys (spec/cache/cache-key.spec.ts) ----

const INTERVALS = ['raw', '5m', '1h', '1d'] as const;
const keyStringArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.constantFrom('a', 'b', 'a,b', 'b,c', ',', '/', '..', '"', '\\', '[', ']', 'a"b', '\u0000', 'é', '😀'),
);

/** A chunk key input: site, 1–8 points, a window, an interval and sometimes a version. */
export const chunkKeyInputArb = fc.record(
  {
    site: fc.oneof(fc.constantFrom('demo-small', 'demo-large', 'site_a'), keyStringArb),
    points: fc.array(keyStringArb, { minLength: 1, maxLength: 8 }),
    startMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
    endMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
    interval: fc.constantFrom(...INTERVALS),
    version: fc.integer({ min: 1, max: 5 }),
  },
  { requiredKeys: ['site', 'points', 'startMs', 'endMs', 'interval'] },
);

/** Two chunk inputs that differ in exactly one field (a point added or altered included). */
export const nearMissArb = chunkKeyInputArb.chain((a) =>
  fc
    .oneof(
      keyStringArb.filter((s) => s !== a.site).map((site) => ({ ...a, site })),
      keyStringArb.filter((p) => !a.points.includes(p)).map((p) => ({ ...a, points: [...a.points, p] })),
      fc
        .nat({ max: a.points.length - 1 })
        .chain((i) =>
          keyStringArb
            .filter((p) => !a.points.includes(p))
            .map((p) => ({ ...a, points: a.points.map((q, j) => (j === i ? p : q)) })),
        ),
      fc.integer({ min: 1, max: 86_400_000 }).map((d) => ({ ...a, startMs: a.startMs + d })),
      fc.integer({ min: 1, max: 86_400_000 }).map((d) => ({ ...a, endMs: a.endMs - d })),
      fc.constantFrom(...INTERVALS.filter((i) => i !== a.interval)).map((interval) => ({ ...a, interval })),
      fc.integer({ min: 6, max: 9 }).map((version) => ({ ...a, version })),
    )
    .map((b) => [a, b] as const),
);

/** Two inputs whose fields concatenate to the same text but split it differently. */
export const separatorTrickArb = fc
  .tuple(
    fc.string({ minLength: 1, maxLength: 6 }),
    fc.string({ minLength: 1, maxLength: 6 }),
    fc.string({ minLength: 1, maxLength: 6 }),
    fc.constantFrom(',', '/', '|', ':', '"', ''),
  )
  .filter(([x, y, z]) => new Set([x, y, z]).size === 3)
  .map(([x, y, z, sep]) => {
    const base = { startMs: 0, endMs: 86_400_000, interval: 'raw' as const };
    const a = { ...base, site: x, points: [`${y}${sep}${z}`] };
    const b = { ...base, site: `${x}${sep}${y}`, points: [z] };
    return [a, b] as const;
  });

// ---- The HTTP edge and the encodings (spec/http, spec/encoding) ----------------------------

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
        device_name: fc.oneof(fc.string({ maxLength: 20 }), fc.anything()),
        object_name: fc.oneof(fc.string({ maxLength: 40 }), fc.anything()),
        object_units: fc.oneof(
          fc.constantFrom('degrees-fahrenheit', 'percent', 'no-units', 'weird-units'),
          fc.anything(),
        ),
      },
      { requiredKeys: [] },
    ),
    fc.anything(),
  );
  return fc.oneof(name, fc.record({ name, bacnet_data: bacnet }, { requiredKeys: [] }));
})();
