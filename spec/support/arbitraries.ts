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

// ---- Saved charts (spec/charts, spec/http/routes/charts.spec.ts) ----------------------------

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

// ---- The job lifecycle model (spec/model/jobs.model.spec.ts) --------------------------------

/** A job priority: normal or high (a queue each). */
export const jobPriorityArb: fc.Arbitrary<'normal' | 'high'> = fc.constantFrom('normal', 'high');

/** An ACE answer the queue outcome mapping treats as transient: 5xx, 408, 429. */
export const transientAceStatusArb: fc.Arbitrary<number> = fc.constantFrom(500, 502, 503, 504, 408, 429);

/** An ACE answer the queue outcome mapping treats as permanent: a 4xx other than 408 and 429. */
export const permanentAceStatusArb: fc.Arbitrary<number> = fc.constantFrom(400, 401, 403, 404);

// ---- Aggregates (spec/aggregates) -------------------------------------------------------------

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

// ---- Robustness fuzzing of the edge (spec/robustness/fuzz.spec.ts) ---------------------------

/** Methods a client may send: the route's own, the others fetch allows, and odd extension ones. */
export const FUZZ_METHODS = [
  'GET',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'HEAD',
  'OPTIONS',
  'PROPFIND',
  'patch',
] as const;

/** Ids the fuzzer may put in `{id}`: the spec's own (a victim's chart or job) and junk. */
export interface FuzzIds {
  /** Ids of records the spec created (another principal's among them). */
  known: readonly string[];
}

/** Raw (already percent-encoded where needed) values for a path parameter, hostile ones first. */
const HOSTILE_SEGMENTS = [
  '%2F',
  'a%2Fb',
  '..',
  '%2E%2E',
  '.',
  '%2e',
  '...',
  'demo-small%2F..%2Fdemo-large',
  '%FF%FE',
  '%C0%AF',
  '%E0%A4%A',
  '%ZZ',
  '%',
  '%00',
  'site%0Aline',
  '%20',
  'caf%C3%A9',
  '%F0%9F%98%80',
  '%EF%BF%BF',
  '%ED%A0%80',
  'a;b=c',
  "'%20OR%201=1--",
  '%27%3B%20DROP%20TABLE%20jobs%3B--',
  '%3Cscript%3E',
  '$%7Bjndi%7D',
  'undefined',
  'null',
  '__proto__',
  'constructor',
] as const;

/** A value for one path parameter: a plausible one, a hostile one, a very long one or a random one. */
export function pathParamArb(name: string, ids: FuzzIds): fc.Arbitrary<string> {
  const plausible =
    name === 'site'
      ? fc.constantFrom('demo-small', 'demo-large', 'no-such-site', 'site_a.b-1')
      : fc.oneof(
          ...(ids.known.length > 0 ? [fc.constantFrom(...ids.known)] : []),
          fc.uuid().map(String),
          fc.constantFrom('0', 'x', '-', '_'),
        );
  return fc.oneof(
    { weight: 4, arbitrary: plausible },
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('a', '%41', 'é', '%FF', '-'), fc.integer({ min: 129, max: 8000 }))
        .map(([unit, n]) => encodeURI(unit).replace(/%25/g, '%').repeat(n)),
    },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map(encodeLoosely) },
  );
}

/** Percent-encodes what a URL cannot hold raw, keeping `%`, `/` and `.` as given. */
function encodeLoosely(s: string): string {
  return [...s]
    .map((ch) => (/^[A-Za-z0-9._~%/-]$/.test(ch) ? ch : encodeURIComponent(ch)))
    .join('')
    .replace(/%25/g, '%');
}

/** How a filled-in path is mutated after the fact: none, or a trick on its segments. */
export type PathMutation =
  | 'none'
  | 'trailing-slash'
  | 'double-slash'
  | 'dot-dot'
  | 'encoded-dot-dot'
  | 'encoded-slash'
  | 'upper-case'
  | 'extra-segment'
  | 'drop-last'
  | 'matrix';

export const pathMutationArb: fc.Arbitrary<PathMutation> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('none' as const) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'trailing-slash' as const,
      'double-slash' as const,
      'dot-dot' as const,
      'encoded-dot-dot' as const,
      'encoded-slash' as const,
      'upper-case' as const,
      'extra-segment' as const,
      'drop-last' as const,
      'matrix' as const,
    ),
  },
);

