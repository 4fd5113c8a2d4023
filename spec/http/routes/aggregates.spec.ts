// GET /api/sites/{site}/aggregates through the Worker's real fetch handler, D1 real, ACE mocked by
// msw: stored buckets come back per point with their coverage, in JSON or MessagePack; the site
// gate and the catalogue check of the timeseries read path apply (401, 403, 404, foreign point);
// bad input is a 400 naming each field; the route is in the OpenAPI document.
import { env, exports } from 'cloudflare:workers';
import { decode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { sitePoints } from '../../../fixtures/ace/catalogue.ts';
import { computeBuckets } from '../../../src/aggregates/buckets.ts';
import { createAggregateStore } from '../../../src/aggregates/store.ts';
import { systemClock } from '../../../src/clock.ts';
import { createDb } from '../../../src/db/d1.ts';
import { createLogger } from '../../../src/obs/log.ts';
import { aceMock } from '../../support/ace.ts';
import type { ErrorJson } from '../harness.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 3, 1);
const SITE = 'demo-small';
const [A, B] = sitePoints(SITE).map((p) => p.point.name) as [string, string];

interface Bucket {
  t: number;
  count: number;
  min: number;
  max: number;
  avg: number;
  last: number;
}
interface Body {
  series: { point: string; buckets: Bucket[] }[];
  meta: {
    coverage: {
      from: number;
      to: number;
      expected: number;
      complete: boolean;
      points: { point: string; buckets: number; missing: [number, number][] }[];
    };
  };
}

let tokens = 0;
/** A fresh token per test: the rate limiter and the access proofs are per principal. */
const freshToken = (prefix = 'agg-route') => `${prefix}-${++tokens}-${Math.random().toString(36).slice(2)}`;

function get(path: string, token: string | null = freshToken(), headers: Record<string, string> = {}) {
  return exports.default.fetch(`https://vitals.test${path}`, {
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
  });
}

const series = [
  {
    point: A,
    t: Array.from({ length: 48 }, (_, i) => T0 + i * 30 * 60_000 + 7),
    v: Array.from({ length: 48 }, (_, i) => i),
  },
  { point: B, t: [T0 + 5, T0 + 2 * HOUR + 5], v: [10, 20] },
];

async function recorded(): Promise<void> {
  const log = createLogger({}, () => {});
  const store = createAggregateStore({ db: createDb({ db: env.DB, log }), clock: systemClock, log });
  const result = await store.record({ site: SITE, startMs: T0, endMs: T0 + DAY, series });
  if (!result.ok) throw new Error(result.error.kind);
}

const served = (s: (typeof series)[number], bucket: '1h' | '1d') =>
  computeBuckets(s, bucket).map((b) => ({
    t: b.t,
    count: b.stats.count,
    min: b.stats.min,
    max: b.stats.max,
    avg: b.stats.sum / b.stats.count,
    last: b.stats.last,
  }));

const query = (q: Record<string, string>) =>
  `/api/sites/${SITE}/aggregates?${new URLSearchParams({ points: `${A},${B}`, start: new Date(T0).toISOString(), end: String(T0 + 3 * HOUR), ...q })}`;

describe('GET /api/sites/{site}/aggregates', () => {
  it('serves the stored hourly buckets per point, in the order asked, with their coverage', async () => {
    await recorded();
    const res = await get(query({ interval: '1h' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const body = await res.json<Body>();
    expect(body.series).toEqual([
      { point: A, buckets: served(series[0] as (typeof series)[number], '1h').slice(0, 3) },
      { point: B, buckets: served(series[1] as (typeof series)[number], '1h') },
    ]);
    expect(body.meta.coverage).toEqual({
      from: T0,
      to: T0 + 3 * HOUR,
      expected: 3,
      complete: false,
      points: [
        { point: A, buckets: 3, missing: [] },
        { point: B, buckets: 2, missing: [[T0 + HOUR, T0 + 2 * HOUR]] },
      ],
    });
  });

  it('serves daily buckets as MessagePack', async () => {
    await recorded();
    const res = await get(
      query({ interval: '1d', end: String(T0 + 2 * DAY), points: `${B},${A}` }),
      freshToken(),
      {
        accept: 'application/msgpack',
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/msgpack/);
    const body = decode(new Uint8Array(await res.arrayBuffer())) as Body;
    expect(body.series).toEqual([
      { point: B, buckets: served(series[1] as (typeof series)[number], '1d') },
      { point: A, buckets: served(series[0] as (typeof series)[number], '1d') },
    ]);
    expect(body.meta.coverage).toMatchObject({ from: T0, to: T0 + 2 * DAY, expected: 2, complete: false });
  });

  it('is 401 without a token', async () => {
    const res = await get(query({}), null);
    expect(res.status).toBe(401);
    expect((await res.json<ErrorJson>()).error.code).toBe('unauthorized');
  });

  it.each([
    [{ interval: '5m' }, ['interval']],
    [{ interval: 'raw' }, ['interval']],
    [{ start: String(T0 + HOUR), end: String(T0) }, ['end']],
    [{ start: 'yesterday' }, ['start']],
    [{ points: '' }, ['points.0']],
    [{ points: `${A},${A}` }, ['points.1']],
    [{ end: String(T0 + 367 * DAY) }, ['end']],
    // 12 points × 366 days of hours is over the 100 000 buckets one answer may span.
    [
      {
        points: sitePoints(SITE)
          .slice(0, 12)
          .map((p) => p.point.name)
          .join(','),
        end: String(T0 + 366 * DAY),
      },
      ['end'],
    ],
  ] as const)('refuses %j with 400 naming %j, without asking ACE', async (q, paths) => {
    const before = aceMock.stats().total;
    const res = await get(query(q));
    expect(res.status).toBe(400);
    const body = await res.json<ErrorJson>();
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.details?.map((d) => d.path)).toEqual(paths);
    expect(aceMock.stats().total).toBe(before);
  });

  it('refuses a request without points or times, naming each', async () => {
    const res = await get(`/api/sites/${SITE}/aggregates?interval=1h`);
    expect(res.status).toBe(400);
    const body = await res.json<ErrorJson>();
    expect(body.error.details?.map((d) => d.path).sort()).toEqual(['end', 'points', 'start']);
  });

  it('refuses a point that is not one of the site’s, naming it', async () => {
    const res = await get(query({ points: `${A},not-a-point-of-this-site` }));
    expect(res.status).toBe(400);
    const body = await res.json<ErrorJson>();
    expect(body.error.details).toEqual([{ path: 'points.1', message: 'not a point of this site' }]);
  });

  it('is 403 when ACE forbids the token the site, and serves nothing', async () => {
    await recorded();
    const res = await get(query({}), freshToken('forbidden'));
    expect(res.status).toBe(403);
    const body = await res.json<ErrorJson>();
    expect(body.error.code).toBe('forbidden');
    expect(JSON.stringify(body)).not.toContain(A);
  });

  it('is 403 when ACE refuses the site itself, even though the catalogue answers', async () => {
    await recorded();
    aceMock.setFaults({ status: 403, count: 1, routes: ['site'] });
    const res = await get(query({}));
    expect(res.status).toBe(403);
    expect(aceMock.stats().requests.site).toBe(1);
  });

  it('is 401 when ACE rejects the token, and 404 for a site ACE does not know', async () => {
    expect((await get(query({}), freshToken('invalid'))).status).toBe(401);
    const res = await get(`/api/sites/no-such-site/aggregates?points=x&start=${T0}&end=${T0 + HOUR}`);
    expect(res.status).toBe(404);
  });

  it('is in the OpenAPI document with its parameters and coverage schema', async () => {
    const doc = await (await exports.default.fetch('https://vitals.test/openapi.json')).json<{
      paths: Record<string, { get?: { parameters?: { name: string; in: string }[] } }>;
      components: { schemas: Record<string, unknown> };
    }>();
    const op = doc.paths['/api/sites/{site}/aggregates']?.get;
    expect(op?.parameters?.map((p) => `${p.in}:${p.name}`).sort()).toEqual([
      'path:site',
      'query:end',
      'query:format',
      'query:interval',
      'query:points',
      'query:start',
    ]);
    expect(doc.components.schemas.AggregateCoverage).toBeDefined();
    expect(doc.components.schemas.AggregatesResponse).toBeDefined();
  });
});
