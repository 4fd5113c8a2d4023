// Specifies http/middleware/analytics.ts through the real app: one data point per /api request,
// labelled by the matched route pattern (never the raw path) with the final status, error answers
// included; the cache status from X-Cache; samples from the `served` variable; one request_counts
// increment per request in the real local D1, after the response. A throwing Analytics Engine
// binding or a failing or hung D1 never changes or delays the answer; tokens never reach a log.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { sitePoints } from '../../../fixtures/ace/catalogue.ts';
import { createApp } from '../../../src/http/app.ts';
import type { AppEnv } from '../../../src/http/context.ts';
import { UNMATCHED_ROUTE } from '../../../src/http/middleware/analytics.ts';
import { handleFetch } from '../../../src/index.ts';
import { dayOf } from '../../../src/obs/request-counts.ts';
import { createServices } from '../../../src/services.ts';
import { recordingDataset } from '../../support/analytics.ts';
import { createFaultPlan, type D1Op, faultyD1 } from '../../support/faults.ts';
import { BASE, bearer, type Harness, harness, type LogLine, TOKEN } from '../harness.ts';

const ADMIN_TOKEN = 'spec-admin-token';

function mountSpecRoutes(app: OpenAPIHono<AppEnv>): void {
  app.get('/api/spec/items/:id', (c) => c.json({ id: c.req.param('id') }));
  app.get('/api/spec/cached', (c) => {
    c.set('served', { samples: 7, estimatedSamples: 9 });
    c.header('X-Cache', 'PARTIAL');
    return c.json({ ok: true });
  });
  app.get('/api/spec/error', () => {
    throw new Error('spec failure');
  });
  app.get('/api/spec/throw-value', () => {
    // A non-Error throw: only the error boundary answers it.
    throw 'spec value';
  });
}

/** A harness over a recording ANALYTICS wrapper and a fixed clock on `day`. */
function setup(options: { day?: number; d1?: ReturnType<typeof createFaultPlan<D1Op>> } = {}) {
  const recorder = recordingDataset(env.ANALYTICS);
  const now = (options.day ?? Date.UTC(2031, 0, 1)) + 3_600_000;
  const h = harness({
    env: {
      ANALYTICS: recorder.dataset,
      ...(options.d1 ? { DB: faultyD1(env.DB, options.d1) } : {}),
    },
    services: { clock: { now: () => now } },
    mount: mountSpecRoutes,
  });
  return { h, recorder, day: dayOf(now) };
}

async function counts(day: number): Promise<Record<string, number>> {
  const { results } = await env.DB.prepare(
    'SELECT route, cache, count FROM request_counts WHERE day = ? ORDER BY route, cache',
  )
    .bind(day)
    .all<{ route: string; cache: string; count: number }>();
  return Object.fromEntries(results.map((r) => [`${r.route} ${r.cache}`, r.count]));
}

