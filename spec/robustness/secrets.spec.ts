// Tokens appear nowhere they could leak from: after a run of requests with distinctive caller and
// admin tokens through the app (reads, a cache hit, a failing upstream, a job submitted, processed
// and read back, admin routes, refused tokens), every D1 table and column, every R2 object (key,
// metadata, bytes, gunzipped), every captured log line and every analytics data point is scanned
// for them; queue messages carry ids only; and the admin and HMAC comparisons go through the
// platform's constant-time primitives (observed, not assumed).
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import { gunzip } from '../../src/encoding/gzip.ts';
import { isAdminToken } from '../../src/http/middleware/auth.ts';
import { signMessage, verifyMessage } from '../../src/jobs/messages.ts';
import { createServices } from '../../src/services.ts';
import { harness, type LogLine } from '../http/harness.ts';
import { aceMock } from '../support/ace.ts';
import { recordingDataset } from '../support/analytics.ts';
import { recordingQueue } from '../support/builders.ts';

const DAY = 86_400_000;
const D0 = Date.UTC(2025, 9, 6);
const names = sitePoints('demo-small')
  .filter((p) => p.point.collect_enabled)
  .slice(0, 3)
  .map((p) => p.point.name);

// Distinctive, and valid token68, so they pass the edge and reach everything downstream.
const CALLER = `CallerSecret-${crypto.randomUUID()}`;
const CALLER_ALT = `AltCallerSecret-${crypto.randomUUID()}`;
const ADMIN = `AdminSecret-${crypto.randomUUID()}`;
const WRONG_ADMIN = `WrongAdminSecret-${crypto.randomUUID()}`;
const SECRETS = [CALLER, CALLER_ALT, ADMIN, WRONG_ADMIN];

const logs: LogLine[] = [];
const sent: unknown[] = [];
const analytics = recordingDataset(env.ANALYTICS);

const bindings: Partial<Env> = {
  ADMIN_TOKEN: ADMIN,
  ANALYTICS: analytics.dataset,
  JOBS: recordingQueue(env.JOBS, (body) => sent.push(body)).queue,
  JOBS_HIGH: recordingQueue(env.JOBS_HIGH, (body) => sent.push(body)).queue,
};

/** Finds any secret in a text; the secret itself is reported, nothing else. */
const leaked = (text: string) => SECRETS.filter((s) => text.includes(s));

beforeAll(async () => {
  const h = harness({ env: bindings });
  const run = (path: string, init: RequestInit = {}) =>
    h.fetch(path, init).then(async (r) => ({ r, body: await r.text() }));
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const q = new URLSearchParams({ points: names.join(','), start: String(D0), end: String(D0 + 2 * DAY) });

  // Reads: a miss, a hit, the other header, a foreign point (400), a failing upstream (502).
  expect((await run(`/api/sites/demo-small/timeseries?${q}`, { headers: auth(CALLER) })).r.status).toBe(200);
  expect((await run(`/api/sites/demo-small/timeseries?${q}`, { headers: auth(CALLER) })).r.status).toBe(200);
  expect(
    (await run(`/api/sites/demo-small/timeseries?${q}`, { headers: { 'x-ace-token': CALLER_ALT } })).r.status,
  ).toBe(200);
  await run('/api/sites/demo-small/timeseries?points=nope&start=0&end=1', { headers: auth(CALLER) });
  aceMock.setFaults({ status: 503, routes: ['get_timeseries', 'paginated'] });
  const later = new URLSearchParams({
    points: names.join(','),
    start: String(D0 + 9 * DAY),
    end: String(D0 + 10 * DAY),
  });
  await run(`/api/sites/demo-small/timeseries?${later}`, { headers: auth(CALLER) });
  aceMock.clearFaults();
  await run('/api/sites/demo-small/points', { headers: auth(CALLER) });
  await run(
    '/api/sites/demo-small/aggregates?points=' +
      encodeURIComponent(names[0] ?? '') +
      `&start=${D0}&end=${D0 + DAY}&bucket=hour`,
    { headers: auth(CALLER) },
  );
  await run('/api/charts', {
    method: 'POST',
    headers: { ...auth(CALLER), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'c', config: { points: names } }),
  });

  // A job: submitted, processed by the Worker's own consumer, polled and read back.
  const submitted = await run('/api/sites/demo-small/timeseries', {
    method: 'POST',
    headers: { ...auth(CALLER), 'content-type': 'application/json', prefer: 'respond-async' },
    body: JSON.stringify({ points: names, start: D0 + 20 * DAY, end: D0 + 20 * DAY + 6 * 3_600_000 }),
  });
  expect(submitted.r.status).toBe(202);
  const jobId = (JSON.parse(submitted.body) as { job: { id: string } }).job.id;
  const ctx = createExecutionContext();
  const services = createServices({ ...env, ...bindings }, ctx, {
    logSink: (level, line) => logs.push({ level, line }),
  });
  const batch = createMessageBatch(
    'vitals-edge-jobs',
    sent.map((body) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body })),
  );
  await services.jobConsumer.handleBatch(batch);
  await getQueueResult(batch, ctx);
  expect((await run(`/api/jobs/${jobId}`, { headers: auth(CALLER) })).body).toContain('succeeded');
  expect((await run(`/api/jobs/${jobId}/result`, { headers: auth(CALLER) })).r.status).toBe(200);
  await run(`/api/jobs/${jobId}`, { method: 'DELETE', headers: auth(CALLER_ALT) });

  // Admin: the right token, a wrong one, and a caller token at the admin door.
  for (const path of ['/api/admin/stats', '/api/admin/dlq']) {
    await run(path, { headers: auth(ADMIN) });
    await run(path, { headers: auth(WRONG_ADMIN) });
    await run(path, { headers: auth(CALLER) });
  }
  // Refused callers: a token ACE rejects, and a malformed header carrying a secret.
  await run(`/api/sites/demo-small/timeseries?${q}`, { headers: auth(`invalid${CALLER}`) });
  await run(`/api/sites/demo-small/timeseries?${q}`, { headers: { authorization: `Token ${CALLER}` } });
  logs.push(...h.logs);
}, 60_000);

