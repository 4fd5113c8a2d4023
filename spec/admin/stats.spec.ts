// Specifies src/admin/stats.ts (and the request_counts window of src/obs/request-counts.ts)
// against the real local D1 and R2: every number equals what the spec put there through the real
// job store, result cache and counters — jobs by status, open dead letters, cache entries and
// bytes (the R2 objects' sizes), hit rate and route mix over the last 7 UTC days only, the routing
// thresholds from the injected function; an empty system reads as zeros and a null hit rate.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAdminStats, type RoutingThresholds } from '../../src/admin/stats.ts';
import { createCacheEviction } from '../../src/cache/eviction.ts';
import { createResultCache, touchStatements } from '../../src/cache/result-cache.ts';
import { randomId } from '../../src/clock.ts';
import { createDb } from '../../src/db/d1.ts';
import { createJobStore } from '../../src/jobs/store.ts';
import { createBookkeeping, createLedger } from '../../src/obs/bookkeeping.ts';
import { createLogger } from '../../src/obs/log.ts';
import { countStatements, createRequestCounts, DAY_MS, dayOf } from '../../src/obs/request-counts.ts';
import { createFaultPlan, type D1Op, faultyD1 } from '../support/faults.ts';

// Late in a UTC day, so "the last 7 days" is about days, not 7 × 24 h.
const NOW = Date.UTC(2026, 5, 10, 23, 30);
const clock = { now: () => NOW };
const TODAY = dayOf(NOW);

function setup(
  routing: () => RoutingThresholds | Promise<RoutingThresholds> = () => THRESHOLDS,
  d1 = env.DB,
) {
  const log = createLogger({}, () => {});
  const db = createDb({ db: d1, clock, log });
  const eviction = createCacheEviction({ bucket: env.CACHE, db, clock, log, maxBytes: 1e12 });
  const cache = createResultCache({ bucket: env.CACHE, db, clock, log, eviction });
  const requestCounts = createRequestCounts({ db, clock });
  // Counts wait in the ledger far longer than a spec runs: only the report's own flush writes them.
  const bookkeeping = createBookkeeping({
    ledger: createLedger(),
    db,
    clock,
    log,
    statements: async (work) => [...touchStatements(work.touches), ...countStatements(work.counts)],
    flushMs: 3_600_000,
    defer: () => {},
  });
  const stats = createAdminStats({
    db,
    cache,
    requestCounts,
    routing,
    flushPending: () => bookkeeping.flush(),
  });
  return {
    db,
    cache,
    requestCounts,
    bookkeeping,
    stats,
    store: createJobStore({ db, clock, ids: randomId }),
  };
}

const THRESHOLDS: RoutingThresholds = { directMaxSamples: 500_000, effectiveDirectMaxSamples: 500_000 };

beforeEach(async () => {
  await env.DB.batch(
    ['dead_letters', 'queue_jobs', 'cache_entries', 'request_counts'].map((t) =>
      env.DB.prepare(`DELETE FROM ${t}`),
    ),
  );
});

async function report(s = setup()) {
  const r = await s.stats.report();
  if (!r.ok) throw new Error(r.error.kind);
  return r.value;
}