describe('one data point per /api request', () => {
  it('labels the route pattern, never the raw path, with method, status and cache none', async () => {
    const { h, recorder } = setup();
    const res = await h.fetch('/api/spec/items/raw-id-4711', { headers: bearer() });
    expect(res.status).toBe(200);
    expect(recorder.points).toEqual([
      {
        indexes: ['/api/spec/items/:id'],
        blobs: ['request', '/api/spec/items/:id', 'GET', 'none', '2xx'],
        doubles: [0, 0, 0, 200],
      },
    ]);
    expect(JSON.stringify(recorder.points)).not.toContain('raw-id-4711');
  });

  it.each([
    ['a 401 from auth (no token)', '/api/spec/items/1', {}, 401, '/api/spec/items/:id'],
    ['a 404 of an unknown /api path', '/api/nope/deeper', bearer(), 404, UNMATCHED_ROUTE],
    ['a 500 from a thrown Error', '/api/spec/error', bearer(), 500, '/api/spec/error'],
    ['a 500 from a thrown non-Error', '/api/spec/throw-value', bearer(), 500, '/api/spec/throw-value'],
    ['a 401 at the admin door', '/api/admin/stats', bearer(TOKEN), 401, '/api/admin/stats'],
    ['a 400 from validation', '/api/admin/dlq?limit=0', bearer(ADMIN_TOKEN), 400, '/api/admin/dlq'],
  ])('records the final status of %s', async (_, path, headers, status, route) => {
    const { h, recorder } = setup();
    const res = await h.fetch(path, { headers });
    expect(res.status).toBe(status);
    expect(recorder.points).toHaveLength(1);
    expect(recorder.points[0]?.blobs?.[1]).toBe(route);
    expect(recorder.points[0]?.doubles?.[3]).toBe(status);
  });

  it('a 405 is recorded too (unmatched: no route of that method)', async () => {
    const { h, recorder } = setup();
    const res = await h.fetch('/api/admin/stats', { method: 'DELETE', headers: bearer(ADMIN_TOKEN) });
    expect(res.status).toBe(405);
    expect(recorder.points.map((p) => [p.blobs?.[1], p.doubles?.[3]])).toEqual([[UNMATCHED_ROUTE, 405]]);
  });

  it('takes the cache status from X-Cache and samples from the served variable', async () => {
    const { h, recorder } = setup();
    await h.fetch('/api/spec/cached', { headers: bearer() });
    expect(recorder.points[0]?.blobs?.[3]).toBe('partial');
    expect(recorder.points[0]?.doubles?.slice(1, 3)).toEqual([7, 9]);
  });

  it('the timeseries route reports what it served: samples, estimate and cache status', async () => {
    const { h, recorder } = setup();
    const names = sitePoints('demo-small')
      .filter((p) => p.point.collect_enabled)
      .slice(0, 2)
      .map((p) => p.point.name);
    const start = Date.UTC(2026, 0, 7);
    const qs = new URLSearchParams({
      points: names.join(','),
      start: String(start),
      end: String(start + 7_200_000),
    });
    const res = await h.fetch(`/api/sites/demo-small/timeseries?${qs}`, {
      headers: bearer(`analytics-${crypto.randomUUID()}`),
    });
    expect(res.status).toBe(200);
    const { meta } = await res.json<{
      meta: { samples: number; estimated_samples: number; cache: string };
    }>();
    expect(meta.samples).toBeGreaterThan(0);
    expect(recorder.points).toEqual([
      {
        indexes: ['/api/sites/:site/timeseries'],
        blobs: ['request', '/api/sites/:site/timeseries', 'GET', meta.cache, '2xx'],
        doubles: [0, meta.samples, meta.estimated_samples, 200],
      },
    ]);
  });

  it('records nothing outside /api', async () => {
    const { h, recorder } = setup();
    await h.fetch('/health');
    await h.fetch('/openapi.json');
    await h.fetch('/nope');
    expect(recorder.points).toEqual([]);
  });
});

