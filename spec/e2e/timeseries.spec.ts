// The read path end to end through the Worker (exports.default: real Hono app, real local D1 and R2, the
// synthetic ACE behind msw): data equals the generator's truth, a miss then a hit returns
// identical data in both formats, a sliding window fetches only the new day, the shared cache
// refuses principals ACE refuses, R2 failures degrade to BYPASS, and concurrent cold requests
// share one upstream fetch per chunk.

import { env, exports } from 'cloudflare:workers';
import { decode } from '@msgpack/msgpack';
import { beforeEach, describe, expect, it } from 'vitest';
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import { type CompactSeries, fromCompact } from '../../src/encoding/compact.ts';
import { harness } from '../http/harness.ts';
import { aceMock } from '../support/ace.ts';
import { truth } from '../support/builders.ts';
import { createFaultPlan, faultyR2, type R2Op } from '../support/faults.ts';

const DAY = 86_400_000;
const D0 = Date.UTC(2026, 0, 5);
const small = sitePoints('demo-small').filter((p) => p.point.collect_enabled);
const names = small.slice(0, 3).map((p) => p.point.name);

interface Body {
  series: { point: string; t: number[]; v: number[] }[];
  meta: { samples: number; cache: string; route: string; chunks: number; upstream_requests: number };
}

let tokenSeq = 0;
/** A fresh token per test: principals and their access proofs never leak between tests. */
const freshToken = () => `e2e-token-${++tokenSeq}-${crypto.randomUUID()}`;

async function get(
  query: Record<string, string | number>,
  token: string,
  headers: Record<string, string> = {},
) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  return exports.default.fetch(`https://vitals.test/api/sites/demo-small/timeseries?${qs}`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
}

const upstreamTimeseriesCalls = () => {
  const r = aceMock.stats().requests;
  return (r.get_timeseries ?? 0) + (r.paginated ?? 0);
};

beforeEach(async () => {
  await env.DB.prepare('DELETE FROM cache_entries').run();
});

