// What a cache hit costs in D1, counted through a wrapper around the real local D1 (and its
// Sessions API sessions): a hit writes nothing on the request path and needs at most one read
// round trip in a cold isolate, none in a warm one; its bookkeeping reaches D1 afterwards in one
// batch. The same for the ACE drop-in. The Worker's own app and services, real R2, msw for ACE.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import { ACCESS_PROOF_MAX_AGE_MS } from '../../src/cache/site-access.ts';
import type { Clock } from '../../src/clock.ts';
import { parseConfig } from '../../src/config.ts';
import { createApp } from '../../src/http/app.ts';
import { handleFetch } from '../../src/index.ts';
import { memoryTiersFor, resetIsolateState } from '../../src/isolate.ts';
import { createServices } from '../../src/services.ts';
import { aceMock } from '../support/ace.ts';
import { countingD1 } from '../support/counting-d1.ts';
import { createFaultPlan, type D1Op, faultyD1 } from '../support/faults.ts';

const DAY = 86_400_000;
const D0 = Date.UTC(2025, 8, 1);
const names = sitePoints('demo-small')
  .filter((p) => p.point.collect_enabled)
  .slice(0, 4)
  .map((p) => p.point.name);
const app = createApp();
const d1 = countingD1(env.DB);

/**
 * One request through the Worker's app with the counting D1: trips before the response is
 * complete are phase `request`, trips of its waitUntil work are phase `after`.
 */