afterEach(() => aceMock.clearFaults());

describe('tokens are stored nowhere', () => {
  it('no D1 table has a secret in any column of any row', async () => {
    const tables = await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
    ).all<{ name: string }>();
    expect(tables.results.map((t) => t.name)).toEqual(
      expect.arrayContaining(['queue_jobs', 'cache_entries', 'site_access']),
    );
    const found: string[] = [];
    let rows = 0;
    for (const { name } of tables.results) {
      const all = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
      rows += all.results.length;
      for (const row of all.results) {
        for (const [column, value] of Object.entries(row)) {
          const text = value instanceof ArrayBuffer ? new TextDecoder().decode(value) : String(value);
          for (const s of leaked(text)) found.push(`${name}.${column}: ${s.slice(0, 12)}…`);
        }
      }
    }
    expect(rows).toBeGreaterThan(0);
    expect(found).toEqual([]);
  });

  it('no R2 object has a secret in its key, metadata or bytes (gunzipped where gzip)', async () => {
    const found: string[] = [];
    let objects = 0;
    let cursor: string | undefined;
    do {
      const page = await env.CACHE.list({
        include: ['customMetadata', 'httpMetadata'],
        ...(cursor ? { cursor } : {}),
      });
      for (const o of page.objects) {
        objects++;
        const body = await env.CACHE.get(o.key);
        let bytes: Uint8Array = new Uint8Array((await body?.arrayBuffer()) ?? new ArrayBuffer(0));
        if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = await gunzip(bytes);
        const text = [
          o.key,
          JSON.stringify(o.customMetadata ?? {}),
          JSON.stringify(o.httpMetadata ?? {}),
          new TextDecoder().decode(bytes),
        ].join('\n');
        for (const s of leaked(text)) found.push(`${o.key}: ${s.slice(0, 12)}…`);
      }
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    expect(objects).toBeGreaterThan(0);
    expect(found).toEqual([]);
  });

  it('no captured log line has a secret', () => {
    expect(logs.length).toBeGreaterThan(5);
    expect(leaked(JSON.stringify(logs))).toEqual([]);
  });

  it('no analytics data point has a secret', () => {
    expect(analytics.points.length).toBeGreaterThan(5);
    expect(leaked(JSON.stringify(analytics.points))).toEqual([]);
  });

  it('queue messages carry the job id, the time and the signature only', () => {
    expect(sent.length).toBeGreaterThan(0);
    for (const body of sent) {
      expect(Object.keys(body as object).sort()).toEqual(['issued_at', 'job_id', 'sig', 'v']);
      expect(leaked(JSON.stringify(body))).toEqual([]);
    }
  });
});

describe('comparisons of secrets are constant-time', () => {
  it('the admin door compares through crypto.subtle.timingSafeEqual, on equal-length digests', async () => {
    const spy = vi.spyOn(crypto.subtle, 'timingSafeEqual');
    try {
      const h = harness({ env: { ADMIN_TOKEN: ADMIN } });
      expect(
        (await h.fetch('/api/admin/stats', { headers: { authorization: `Bearer ${ADMIN}` } })).status,
      ).toBe(200);
      expect(
        (await h.fetch('/api/admin/stats', { headers: { authorization: `Bearer ${ADMIN}x` } })).status,
      ).toBe(401);
      expect((await h.fetch('/api/admin/stats', { headers: { authorization: 'Bearer a' } })).status).toBe(
        401,
      );
      expect(spy).toHaveBeenCalledTimes(3);
      for (const [a, b] of spy.mock.calls) {
        // Digests, not the tokens: equal lengths whatever was sent, so length leaks nothing.
        expect((a as Uint8Array).byteLength).toBe(64);
        expect((b as Uint8Array).byteLength).toBe(64);
      }
      expect(await isAdminToken(ADMIN, ADMIN)).toBe(true);
      expect(spy).toHaveBeenCalledTimes(4);
    } finally {
      spy.mockRestore();
    }
  });

  it('queue messages are verified by crypto.subtle.verify (HMAC), never by comparing hex strings', async () => {
    const key = 'spec-secrets-signing-key';
    const message = await signMessage('job-1', 1_000, key);
    const spy = vi.spyOn(crypto.subtle, 'verify');
    try {
      expect((await verifyMessage(message, key, 2_000)).ok).toBe(true);
      const flipped = {
        ...message,
        sig: `${message.sig.slice(0, -1)}${message.sig.endsWith('0') ? '1' : '0'}`,
      };
      expect(await verifyMessage(flipped, key, 2_000)).toEqual({ ok: false, reason: 'bad_signature' });
      expect(spy).toHaveBeenCalledTimes(2);
      for (const call of spy.mock.calls) expect(call[0]).toBe('HMAC');
    } finally {
      spy.mockRestore();
    }
  });
});
