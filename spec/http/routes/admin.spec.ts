// The admin routes through the real app and the real local D1, R2 and queue: only the ADMIN_TOKEN
// opens them (none or an ACE token: 401); stats numbers equal what the spec stored; the DLQ list
// pages by cursor; replay takes a dead letter id, re-queues the dead job (queued, letter closed,
// and the real consumer then runs it) while a closed letter or a job that is not dead is 409 and an
// unknown letter 404; a purge removes one site's objects and rows only.
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { sitePoints } from '../../../fixtures/ace/catalogue.ts';
import { randomId } from '../../../src/clock.ts';
import { createDb } from '../../../src/db/d1.ts';
import { createJobStore, type Job, type NewJob } from '../../../src/jobs/store.ts';
import { createLogger } from '../../../src/obs/log.ts';
import { DAY_MS, dayOf } from '../../../src/obs/request-counts.ts';
import { createServices } from '../../../src/services.ts';
import { newJob } from '../../support/builders.ts';
import { bearer, type ErrorJson, harness, TOKEN } from '../harness.ts';

const ADMIN = bearer('spec-admin-token');
const JSON_BODY = { 'content-type': 'application/json' };

const NOW = Date.UTC(2026, 5, 10, 12);
const TODAY = dayOf(NOW);
const fixed = harness({ services: { clock: { now: () => NOW } } });
// Replay sends a real signed message: the consumer checks its age, so the system clock here.
const live = harness();

function storeAt(now: () => number) {
  const db = createDb({ db: env.DB, log: createLogger({}, () => {}) });
  return createJobStore({ db, clock: { now }, ids: randomId });
}

async function deadJob(store: ReturnType<typeof storeAt>, input: NewJob = newJob()): Promise<Job> {
  const created = await store.create(input);
  if (!created.ok) throw new Error(created.error.kind);
  const dead = await store.markDead(created.value.job.id, {
    code: 'upstream_unavailable',
    message: 'm',
    queue: 'q',
  });
  if (!dead.ok) throw new Error(dead.error.kind);
  return dead.value;
}

async function letterOf(
  jobId: string,
): Promise<{ id: string; replayed_at: number | null; replay_count: number }> {
  const row = await env.DB.prepare(
    'SELECT id, replayed_at, replay_count FROM dead_letters WHERE job_id = ? ORDER BY created_at DESC LIMIT 1',
  )
    .bind(jobId)
    .first<{ id: string; replayed_at: number | null; replay_count: number }>();
  if (!row) throw new Error('no letter');
  return row;
}

const post = (path: string, body?: unknown, headers: Record<string, string> = ADMIN) =>
  live.fetch(path, {
    method: 'POST',
    headers: { ...headers, ...JSON_BODY },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('auth', () => {
  const routes: [string, string][] = [
    ['GET', '/api/admin/stats'],
    ['GET', '/api/admin/dlq'],
    ['POST', `/api/admin/dlq/${randomId()}/replay`],
    ['POST', '/api/admin/cache/purge'],
  ];
  it.each(routes)('%s %s: no token and an ACE user token are 401', async (method, path) => {
    for (const headers of [{}, bearer(TOKEN), { 'x-ace-token': 'spec-admin-token' }]) {
      const res = await live.fetch(path, {
        method,
        headers: { ...headers, ...JSON_BODY },
        body: method === 'POST' ? '{}' : null,
      });
      expect(res.status).toBe(401);
      expect((await res.json<ErrorJson>()).error.code).toBe('unauthorized');
    }
  });
});

describe('GET /api/admin/stats', () => {
  beforeEach(async () => {
    await env.DB.batch(
      ['dead_letters', 'queue_jobs', 'cache_entries', 'request_counts'].map((t) =>
        env.DB.prepare(`DELETE FROM ${t}`),
      ),
    );
  });

  it('answers the numbers stored in D1 and R2, then counts its own request', async () => {
    const store = storeAt(() => NOW);
    const queued = await store.create(newJob());
    expect(queued.ok).toBe(true);
    await deadJob(store);
    await deadJob(store);
    const services = createServices(env, createExecutionContext(), { clock: { now: () => NOW } });
    const meta = {
      site: 'stats-site',
      interval: 'raw',
      chunkStartMs: 0,
      chunkEndMs: 1,
      points: 1,
      samples: 1,
      encoding: 'e',
    };
    expect((await services.cache.put('admin-stats/x', new Uint8Array(256), meta, 3_600_000)).ok).toBe(true);
    const objectBytes = (await env.CACHE.head('admin-stats/x'))?.size;
    await env.DB.prepare(
      `INSERT INTO request_counts (day, route, cache, count) VALUES
         (?1, '/api/sites/:site/timeseries', 'hit', 3), (?1, '/api/sites/:site/timeseries', 'miss', 1),
         (?2, '/api/sites/:site/timeseries', 'miss', 50)`,
    )
      .bind(TODAY, TODAY - 7 * DAY_MS)
      .run();

    const res = await fixed.fetch('/api/admin/stats', { headers: ADMIN });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      cache: {
        entries: 1,
        bytes: objectBytes,
        raw_bytes: 256,
        entry_hits: 0,
        hit_rate: 0.75,
        requests: { hit: 3, partial: 0, miss: 1, bypass: 0 },
      },
      jobs: {
        total: 3,
        by_status: { queued: 1, running: 0, retrying: 0, succeeded: 0, failed: 0, cancelled: 0, dead: 2 },
      },
      dlq: { open: 2 },
      requests: {
        since: TODAY - 6 * DAY_MS,
        days: 7,
        total: 4,
        by_route: [{ route: '/api/sites/:site/timeseries', count: 4, cache: { hit: 3, miss: 1 } }],
      },
      routing: { direct_max_samples: 250_000, effective_direct_max_samples: 250_000 },
    });

    const again = await (await fixed.fetch('/api/admin/stats', { headers: ADMIN })).json<{
      requests: { by_route: { route: string; count: number; cache: Record<string, number> }[] };
    }>();
    expect(again.requests.by_route).toContainEqual({
      route: '/api/admin/stats',
      count: 1,
      cache: { none: 1 },
    });
  });
});