async function send(path: string, token: string, options: { clock?: Clock; db?: D1Database } = {}) {
  d1.trips.length = 0;
  const ctx = createExecutionContext();
  // The batch waits 20 ms after the response, as it waits seconds in production: never on its path.
  const services = createServices(
    { ...env, DB: options.db ?? d1.db, BOOKKEEPING_FLUSH_MS: '20' },
    ctx,
    options.clock ? { clock: options.clock } : {},
  );
  d1.phase = 'request';
  const request = new Request(`https://vitals.test${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const res = await handleFetch(app, request, services, ctx);
  d1.phase = 'after';
  const body = await res.text();
  await waitOnExecutionContext(ctx);
  return { res, body, request: d1.of('request'), after: d1.of('after') };
}

const timeseries = (startMs: number) =>
  `/api/sites/demo-small/timeseries?${new URLSearchParams({ points: names.join(','), start: String(startMs), end: String(startMs + 3 * DAY) })}`;
const paginated = (startMs: number) =>
  `/api/sites/demo-small/timeseries/paginated?${new URLSearchParams({
    start_time: new Date(startMs).toISOString(),
    end_time: new Date(startMs + DAY).toISOString(),
    page_size: '500',
    point_names: names.join(','),
  })}`;

const writes = (trips: { writes: boolean }[]) => trips.filter((t) => t.writes).length;
const upstreamCalls = () => aceMock.stats().total;

describe('a cache hit in D1', () => {
  it('4 points × 3 days: cold isolate ≤ 1 read round trip and no write; warm isolate no D1 at all', async () => {
    const token = `hit-${crypto.randomUUID()}`;
    const path = timeseries(D0);
    const miss = await send(path, token);
    expect(miss.res.headers.get('x-cache')).toBe('MISS');

    // A new isolate: the proof and the chunks are only in D1 and R2.
    resetIsolateState();
    aceMock.resetStats();
    const cold = await send(path, token);
    expect(cold.res.status).toBe(200);
    expect(cold.res.headers.get('x-cache')).toBe('HIT');
    expect(JSON.parse(cold.body).series).toEqual(JSON.parse(miss.body).series);
    expect(writes(cold.request)).toBe(0);
    expect(cold.request.length).toBeLessThanOrEqual(1);
    // Its bookkeeping (LRU touches, request count, hot point set) is one batch after the response.
    expect(cold.after.length).toBeLessThanOrEqual(1);
    // The only ACE call of a cold isolate's hit is the site's catalogue listing: no data, no proof.
    const { configured_points: listings = 0, ...others } = aceMock.stats().requests;
    expect(listings).toBeGreaterThan(0);
    expect(Object.values(others).every((n) => n === 0)).toBe(true);

    // The same isolate again: it knows the proof and holds the chunks.
    aceMock.resetStats();
    const warm = await send(path, token);
    expect(warm.res.headers.get('x-cache')).toBe('HIT');
    expect(warm.request).toEqual([]);
    expect(upstreamCalls()).toBe(0);
  });

  it('the ACE drop-in: a cached page needs no D1 on the request path in a warm isolate, ≤ 1 read cold', async () => {
    const token = `dropin-${crypto.randomUUID()}`;
    const path = paginated(D0 + 10 * DAY);
    const first = await send(path, token);
    expect(first.res.status).toBe(200);
    resetIsolateState();
    const cold = await send(path, token);
    expect(cold.body).toBe(first.body);
    expect(writes(cold.request)).toBe(0);
    expect(cold.request.length).toBeLessThanOrEqual(1);
    aceMock.resetStats();
    const warm = await send(path, token);
    expect(warm.body).toBe(first.body);
    expect(warm.request).toEqual([]);
    expect(upstreamCalls()).toBe(0);
  });

  it('counts what it did not write: the batch after the response carries the touches and the request count', async () => {
    const token = `book-${crypto.randomUUID()}`;
    const path = timeseries(D0 + 20 * DAY);
    await send(path, token);
    const hit = await send(path, token);
    const [batch] = hit.after;
    expect(batch?.writes).toBe(true);
    expect(batch?.sql.some((s) => /UPDATE cache_entries/.test(s))).toBe(true);
    expect(batch?.sql.some((s) => /INSERT INTO request_counts/.test(s))).toBe(true);
    expect(batch?.sql.some((s) => /INSERT INTO hot_requests/.test(s))).toBe(true);
    const row = await env.DB.prepare(
      'SELECT sum(hits) AS hits FROM cache_entries WHERE chunk_start >= ? AND chunk_start < ?',
    )
      .bind(D0 + 20 * DAY, D0 + 23 * DAY)
      .first<{ hits: number }>();
    expect(row?.hits).toBe(3);
  });
});

describe('who may read a hit', () => {
  it('a token ACE refuses reads nothing the isolate holds, not even chunks already in memory', async () => {
    const path = timeseries(D0 + 30 * DAY);
    expect((await send(path, `reader-${crypto.randomUUID()}`)).res.status).toBe(200);
    for (const [token, status] of [
      [`forbidden-${crypto.randomUUID()}`, 403],
      [`invalid-${crypto.randomUUID()}`, 401],
    ] as const) {
      const refused = await send(path, token);
      expect(refused.res.status).toBe(status);
      expect(refused.body).not.toContain('"series"');
    }
  });

  it('a token revoked at ACE reads nothing more once its proof expires, in memory or in D1', async () => {
    const token = `revoked-${crypto.randomUUID()}`;
    const path = timeseries(D0 + 40 * DAY);
    expect((await send(path, token)).res.status).toBe(200);
    const later = Date.now() + ACCESS_PROOF_MAX_AGE_MS + 1_000;
    aceMock.setFaults({ status: 403, routes: ['site'] });
    const expired = await send(path, token, { clock: { now: () => later } });
    expect(expired.res.status).toBe(403);
    aceMock.clearFaults();
    // The refusal withdrew the proof everywhere, and is remembered: within ACCESS_REFUSAL_TTL_S
    // (even at the old time) the token is refused without asking ACE; after it, ACE decides again.
    aceMock.resetStats();
    expect((await send(path, token)).res.status).toBe(403);
    expect(aceMock.stats().requests.site ?? 0).toBe(0);
    const afterRefusal = { now: () => later + 61_000 };
    expect((await send(path, token, { clock: afterRefusal })).res.status).toBe(200);
    expect(aceMock.stats().requests.site).toBe(1);
  });

  it('D1 down: a caller whose proof the isolate holds is served its hit; ACE, not D1, decides the others', async () => {
    const token = `d1down-${crypto.randomUUID()}`;
    const path = timeseries(D0 + 50 * DAY);
    expect((await send(path, token)).res.status).toBe(200);
    const plan = createFaultPlan<D1Op>();
    for (const op of ['first', 'all', 'run', 'raw', 'batch', 'exec'] as const)
      plan.set(op, { kind: 'error', message: 'D1 down' });
    const down = faultyD1(env.DB, plan);
    aceMock.setFaults({ status: 503, routes: ['site'] });
    const held = await send(path, token, { db: down });
    expect(held.res.status).toBe(200);
    expect(held.res.headers.get('x-cache')).toBe('HIT');
    // No proof in memory: with D1 down too, ACE is the only one who can say, and it fails.
    const stranger = await send(path, `stranger-${crypto.randomUUID()}`, { db: down });
    expect(stranger.res.status).toBe(502);
    aceMock.clearFaults();
    const answered = await send(path, `stranger-${crypto.randomUUID()}`, { db: down });
    expect(answered.res.status).toBe(200);
  });
});

describe('encoded answers of repeated hits', () => {
  const answers = () => memoryTiersFor(parseConfig({ ...env })).answers.size().entries;

  it('answers a repeated hit from the isolate, byte for byte as encoded afresh, in each shape', async () => {
    const token = `memo-${crypto.randomUUID()}`;
    const path = timeseries(D0 + 60 * DAY);
    expect((await send(path, token)).res.headers.get('x-cache')).toBe('MISS');
    const before = answers();
    const first = await send(path, token);
    expect(answers()).toBe(before + 1);
    const again = await send(path, token);
    expect(again.res.headers.get('x-cache')).toBe('HIT');
    expect(again.body).toBe(first.body);
    expect(answers()).toBe(before + 1);
    // Another shape is another answer, encoded afresh and kept beside the first.
    const compact = await send(`${path}&layout=compact`, token);
    expect(JSON.parse(compact.body).series[0]).toHaveProperty('dt');
    expect(answers()).toBe(before + 2);
    // A new isolate encodes it again: the same bytes.
    resetIsolateState();
    expect((await send(path, token)).body).toBe(first.body);
  });

  it('keeps no answer that needed ACE: a chunk the index lists but R2 lost is fetched, and that answer is not kept', async () => {
    const token = `memo-${crypto.randomUUID()}`;
    const start = D0 + 80 * DAY;
    const path = timeseries(start);
    await send(path, token);
    resetIsolateState();
    const lost = await env.DB.prepare('SELECT key FROM cache_entries WHERE chunk_start = ?')
      .bind(start + DAY)
      .first<{ key: string }>();
    await env.CACHE.delete(lost?.key ?? '');
    const refetched = await send(path, token);
    expect(refetched.res.headers.get('x-cache')).toBe('PARTIAL');
    expect((await send(path, token)).res.headers.get('x-cache')).toBe('HIT');
  });

  it('serves a kept answer only to a caller ACE accepts, and forgets it with a purge of its chunks', async () => {
    const token = `memo-${crypto.randomUUID()}`;
    const path = timeseries(D0 + 70 * DAY);
    await send(path, token);
    await send(path, token);
    expect((await send(path, `forbidden-${crypto.randomUUID()}`)).res.status).toBe(403);
    const before = answers();
    const purge = await exports.default.fetch('https://vitals.test/api/admin/cache/purge', {
      method: 'POST',
      headers: { authorization: 'Bearer spec-admin-token', 'content-type': 'application/json' },
      body: JSON.stringify({ site: 'demo-small' }),
    });
    expect(purge.status).toBe(200);
    expect(answers()).toBeLessThan(before);
    expect((await send(path, token)).res.headers.get('x-cache')).toBe('MISS');
  });
});