describe('request_counts', () => {
  it('counts each request once under (day, route, cache) after the response', async () => {
    const { h, day } = setup({ day: Date.UTC(2031, 1, 3) });
    await h.fetch('/api/spec/items/1', { headers: bearer() });
    await h.fetch('/api/spec/items/2', { headers: bearer() });
    await h.fetch('/api/spec/items/3');
    await h.fetch('/api/spec/cached', { headers: bearer() });
    await h.fetch('/api/nope', { headers: bearer() });
    expect(await counts(day)).toEqual({
      '/api/spec/cached partial': 1,
      '/api/spec/items/:id none': 3,
      [`${UNMATCHED_ROUTE} none`]: 1,
    });
  });

  it('a hung D1 neither delays nor changes the answer: the write waits on its own', async () => {
    const plan = createFaultPlan<D1Op>();
    plan.set('batch', { kind: 'hang' });
    const day = Date.UTC(2031, 1, 4);
    const ctx = createExecutionContext();
    const app = createApp();
    mountSpecRoutes(app);
    const lines: LogLine[] = [];
    const services = createServices({ ...env, DB: faultyD1(env.DB, plan), D1_TIMEOUT_MS: '300' }, ctx, {
      clock: { now: () => day + 1 },
      logSink: (level, line) => lines.push({ level, line }),
    });
    const res = await handleFetch(
      app,
      new Request(`${BASE}/api/spec/cached`, { headers: bearer() }),
      services,
      ctx,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    // Answered while the batched write is still hanging: nothing logged about it yet.
    expect(lines.filter((l) => l.line.query === 'bookkeeping.flush')).toEqual([]);
    await waitOnExecutionContext(ctx);
    expect(lines.find((l) => l.line.query === 'bookkeeping.flush')?.line.event).toBe('db.timeout');
    expect(await counts(day)).toEqual({});
  });

  it('a failing D1 write is logged by the D1 layer and the answer is unchanged', async () => {
    const plan = createFaultPlan<D1Op>();
    plan.set('batch', { kind: 'error', message: 'D1_ERROR: injected' });
    const { h, day } = setup({ day: Date.UTC(2031, 1, 5), d1: plan });
    const res = await h.fetch('/api/spec/items/1', { headers: bearer() });
    expect(res.status).toBe(200);
    expect(h.logs.find((l) => l.line.query === 'bookkeeping.flush')?.line).toMatchObject({
      event: 'db.error',
      level: 'error',
    });
    expect(await counts(day)).toEqual({});
  });
});

describe('a throwing Analytics Engine binding (review 29)', () => {
  it('leaves the answer as it was and logs one structured error per request', async () => {
    const { h, recorder, day } = setup({ day: Date.UTC(2031, 1, 6) });
    recorder.failing = true;
    const res = await h.fetch('/api/spec/cached', { headers: bearer() });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-cache')).toBe('PARTIAL');
    expect(await res.json()).toEqual({ ok: true });
    const errors = h.logs.filter((l) => l.line.event === 'analytics.write_failed');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.level).toBe('error');
    expect(errors[0]?.line.request_id).toBe(res.headers.get('x-request-id'));
    // The counter is independent of the data point.
    expect(await counts(day)).toEqual({ '/api/spec/cached partial': 1 });
  });
});

describe('logs never carry tokens or bound values (review 41)', () => {
  async function drive(h: Harness, callerToken: string, adminToken: string): Promise<void> {
    await h.fetch('/api/spec/items/1', { headers: bearer(callerToken) });
    await h.fetch('/api/spec/error', { headers: { 'x-ace-token': callerToken } });
    await h.fetch('/api/spec/throw-value', { headers: bearer(callerToken) });
    await h.fetch('/api/admin/stats', { headers: bearer(adminToken) });
    await h.fetch('/api/admin/stats', { headers: bearer(callerToken) });
    await h.fetch('/api/admin/dlq?limit=2', { headers: bearer(adminToken) });
    await h.fetch('/api/admin/dlq?cursor=bm90LWEtY3Vyc29y', { headers: bearer(adminToken) });
    await h.fetch('/api/admin/cache/purge', {
      method: 'POST',
      headers: { ...bearer(`${adminToken}x`), 'content-type': 'application/json' },
      body: '{}',
    });
  }

  it('with healthy bindings, and with throwing analytics and a failing D1', async () => {
    const callerToken = `caller-${crypto.randomUUID()}`;
    const healthy = setup();
    const plan = createFaultPlan<D1Op>();
    plan.set('run', { kind: 'error', message: `D1_ERROR: ${callerToken}` });
    plan.set('first', { kind: 'error', message: `D1_ERROR: ${callerToken}` });
    const broken = setup({ d1: plan });
    broken.recorder.failing = true;
    for (const { h } of [healthy, broken]) {
      await drive(h, callerToken, ADMIN_TOKEN);
      expect(h.logs.length).toBeGreaterThan(0);
      const text = JSON.stringify(h.logs);
      expect(text).not.toContain(callerToken);
      expect(text).not.toContain(ADMIN_TOKEN);
      // The bound values of the counter upsert and the cursor stay out too.
      expect(text).not.toContain('bm90LWEtY3Vyc29y');
    }
    expect(JSON.stringify(broken.h.logs)).toContain('analytics.write_failed');
    expect(JSON.stringify(broken.h.logs)).toContain('db.error');
  });
});