describe('GET /api/admin/dlq', () => {
  it('pages through the open letters newest first by cursor; state=all adds replayed ones', async () => {
    let now = Date.UTC(2099, 0, 1);
    const store = storeAt(() => now);
    const jobs: Job[] = [];
    for (let i = 0; i < 5; i++) {
      now += 1_000;
      jobs.push(await deadJob(store, newJob({ request: { points: [`p${i}`], start: 0, end: 1 } })));
    }
    now += 1_000;
    expect((await store.replay(jobs[0]?.id ?? '')).ok).toBe(true);

    type Page = {
      items: { id: string; job_id: string; created_at: number; replayed_at: number | null }[];
      next_cursor: string | null;
    };
    const walk = async (query: string) => {
      const items: Page['items'] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/admin/dlq?limit=2${query}${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await live.fetch(url, { headers: ADMIN });
        expect(res.status).toBe(200);
        const page = await res.json<Page>();
        expect(page.items.length).toBeLessThanOrEqual(2);
        items.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor !== null);
      return items;
    };

    const open = await walk('');
    const mine = open.filter((l) => jobs.some((j) => j.id === l.job_id));
    // Newest first: the last job died last; the first one was replayed, so its letter is closed.
    expect(mine.map((l) => l.job_id)).toEqual(
      jobs
        .slice(1)
        .reverse()
        .map((j) => j.id),
    );
    expect(open.every((l) => l.replayed_at === null)).toBe(true);
    expect(new Set(open.map((l) => l.id)).size).toBe(open.length);

    const all = await walk('&state=all');
    expect(all.find((l) => l.job_id === jobs[0]?.id)?.replayed_at).toBe(now);
    const first = (await (await live.fetch('/api/admin/dlq?limit=1', { headers: ADMIN })).json<Page>())
      .items[0];
    expect(first).toMatchObject({
      job_id: jobs[4]?.id,
      queue: 'q',
      error: { code: 'upstream_unavailable', message: 'm' },
      attempts: 0,
      request: { points: ['p4'], start: 0, end: 1 },
      replay_count: 0,
    });
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['state=closed', 'state'],
    ['cursor=not-a-cursor', 'cursor'],
  ])('refuses %s (400 naming %s)', async (query, field) => {
    const res = await live.fetch(`/api/admin/dlq?${query}`, { headers: ADMIN });
    expect(res.status).toBe(400);
    expect((await res.json<ErrorJson>()).error.details?.map((d) => d.path)).toContain(field);
  });
});