/** Applies a mutation to an (encoded) path. */
export function mutatePath(path: string, mutation: PathMutation): string {
  switch (mutation) {
    case 'none':
      return path;
    case 'trailing-slash':
      return `${path}/`;
    case 'double-slash':
      return path.replace(/\/(?=[^/]*$)/, '//');
    case 'dot-dot':
      return `${path}/../../admin/stats`;
    case 'encoded-dot-dot':
      return `${path}/%2e%2e/%2E%2E/admin%2Fstats`;
    case 'encoded-slash':
      // The last separator encoded (a path of one segment gets an encoded slash in front).
      return path.lastIndexOf('/') > 0 ? path.replace(/\/([^/]*)$/, '%2F$1') : `/%2F${path.slice(1)}`;
    case 'upper-case':
      return path.toUpperCase();
    case 'extra-segment':
      return `${path}/extra`;
    case 'drop-last':
      return path.replace(/\/[^/]*$/, '') || '/';
    case 'matrix':
      return `${path};jsessionid=1`;
  }
}

const QUERY_KEYS = [
  'points',
  'start',
  'end',
  'interval',
  'layout',
  'format',
  'priority',
  'limit',
  'cursor',
  'search',
  'state',
  'page_size',
  'start_time',
  'end_time',
  'raw_data',
  'point_names',
  '__proto__',
  'constructor',
  'points[]',
  '',
] as const;

const QUERY_VALUES = [
  '',
  'AHU-01-ZoneTemp',
  'AHU-01-ZoneTemp,AHU-01-SupplyTemp',
  ',,,',
  'AHU-01-ZoneTemp,AHU-01-ZoneTemp',
  '2026-03-01T00:00:00Z',
  '2026-03-01T01:00:00Z',
  '2026-03-01T00:00:00',
  '2026-02-30T00:00:00Z',
  '1772323200000',
  '1772326800000',
  '-1',
  '0',
  '1',
  '99999999999999999999',
  '1e3',
  'NaN',
  'raw',
  '5m',
  '1h',
  '1d',
  'rows',
  'columns',
  'json',
  'msgpack',
  'xml',
  'high',
  'all',
  'open',
  '100',
  '10000',
  'true',
  'false',
  '%',
  '%FF',
  '%E0%A4%A',
  '%00',
  "'%20OR%201=1",
  'SELECT%20*%20FROM%20jobs',
] as const;

/** A query string (without `?`): known keys with valid, invalid and hostile values, repeats and junk. */
export const queryStringArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.constantFrom(...QUERY_KEYS),
          fc.oneof(
            { weight: 4, arbitrary: fc.constantFrom(...QUERY_VALUES) },
            { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map(encodeURIComponent) },
            {
              weight: 1,
              arbitrary: fc.integer({ min: 100, max: 6000 }).map((n) => 'AHU-01-ZoneTemp,'.repeat(n)),
            },
          ),
        ),
        { maxLength: 8 },
      )
      .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', '&', '&&=&', '=', '%', 'a=%', '??x=1', '#frag', 'a=1&a=2&a=3'),
  },
);

/** An Authorization / X-ACE-Token variant; `fresh` is a token never used before (own budget). */
export type AuthVariant =
  | { kind: 'bearer' | 'ace-header' | 'both' | 'lower-scheme' | 'double-space' }
  | { kind: 'none' }
  | { kind: 'raw'; authorization?: string; aceToken?: string };

/** Credentials as a client might send them, well-formed (with a fresh token) or not. */
export function authVariantArb(adminToken: string, admin = false): fc.Arbitrary<AuthVariant> {
  return fc.oneof(
    // On admin routes mostly the admin token, so the fuzz reaches past the door.
    {
      weight: admin ? 12 : 0,
      arbitrary: fc.constant({ kind: 'raw' as const, authorization: `Bearer ${adminToken}` }),
    },
    { weight: 8, arbitrary: fc.constant({ kind: 'bearer' as const }) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        { kind: 'ace-header' as const },
        { kind: 'both' as const },
        { kind: 'lower-scheme' as const },
        { kind: 'double-space' as const },
        { kind: 'none' as const },
      ),
    },
    {
      weight: 3,
      arbitrary: fc
        .oneof(
          fc.constantFrom(
            { authorization: 'Bearer' },
            { authorization: 'Bearer ' },
            { authorization: 'Basic dXNlcjpwYXNz' },
            { authorization: 'Bearer a b' },
            { authorization: 'Bearer "quoted"' },
            { authorization: 'Bearer tok,en' },
            { authorization: `Bearer ${'A'.repeat(5000)}` },
            { authorization: `Bearer ${adminToken}` },
            { aceToken: adminToken },
            { aceToken: '' },
            { aceToken: 'has space' },
            { authorization: 'Bearer invalid-fuzz-token-0001' },
            { authorization: 'Bearer forbidden-fuzz-token-0001' },
            { aceToken: 'forbidden-fuzz-token-0002' },
          ),
          tokenArb.map((t) => ({ authorization: `Bearer ${t}` })),
          fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => ({ authorization: s })),
        )
        .map((raw) => ({ kind: 'raw' as const, ...raw })),
    },
  );
}