describe('admin stats', () => {
  it('reads an empty system as zeros and a null hit rate', async () => {
    expect(await report()).toEqual({
      cache: {
        entries: 0,
        bytes: 0,
        raw_bytes: 0,
        entry_hits: 0,
        hit_rate: null,
        requests: { hit: 0, partial: 0, miss: 0, bypass: 0 },
      },
      jobs: {
        total: 0,
        by_status: { queued: 0, running: 0, retrying: 0, succeeded: 0, failed: 0, cancelled: 0, dead: 0 },
      },
      dlq: { open: 0 },
      requests: { since: TODAY - 6 * DAY_MS, days: 7, total: 0, by_route: [] },
      routing: { direct_max_samples: 500_000, effective_direct_max_samples: 500_000 },
    });
  });

  it('counts jobs by status and open dead letters as the store left them', async () => {
    const s = setup();
    const job = async () => {
      const created = await s.store.create({
        principal: `p-${randomId()}`,
        site: 'demo-small',
        requestKey: randomId(),
        request: { points: ['a'] },
        priority: 'normal',
        maxAttempts: 3,
        estimatedSamples: null,
      });
      if (!created.ok) throw new Error(created.error.kind);
      return created.value.job.id;
    };
    const dead = async () => {
      const id = await job();
      const marked = await s.store.markDead(id, { code: 'x', message: 'y', queue: 'q' });
      if (!marked.ok) throw new Error(marked.error.kind);
      return id;
    };
    await job();
    await job();
    const running = await job();
    expect((await s.store.claim(running)).ok).toBe(true);
    const failed = await job();
    expect((await s.store.fail(failed, { code: 'x', message: 'y' })).ok).toBe(true);
    await dead();
    await dead();
    const replayed = await dead();
    expect((await s.store.replay(replayed)).ok).toBe(true);

    const { jobs, dlq } = await report(s);
    expect(jobs).toEqual({
      total: 7,
      by_status: { queued: 3, running: 1, retrying: 0, succeeded: 0, failed: 1, cancelled: 0, dead: 2 },
    });
    expect(dlq).toEqual({ open: 2 });
  });

  it('reports the cache as stored: entries, R2 object bytes, raw bytes, entry hits', async () => {
    const s = setup();
    const keys = ['stats/a', 'stats/b', 'stats/c'];
    for (const [i, key] of keys.entries()) {
      const meta = {
        site: 's',
        interval: 'raw',
        chunkStartMs: i,
        chunkEndMs: i + 1,
        points: 1,
        samples: 1,
        encoding: 'e',
      };
      const put = await s.cache.put(key, new Uint8Array(100 * (i + 1)).fill(i), meta, 3_600_000);
      expect(put.ok).toBe(true);
    }
    // Four reads of b, as the bookkeeping writes them.
    for (let i = 0; i < 4; i++) s.bookkeeping.touch('stats/b');
    await s.bookkeeping.flush();
    let objectBytes = 0;
    for (const key of keys) objectBytes += (await env.CACHE.head(key))?.size ?? Number.NaN;

    const { cache } = await report(s);
    expect(cache).toMatchObject({ entries: 3, bytes: objectBytes, raw_bytes: 600, entry_hits: 4 });
  });

  it('takes hit rate and route mix from the last 7 UTC days of request_counts only', async () => {
    const insert = (day: number, route: string, cache: string, count: number) =>
      env.DB.prepare('INSERT INTO request_counts (day, route, cache, count) VALUES (?, ?, ?, ?)').bind(
        day,
        route,
        cache,
        count,
      );
    const ts = '/api/sites/:site/timeseries';
    const points = '/api/sites/:site/points';
    await env.DB.batch([
      insert(TODAY, ts, 'hit', 6),
      insert(TODAY, ts, 'miss', 2),
      insert(TODAY, ts, 'partial', 1),
      insert(TODAY, ts, 'bypass', 1),
      insert(TODAY - 6 * DAY_MS, points, 'none', 5),
      insert(TODAY - 6 * DAY_MS, ts, 'hit', 4),
      // The eighth day back is outside the window.
      insert(TODAY - 7 * DAY_MS, ts, 'miss', 100),
      insert(TODAY - 7 * DAY_MS, '/api/old', 'none', 100),
    ]);
    const s = setup();
    // Through the bookkeeping, today: two more points requests, written when the report is read.
    s.bookkeeping.countRequest(points, 'none');
    s.bookkeeping.countRequest(points, 'none');

    const { cache, requests } = await report(s);
    expect(cache.requests).toEqual({ hit: 10, partial: 1, miss: 2, bypass: 1 });
    expect(cache.hit_rate).toBeCloseTo(10 / 14, 12);
    expect(requests).toEqual({
      since: TODAY - 6 * DAY_MS,
      days: 7,
      total: 21,
      by_route: [
        { route: ts, count: 14, cache: { hit: 10, miss: 2, partial: 1, bypass: 1 } },
        { route: points, count: 7, cache: { none: 7 } },
      ],
    });
  });

  it('reports the thresholds the routing function gives, sync or async', async () => {
    const sync = await report(
      setup(() => ({ directMaxSamples: 500_000, effectiveDirectMaxSamples: 123_456 })),
    );
    expect(sync.routing).toEqual({ direct_max_samples: 500_000, effective_direct_max_samples: 123_456 });
    const later = await report(setup(async () => ({ directMaxSamples: 9, effectiveDirectMaxSamples: 3 })));
    expect(later.routing).toEqual({ direct_max_samples: 9, effective_direct_max_samples: 3 });
  });

  it('a failing database is a db_error value, not a throw', async () => {
    const plan = createFaultPlan<D1Op>();
    plan.set('all', { kind: 'error', message: 'D1_ERROR: injected' });
    const r = await setup(undefined, faultyD1(env.DB, plan)).stats.report();
    expect(r).toMatchObject({ ok: false, error: { kind: 'db_error' } });
  });
});
