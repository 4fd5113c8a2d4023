// Cache warming over the real read path (synthetic ACE behind msw, real D1 and R2): recorded
// requests rank the point sets, a pass fills the complete past days of the hottest ones, passes
// are bounded, and without a service token the pass is skipped and says so.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import { createCacheWarming } from '../../src/cache/warming.ts';
import type { Clock } from '../../src/clock.ts';
import { createLogger } from '../../src/obs/log.ts';
import { createServices } from '../../src/services.ts';
import { aceMock } from '../support/ace.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 1, 10, 15, 30);
const clock: Clock = { now: () => NOW };
const names = sitePoints('demo-small')
  .filter((p) => p.point.collect_enabled)
  .map((p) => p.point.name);

function setup(serviceToken?: string, maxSets?: number) {
  const ctx = createExecutionContext();
  const services = createServices(env, ctx, { clock });
  const warming = createCacheWarming({
    db: services.db,
    bookkeeping: services.bookkeeping,
    timeseries: services.timeseries,
    clock,
    log: createLogger({}, () => {}),
    serviceToken,
    ...(maxSets ? { maxSets } : {}),
  });
  // Recorded requests reach D1 in the bookkeeping's next batch.
  const record = async (r: ReturnType<typeof request>) => {
    warming.record(r);
    await services.bookkeeping.flush();
  };
  return { warming, ctx, record };
}

const request = (points: string[], rangeMs: number) => ({
  site: 'demo-small',
  points,
  startMs: NOW - rangeMs,
  endMs: NOW,
  interval: 'raw' as const,
});

beforeEach(async () => {
  await env.DB.prepare('DELETE FROM hot_requests').run();
  await env.DB.prepare('DELETE FROM cache_entries').run();
});

describe('cache warming', () => {
  it('counts requests per point set regardless of point order', async () => {
    const { record } = setup();
    await record(request([names[0] ?? '', names[1] ?? ''], 2 * DAY));
    await record(request([names[1] ?? '', names[0] ?? ''], 2 * DAY - 60_000));
    const rows = await env.DB.prepare('SELECT requests, range_ms FROM hot_requests').all<{
      requests: number;
      range_ms: number;
    }>();
    expect(rows.results).toEqual([{ requests: 2, range_ms: 2 * DAY }]);
  });

  it('fills the complete past days of the hottest sets, at most maxSets of them', async () => {
    const { warming, ctx, record } = setup('warming-service-token', 2);
    for (let i = 0; i < 3; i++) {
      for (let n = 0; n <= i; n++) await record(request([names[i] ?? ''], 2 * DAY));
    }
    aceMock.resetStats();
    const report = await warming.warm();
    await waitOnExecutionContext(ctx);
    expect(report).toMatchObject({ sets: 2, warmed: 2, failed: 0 });
    const cached = await env.DB.prepare(
      'SELECT chunk_start, chunk_end FROM cache_entries ORDER BY chunk_start',
    ).all<{
      chunk_start: number;
      chunk_end: number;
    }>();
    const today = Math.floor(NOW / DAY) * DAY;
    // Two sets × the two complete days before today; nothing of today.
    expect(cached.results).toHaveLength(4);
    for (const c of cached.results) {
      expect(c.chunk_end).toBeLessThanOrEqual(today);
      expect(c.chunk_end - c.chunk_start).toBe(DAY);
    }
  });

  it('is skipped, and says so, without a service token', async () => {
    const { warming, record } = setup(undefined);
    await record(request([names[0] ?? ''], 2 * DAY));
    aceMock.resetStats();
    expect(await warming.warm()).toEqual({ skipped: 'no_service_token', sets: 0, warmed: 0, failed: 0 });
    expect(aceMock.stats().total).toBe(0);
  });
});