/** Optional request headers other than credentials: values well-formed, odd and hostile. */
export const fuzzHeadersArb: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    accept: fc.oneof(
      acceptEntriesArb.map((e) => formatAccept(e)),
      fc.constantFrom(
        '',
        '*/*;q=0',
        'application/json;q=abc',
        'application/msgpack;q=0.5, */*;q=0.1',
        ',,;;',
      ),
    ),
    'content-type': fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json;;',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=xyz',
      'application/msgpack',
      '',
      'garbage',
    ),
    'x-request-id': fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9._:-]{8,128}$/),
      fc.constantFrom('short', 'x'.repeat(129), 'has space in it', '<script>alert(1)</script>', '../../etc'),
    ),
    prefer: fc.constantFrom(
      'respond-async',
      'respond-async, wait=1',
      'RESPOND-ASYNC',
      'wait=5',
      'return=minimal',
      '',
    ),
    origin: fc.constantFrom('https://dashboard.example', 'https://evil.example', 'null'),
    'accept-encoding': fc.constantFrom('gzip', 'gzip;q=0', 'br', '*', 'identity'),
    'access-control-request-method': fc.constantFrom('GET', 'POST', 'DELETE'),
  },
  { requiredKeys: [] },
);

/** Nests `[` or `{"a":` `depth` times around a scalar: JSON.parse copes, naive recursion does not. */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A request body and how to name it in a counterexample (huge bodies would flood the report). */
export interface FuzzBody {
  text: string;
  [fc.toStringMethod](): string;
}

function fuzzBody(text: string, name?: string): FuzzBody {
  return {
    text,
    [fc.toStringMethod]: () =>
      name ??
      (text.length > 200
        ? `${JSON.stringify(text.slice(0, 80))}… (${text.length} chars)`
        : JSON.stringify(text)),
  };
}

/** A request body: absent, valid-looking, wrong JSON, deeply nested, huge, or of the wrong types. */
export const fuzzBodyArb: fc.Arbitrary<FuzzBody | undefined> = (() => {
  const time = fc.oneof(
    fc.constantFrom('2026-03-01T00:00:00Z', 1772323200000, '2026-03-01T00:00:00'),
    fc.jsonValue(),
  );
  const timeseries = fc.record(
    {
      points: fc.oneof(fc.constant(['AHU-01-ZoneTemp']), pointNamesArb(5), fc.jsonValue()),
      start: time,
      end: fc.oneof(fc.constant('2026-03-01T02:00:00Z'), time),
      interval: fc.oneof(fc.constantFrom('raw', '1h', 'weekly'), fc.jsonValue()),
      layout: fc.constantFrom('rows', 'columns', 7),
      extra: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: [] },
  );
  const chart = fc.record(
    {
      name: fc.oneof(fc.string({ maxLength: 30 }), fc.jsonValue({ maxDepth: 1 })),
      site: fc.oneof(fc.constantFrom('demo-small', '../x', ''), fc.jsonValue({ maxDepth: 1 })),
      points: fc.oneof(fc.constant(['AHU-01-ZoneTemp']), fc.jsonValue({ maxDepth: 2 })),
      range: fc.oneof(
        fc.constant({ start: 1772323200000, end: 1772326800000 }),
        fc.record({ start: time, end: time }),
        fc.jsonValue({ maxDepth: 1 }),
      ),
      options: fc.oneof(chartOptionsArb, fc.jsonValue({ maxDepth: 2 })),
      id: fc.string({ maxLength: 10 }),
    },
    { requiredKeys: [] },
  );
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: timeseries.map((b) => fuzzBody(JSON.stringify(b))) },
    { weight: 3, arbitrary: chart.map((b) => fuzzBody(JSON.stringify(b))) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => fuzzBody(JSON.stringify(v))) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          '',
          '{',
          '{"points":',
          'nul',
          '[1,2',
          '{"a":1}}',
          '\u0000',
          '{"__proto__":{"x":1}}',
          "{'a':1}",
          '\ufeff{}',
          '1e999',
          '"\\ud800"',
        )
        .map((t) => fuzzBody(t)),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 1000, max: 120_000 }), fc.constantFrom('array' as const, 'object' as const))
        .map(([depth, kind]) => fuzzBody(deepJson(depth, kind), `${kind} nested ${depth} deep`)),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1000, max: 120_000 }).map((n) =>
        fuzzBody(
          JSON.stringify({
            points: Array.from({ length: n }, (_, i) => `p${i}`),
            start: '2026-03-01T00:00:00Z',
            end: '2026-03-01T01:00:00Z',
          }),
          `timeseries body with ${n} points`,
        ),
      ),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1000, max: 60_000 }).map((n) =>
        fuzzBody(
          JSON.stringify({
            name: 'big',
            site: 'demo-small',
            points: ['AHU-01-ZoneTemp'],
            range: { start: 1772323200000, end: 1772326800000 },
            options: Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])),
          }),
          `chart body with ${n} option keys`,
        ),
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1_048_577, max: 1_300_000 })
        .map((n) => fuzzBody('x'.repeat(n), `${n} bytes of x`)),
    },
  );
})();

