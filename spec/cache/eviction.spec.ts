// The eviction pass against the real local R2 and D1: expired entries go, the cap holds, and
// failures are counted and logged rather than thrown (review 4).
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCacheEviction } from '../../src/cache/eviction.ts';
import { createResultCache } from '../../src/cache/result-cache.ts';
import type { Clock } from '../../src/clock.ts';
import { createDb } from '../../src/db/d1.ts';
import { createLogger, type LogLevel } from '../../src/obs/log.ts';
import { createFaultPlan, faultyR2, type R2Op } from '../support/faults.ts';

let now = Date.UTC(2026, 0, 10);
const clock: Clock = { now: () => now };
const meta = {
  site: 's',
  interval: 'raw',
  chunkStartMs: 0,
  chunkEndMs: 1,
  points: 1,
  samples: 1,
  encoding: 'e',
};

function setup(bucket: R2Bucket = env.CACHE, maxBytes = 1e12) {
  const lines: { level: LogLevel; event: unknown }[] = [];
  const log = createLogger({}, (level, line) => lines.push({ level, event: line.event }));
  const db = createDb({ db: env.DB, clock, log });
  const eviction = createCacheEviction({ bucket, db, clock, log, maxBytes, batchSize: 3 });
  const cache = createResultCache({
    bucket: env.CACHE,
    db,
    clock,
    log,
    eviction: createCacheEviction({ bucket: env.CACHE, db, clock, log, maxBytes: 1e12 }),
  });
  return { eviction, cache, lines };
}

beforeEach(async () => {
  await env.DB.prepare('DELETE FROM cache_entries').run();
  now = Date.UTC(2026, 0, 10);
});

describe('eviction pass', () => {
  it('deletes every expired entry (over several rounds) and keeps live ones', async () => {
    const { eviction, cache } = setup();
    for (let i = 0; i < 7; i++) await cache.put(`evict/expired/${i}`, new Uint8Array([i]), meta, 1000);
    await cache.put('evict/live', new Uint8Array([9]), meta, 3_600_000);
    now += 2000;
    const report = await eviction.run();
    expect(report).toMatchObject({ expired: 7, errors: 0 });
    const left = await env.DB.prepare('SELECT key FROM cache_entries').all<{ key: string }>();
    expect(left.results.map((r) => r.key)).toEqual(['evict/live']);
    expect(await env.CACHE.head('evict/expired/3')).toBeNull();
    expect(await env.CACHE.head('evict/live')).not.toBeNull();
  });

  it('evicts least recently used entries until under the cap', async () => {
    const { cache } = setup();
    for (let i = 0; i < 6; i++) {
      now += 10;
      await cache.put(`evict/lru/${i}`, new Uint8Array(500).fill(i), meta, 3_600_000);
    }
    const sizes = await env.DB.prepare('SELECT total(bytes) AS t, max(bytes) AS m FROM cache_entries').first<{
      t: number;
      m: number;
    }>();
    const cap = (sizes?.t ?? 0) - 2 * (sizes?.m ?? 0);
    const { eviction } = setup(env.CACHE, cap);
    const report = await eviction.run();
    expect(report.evicted).toBeGreaterThanOrEqual(2);
    expect(report.bytesAfter).toBeLessThanOrEqual(cap);
    expect(await env.CACHE.head('evict/lru/0')).toBeNull();
    expect(await env.CACHE.head('evict/lru/5')).not.toBeNull();
  });

  it('counts and logs an R2 failure instead of throwing, and deletes no index row it could not clean', async () => {
    const plan = createFaultPlan<R2Op>();
    const { cache } = setup();
    await cache.put('evict/fail/0', new Uint8Array([1]), meta, 1000);
    now += 2000;
    plan.set('delete', { kind: 'error', message: 'r2 down' });
    const { eviction, lines } = setup(faultyR2(env.CACHE, plan));
    const report = await eviction.run();
    expect(report.errors).toBeGreaterThan(0);
    expect(lines.some((l) => l.level === 'error' && l.event === 'cache.expire_failed')).toBe(true);
    expect(
      await env.DB.prepare("SELECT key FROM cache_entries WHERE key = 'evict/fail/0'").first(),
    ).not.toBeNull();
  });
});