describe('POST /api/admin/dlq/{id}/replay', () => {
  it('an unknown dead letter is 404', async () => {
    const res = await post(`/api/admin/dlq/${randomId()}/replay`);
    expect(res.status).toBe(404);
    expect((await res.json<ErrorJson>()).error.code).toBe('not_found');
  });

  it('an open letter whose job is not dead is 409 and changes nothing', async () => {
    const store = storeAt(() => Date.now());
    const created = await store.create(newJob());
    if (!created.ok) throw new Error(created.error.kind);
    const letterId = randomId();
    await env.DB.prepare(
      `INSERT INTO dead_letters (id, job_id, queue, attempts, request, created_at) VALUES (?, ?, 'q', 0, '{}', ?)`,
    )
      .bind(letterId, created.value.job.id, Date.now())
      .run();
    const res = await post(`/api/admin/dlq/${letterId}/replay`);
    expect(res.status).toBe(409);
    expect((await res.json<ErrorJson>()).error.code).toBe('conflict');
    expect(await letterOf(created.value.job.id)).toMatchObject({ id: letterId, replayed_at: null });
  });

  it('re-queues a dead job by its letter id; the consumer then runs it; a second replay is 409', async () => {
    const names = sitePoints('demo-small')
      .filter((p) => p.point.collect_enabled)
      .slice(0, 2)
      .map((p) => p.point.name);
    const start = Date.UTC(2026, 0, 20);
    const store = storeAt(() => Date.now());
    const job = await deadJob(
      store,
      newJob({ request: { points: names, start, end: start + 3_600_000 }, priority: 'high', maxAttempts: 4 }),
    );
    const letter = await letterOf(job.id);

    const res = await post(`/api/admin/dlq/${letter.id}/replay`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      dead_letter_id: letter.id,
      job: { id: job.id, status: 'queued', priority: 'high', attempts: 0 },
    });
    const closed = await letterOf(job.id);
    expect(closed.replayed_at).not.toBeNull();
    expect(closed.replay_count).toBe(1);

    // The signed message really went out: the Worker's queue() handler claims and runs the job.
    let status: string = 'queued';
    for (let i = 0; i < 100 && !['succeeded', 'failed', 'dead'].includes(status); i++) {
      await new Promise((r) => setTimeout(r, 200));
      const row = await env.DB.prepare('SELECT status FROM queue_jobs WHERE id = ?')
        .bind(job.id)
        .first<{ status: string }>();
      status = row?.status ?? status;
    }
    expect(status).toBe('succeeded');

    const again = await post(`/api/admin/dlq/${letter.id}/replay`);
    expect(again.status).toBe(409);
    expect((await again.json<ErrorJson>()).error.code).toBe('conflict');
  });
});

describe('POST /api/admin/cache/purge', () => {
  async function seed(site: string, n: number): Promise<string[]> {
    const services = createServices(env, createExecutionContext());
    const keys: string[] = [];
    for (let i = 0; i < n; i++) {
      const key = `admin-purge/${site}/${i}`;
      const meta = {
        site,
        interval: 'raw',
        chunkStartMs: i,
        chunkEndMs: i + 1,
        points: 1,
        samples: 1,
        encoding: 'e',
      };
      expect((await services.cache.put(key, new Uint8Array(32).fill(i), meta, 3_600_000)).ok).toBe(true);
      keys.push(key);
    }
    return keys;
  }
  const rows = async (site: string) =>
    (
      await env.DB.prepare('SELECT count(*) AS n FROM cache_entries WHERE site = ?')
        .bind(site)
        .first<{ n: number }>()
    )?.n;
  const heads = async (keys: string[]) =>
    (await Promise.all(keys.map((k) => env.CACHE.head(k)))).filter(Boolean).length;

  it("removes one site's objects and rows only, and answers the counts", async () => {
    const a = await seed('purge-site-a', 3);
    const b = await seed('purge-site-b', 2);
    const res = await post('/api/admin/cache/purge', { site: 'purge-site-a' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ site: 'purge-site-a', entries: 3, complete: true });
    expect(await rows('purge-site-a')).toBe(0);
    expect(await heads(a)).toBe(0);
    expect(await rows('purge-site-b')).toBe(2);
    expect(await heads(b)).toBe(2);
  });

  it.each([
    ['a bad site name', { site: '../x' }],
    ['an unknown field', { all: true }],
    ['a non-object', [1]],
  ])('refuses %s (400)', async (_, body) => {
    const res = await post('/api/admin/cache/purge', body);
    expect(res.status).toBe(400);
  });

  it('a bare POST (no JSON body) is 400 and purges nothing', async () => {
    const keys = await seed('purge-site-c', 1);
    const res = await live.fetch('/api/admin/cache/purge', { method: 'POST', headers: ADMIN });
    expect(res.status).toBe(400);
    expect((await res.json<ErrorJson>()).error.details?.map((d) => d.path)).toEqual(['content-type']);
    const text = await live.fetch('/api/admin/cache/purge', {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect([400, 415]).toContain(text.status);
    expect(await rows('purge-site-c')).toBe(1);
    expect(await heads(keys)).toBe(1);
  });
});

describe('OpenAPI', () => {
  it('documents the admin routes under the admin token, replay by dead letter id', async () => {
    const doc = await (await live.fetch('/openapi.json')).json<{
      paths: Record<string, Record<string, { security?: unknown; description?: string; responses?: object }>>;
    }>();
    for (const [path, method] of [
      ['/api/admin/stats', 'get'],
      ['/api/admin/dlq', 'get'],
      ['/api/admin/dlq/{id}/replay', 'post'],
      ['/api/admin/cache/purge', 'post'],
    ] as const) {
      expect(doc.paths[path]?.[method]?.security).toEqual([{ adminToken: [] }]);
      // Not rate limited: no 429 documented.
      expect(Object.keys(doc.paths[path]?.[method]?.responses ?? {})).not.toContain('429');
    }
    expect(doc.paths['/api/admin/dlq/{id}/replay']?.post?.description).toMatch(/dead letter id/);
  });
});
