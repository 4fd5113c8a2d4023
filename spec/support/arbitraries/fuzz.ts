// fast-check arbitraries for fuzzing the edge (CONVENTIONS 15, spec/robustness/fuzz.spec.ts):
// methods, path and query mutations, auth variants, headers and bodies, per route. Owns generation
// of inputs only.
import fc from 'fast-check';
import { HOUR_MS } from '../../../fixtures/ace/time.ts';
import { chartBodyArb, chartOptionsArb } from './charts.ts';
import { acceptEntriesArb, formatAccept, sitePointNamesArb, tokenArb } from './edge.ts';
import { pointNamesArb } from './time.ts';

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