describe('GET /api/sites/{site}/timeseries', () => {
  it("returns exactly the generator's samples, in the order asked, with meta", async () => {
    const token = freshToken();
    const order = [names[2], names[0], names[1]] as string[];
    const res = await get(
      { points: order.join(','), start: D0 + 3_600_000, end: D0 + DAY + 7_200_000 },
      token,
    );
    expect(res.status).toBe(200);
    const body = await res.json<Body>();
    expect(body.series.map((s) => s.point)).toEqual(order);
    for (const s of body.series)
      expect({ t: s.t, v: s.v }).toEqual(truth('demo-small', s.point, D0 + 3_600_000, D0 + DAY + 7_200_000));
    expect(body.meta.samples).toBe(body.series.reduce((n, s) => n + s.t.length, 0));
    expect(body.meta).toMatchObject({ cache: 'miss', route: 'upstream', chunks: 2 });
    expect(res.headers.get('x-cache')).toBe('MISS');
    expect(res.headers.get('server-timing')).toMatch(/total;dur=/);
  });

  it('serves a repeat from the cache with identical data in JSON and MessagePack', async () => {
    const token = freshToken();
    const q = { points: names.join(','), start: D0 + 2 * DAY, end: D0 + 3 * DAY };
    const miss = await get(q, token);
    const missBody = await miss.json<Body>();
    const before = upstreamTimeseriesCalls();
    const hit = await get(q, token);
    const hitBody = await hit.json<Body>();
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(hitBody.meta).toMatchObject({ cache: 'hit', route: 'cache', upstream_requests: 0 });
    expect(upstreamTimeseriesCalls()).toBe(before);
    expect(JSON.stringify(hitBody.series)).toBe(JSON.stringify(missBody.series));
    const packed = await get(q, token, { accept: 'application/msgpack' });
    expect(packed.headers.get('content-type')).toContain('application/msgpack');
    const decoded = decode(new Uint8Array(await packed.arrayBuffer())) as Body;
    expect(JSON.stringify(decoded.series)).toBe(JSON.stringify(missBody.series));
  });

  it('answers POST with a JSON body exactly as GET, rows layout included', async () => {
    const token = freshToken();
    const q = { points: names.join(','), start: D0 + 5 * DAY, end: D0 + 5 * DAY + 7_200_000 };
    const viaGet = await (await get(q, token)).json<Body>();
    const viaPost = await exports.default.fetch('https://vitals.test/api/sites/demo-small/timeseries', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ points: names, start: q.start, end: q.end }),
    });
    expect(viaPost.status).toBe(200);
    expect(JSON.stringify((await viaPost.json<Body>()).series)).toBe(JSON.stringify(viaGet.series));
    const rows = await (await get({ ...q, layout: 'rows' }, token)).json<{
      series: { point: string; data: number[][] }[];
    }>();
    rows.series.forEach((s, i) => {
      const cols = viaGet.series[i];
      expect(s.data).toEqual((cols?.t ?? []).map((t, k) => [t, cols?.v[k]]));
    });
  });

  it('fetches only the new day of a sliding window', async () => {
    const token = freshToken();
    await get({ points: names.join(','), start: D0 + 10 * DAY, end: D0 + 13 * DAY }, token);
    aceMock.resetStats();
    const res = await get({ points: names.join(','), start: D0 + 11 * DAY, end: D0 + 14 * DAY }, token);
    const body = await res.json<Body>();
    expect(body.meta.cache).toBe('partial');
    const fetched = aceMock
      .stats()
      .recent.filter((r) => r.route === 'get_timeseries' || r.route === 'paginated');
    expect(fetched.length).toBeGreaterThan(0);
    for (const r of fetched) {
      expect(r.start_ms).toBeGreaterThanOrEqual(D0 + 13 * DAY);
      expect(r.end_ms).toBeLessThanOrEqual(D0 + 14 * DAY);
    }
  });

  it('serves nothing of a warm range to a principal ACE refuses', async () => {
    const q = { points: names.join(','), start: D0 + 20 * DAY, end: D0 + 21 * DAY };
    expect((await get(q, freshToken())).status).toBe(200);
    const forbidden = await get(q, `forbidden-${crypto.randomUUID()}`);
    expect(forbidden.status).toBe(403);
    const forbiddenText = await forbidden.text();
    expect(forbiddenText).not.toContain('"series"');
    const invalid = await get(q, `invalid-${crypto.randomUUID()}`);
    expect(invalid.status).toBe(401);
  });

  it('refuses points that are not in the site catalogue', async () => {
    const other = sitePoints('demo-large')[0]?.point.name ?? 'x';
    const res = await get({ points: `${names[0]},${other}`, start: D0, end: D0 + DAY }, freshToken());
    expect(res.status).toBe(400);
    const body = await res.json<{ error: { code: string; details: { path: string }[] } }>();
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.details.map((d) => d.path)).toEqual(['points.1']);
  });

  it('answers from ACE with X-Cache BYPASS when R2 fails, and caches nothing', async () => {
    const plan = createFaultPlan<R2Op>();
    plan.set('get', { kind: 'error', message: 'r2 down' });
    const h = harness({ env: { CACHE: faultyR2(env.CACHE, plan) } });
    const q = new URLSearchParams({
      points: names.join(','),
      start: String(D0 + 30 * DAY),
      end: String(D0 + 31 * DAY),
    });
    const res = await h.fetch(`/api/sites/demo-small/timeseries?${q}`, {
      headers: { authorization: `Bearer ${freshToken()}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).toBe('BYPASS');
    const body = await res.json<Body>();
    expect(body.series[0]?.t).toEqual(truth('demo-small', names[0] ?? '', D0 + 30 * DAY, D0 + 31 * DAY).t);
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM cache_entries').first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it('shares one upstream fetch per chunk among 50 concurrent identical cold requests', async () => {
    // 50 different callers: the ACE client only shares calls made with the same token, so this
    // is the read path's own coalescing (and its re-check of the cache for late arrivals).
    aceMock.resetStats();
    const q = { points: names.join(','), start: D0 + 41 * DAY, end: D0 + 43 * DAY };
    const answers = await Promise.all(Array.from({ length: 50 }, () => get(q, freshToken())));
    const bodies = await Promise.all(answers.map((r) => r.json<Body>()));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect(new Set(bodies.map((b) => JSON.stringify(b.series))).size).toBe(1);
    // Two day chunks, one contiguous gap: one get_timeseries call (3 points) for all 50.
    expect(upstreamTimeseriesCalls()).toBe(1);
  });
});

describe('recent data', () => {
  it('caches a chunk touching the last 10 minutes for at most 60 s, then fetches it again', async () => {
    let now = Date.UTC(2026, 2, 3, 12, 0);
    const h = harness({ services: { clock: { now: () => now } } });
    const token = freshToken();
    const q = new URLSearchParams({
      points: names.join(','),
      start: String(now - 3_600_000),
      end: String(now),
    });
    const ask = () =>
      h.fetch(`/api/sites/demo-small/timeseries?${q}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await ask()).headers.get('x-cache')).toBe('MISS');
    now += 30_000;
    expect((await ask()).headers.get('x-cache')).toBe('HIT');
    now += 31_000;
    const expired = await ask();
    expect(expired.headers.get('x-cache')).toBe('MISS');
    const row = await env.DB.prepare(
      'SELECT expires_at - created_at AS ttl FROM cache_entries ORDER BY created_at DESC',
    ).first<{ ttl: number }>();
    expect(row?.ttl).toBeLessThanOrEqual(60_000);
  });
});

describe('the site catalogue behind the read path', () => {
  it('is shared by every principal with proven access: a second caller costs ACE no listing', async () => {
    const day = { points: names.join(','), start: D0 + 50 * DAY, end: D0 + 51 * DAY };
    expect((await get(day, freshToken())).status).toBe(200);
    const listings = () => aceMock.stats().requests.configured_points ?? 0;
    const before = listings();
    const other = await get(day, freshToken());
    expect(other.status).toBe(200);
    expect(other.headers.get('x-cache')).toBe('HIT');
    expect(listings()).toBe(before);
  });

  it('still refuses a principal ACE refuses, however warm the shared listing is', async () => {
    const day = { points: names.join(','), start: D0 + 50 * DAY, end: D0 + 51 * DAY };
    expect((await get(day, freshToken())).status).toBe(200);
    const refused = await get(day, `forbidden-${crypto.randomUUID()}`);
    expect(refused.status).toBe(403);
  });
});

describe('layout=compact', () => {
  it('carries exactly the columns data, in fewer bytes', async () => {
    const token = freshToken();
    const day = { points: names.join(','), start: D0 + 52 * DAY, end: D0 + 53 * DAY };
    const columns = (await (await get(day, token)).json()) as Body;
    const compactRes = await get({ ...day, layout: 'compact' }, token);
    expect(compactRes.status).toBe(200);
    const text = await compactRes.text();
    const compact = JSON.parse(text) as { series: CompactSeries[] };
    expect(compact.series.map(fromCompact)).toEqual(columns.series);
    expect(text.length).toBeLessThan(JSON.stringify(columns).length);
  });
});