/**
 * A query a route accepts (or nearly: one field in ten is off), so the fuzz reaches past
 * validation into the services and ACE; small windows on demo-small keep each request quick.
 */
export function routeQueryArb(path: string): fc.Arbitrary<string> {
  const t0 = Date.UTC(2026, 2, 1);
  const window = fc
    .tuple(fc.integer({ min: 0, max: 60 * 24 }), fc.integer({ min: 1, max: 6 }))
    .map(([h, n]) => ({ start: t0 + h * HOUR_MS, end: t0 + (h + n) * HOUR_MS }));
  const enc = (pairs: Record<string, string | undefined>) =>
    Object.entries(pairs)
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&');
  const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const names = sitePointNamesArb('demo-small', 3).map((n) => n.join(','));
  if (/\/(timeseries|aggregates)$/.test(path)) {
    const aggregates = path.endsWith('aggregates');
    return fc
      .record({
        w: window,
        points: names,
        interval: opt(fc.constantFrom(...(aggregates ? ['1h', '1d'] : ['raw', '5m', '1h', '1d']))),
        layout: opt(fc.constantFrom('rows', 'columns')),
        format: opt(fc.constantFrom('json', 'msgpack')),
        iso: fc.boolean(),
      })
      .map((q) =>
        enc({
          points: q.points,
          start: q.iso ? new Date(q.w.start).toISOString() : String(q.w.start),
          end: q.iso ? new Date(q.w.end).toISOString() : String(q.w.end),
          interval: q.interval,
          layout: aggregates ? undefined : q.layout,
          format: q.format,
        }),
      );
  }
  if (path.endsWith('/paginated')) {
    return fc
      .record({
        w: window,
        size: fc.constantFrom(10, 100, 1000),
        points: opt(names),
        raw: opt(fc.constantFrom('true', 'false')),
      })
      .map((q) =>
        enc({
          start_time: new Date(q.w.start).toISOString().slice(0, 19),
          end_time: new Date(q.w.end).toISOString().slice(0, 19),
          page_size: String(q.size),
          point_names: q.points,
          raw_data: q.raw,
        }),
      );
  }
  if (path.endsWith('/points')) {
    return fc
      .record({
        search: opt(fc.constantFrom('AHU', 'temp', 'zz', '')),
        limit: opt(fc.integer({ min: 1, max: 1000 })),
      })
      .map((q) => enc({ search: q.search, limit: q.limit?.toString() }));
  }
  if (path.endsWith('/result')) {
    return fc
      .record({
        layout: opt(fc.constantFrom('rows', 'columns')),
        format: opt(fc.constantFrom('json', 'msgpack')),
      })
      .map(enc);
  }
  if (path === '/api/charts' || path === '/api/admin/dlq') {
    return fc
      .record({ limit: opt(fc.integer({ min: 1, max: 100 })), state: opt(fc.constantFrom('open', 'all')) })
      .map((q) =>
        enc({ limit: q.limit?.toString(), state: path === '/api/admin/dlq' ? q.state : undefined }),
      );
  }
  return fc.constant('');
}

/** A body a route accepts (timeseries, chart, purge), so sane fuzz requests reach the services. */
export function routeBodyArb(path: string): fc.Arbitrary<FuzzBody | undefined> {
  if (path === '/api/sites/{site}/timeseries') {
    return fc
      .record({
        points: sitePointNamesArb('demo-small', 3),
        h: fc.integer({ min: 0, max: 60 * 24 }),
        n: fc.integer({ min: 1, max: 4 }),
        interval: fc.constantFrom('raw', '5m', '1h', '1d'),
        layout: fc.constantFrom('rows', 'columns'),
      })
      .map(({ points, h, n, interval, layout }) => {
        const start = Date.UTC(2026, 2, 1) + h * HOUR_MS;
        return fuzzBody(JSON.stringify({ points, start, end: start + n * HOUR_MS, interval, layout }));
      });
  }
  if (path === '/api/charts' || path === '/api/charts/{id}')
    return chartBodyArb.map((b) => fuzzBody(JSON.stringify(b)));
  if (path === '/api/admin/cache/purge')
    return fc.constantFrom('{}', '{"site":"no-such-site"}', '{"site":"demo-large"}').map((t) => fuzzBody(t));
  return fc.constant(undefined);
}
