// Specifies src/cache/purge.ts against the real local R2 and D1: a site purge removes exactly that
// site's objects and index rows, a full purge everything indexed, job results never; each call is
// bounded (batches × rounds) and says whether it finished; an R2 failure is `unavailable`, what
// was removed stays removed, and the next call finishes the job.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCacheEviction } from '../../src/cache/eviction.ts';
import { createCachePurge } from '../../src/cache/purge.ts';
import { createResultCache } from '../../src/cache/result-cache.ts';
import type { Clock } from '../../src/clock.ts';
import { createDb } from '../../src/db/d1.ts';
import { createLogger, type LogLevel } from '../../src/obs/log.ts';
import { createFaultPlan, faultyR2, type R2Op } from '../support/faults.ts';

const clock: Clock = { now: () => Date.UTC(2026, 0, 10) };

function setup(options: { bucket?: R2Bucket; batchSize?: number; maxRounds?: number } = {}) {
  const lines: { level: LogLevel; line: Record<string, unknown> }[] = [];
  const log = createLogger({}, (level, line) => lines.push({ level, line }));
  const db = createDb({ db: env.DB, clock, log });
  const bucket = options.bucket ?? env.CACHE;
  const eviction = createCacheEviction({ bucket, db, clock, log, maxBytes: 1e12 });
  const cache = createResultCache({ bucket: env.CACHE, db, clock, log, eviction });
  const purge = createCachePurge({
    db,
    eviction,
    log,
    batchSize: options.batchSize,
    maxRounds: options.maxRounds,
  });
  return { cache, purge, lines };
}

async function seed(site: string, n: number): Promise<string[]> {
  const { cache } = setup();
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = `v1/${site}/raw/${i.toString(16).padStart(4, '0')}`;
    const meta = {
      site,
      interval: 'raw',
      chunkStartMs: i,
      chunkEndMs: i + 1,
      points: 1,
      samples: 1,
      encoding: 'e',
    };
    const put = await cache.put(key, new Uint8Array(64).fill(i), meta, 3_600_000);
    if (!put.ok || !put.value.stored) throw new Error('seed failed');
    keys.push(key);
  }
  return keys;
}

async function indexed(site?: string): Promise<{ key: string; bytes: number }[]> {
  const q =
    site === undefined
      ? env.DB.prepare('SELECT key, bytes FROM cache_entries ORDER BY key')
      : env.DB.prepare('SELECT key, bytes FROM cache_entries WHERE site = ? ORDER BY key').bind(site);
  return (await q.all<{ key: string; bytes: number }>()).results;
}

async function objects(keys: string[]): Promise<number> {
  let n = 0;
  for (const key of keys) if (await env.CACHE.head(key)) n++;
  return n;
}

beforeEach(async () => {
  await env.DB.prepare('DELETE FROM cache_entries').run();
});

describe('cache purge', () => {
  it('removes one site’s objects and rows and nothing else', async () => {
    const a = await seed('purge-a', 5);
    const b = await seed('purge-b', 3);
    const bytes = (await indexed('purge-a')).reduce((sum, r) => sum + r.bytes, 0);
    const report = await setup().purge.purge({ site: 'purge-a' });
    expect(report).toEqual({ ok: true, value: { site: 'purge-a', entries: 5, bytes, complete: true } });
    expect(await indexed('purge-a')).toEqual([]);
    expect(await objects(a)).toBe(0);
    expect((await indexed('purge-b')).map((r) => r.key)).toEqual(b);
    expect(await objects(b)).toBe(3);
  });

  it('without a site removes every indexed entry, and leaves job results alone', async () => {
    const all = [...(await seed('purge-c', 2)), ...(await seed('purge-d', 2))];
    await env.CACHE.put('results/spec-job', 'a job result');
    const report = await setup().purge.purge({});
    expect(report).toMatchObject({ ok: true, value: { site: null, entries: 4, complete: true } });
    expect(await indexed()).toEqual([]);
    expect(await objects(all)).toBe(0);
    expect(await env.CACHE.head('results/spec-job')).not.toBeNull();
  });

  it('works in bounded calls: batches × rounds per call, complete once the selection is empty', async () => {
    await seed('purge-e', 7);
    const { purge } = setup({ batchSize: 2, maxRounds: 2 });
    expect(await purge.purge({ site: 'purge-e' })).toMatchObject({
      ok: true,
      value: { entries: 4, complete: false },
    });
    expect(await indexed('purge-e')).toHaveLength(3);
    expect(await purge.purge({ site: 'purge-e' })).toMatchObject({
      ok: true,
      value: { entries: 3, complete: true },
    });
    expect(await purge.purge({ site: 'purge-e' })).toMatchObject({
      ok: true,
      value: { entries: 0, complete: true },
    });
  });

  it('an exactly emptied selection says complete', async () => {
    await seed('purge-f', 4);
    const { purge } = setup({ batchSize: 2, maxRounds: 2 });
    expect(await purge.purge({ site: 'purge-f' })).toMatchObject({
      ok: true,
      value: { entries: 4, complete: true },
    });
  });

  it('an R2 failure is unavailable, logged; rows stay for the objects not removed, and a retry finishes', async () => {
    const keys = await seed('purge-g', 3);
    const plan = createFaultPlan<R2Op>();
    plan.set('delete', { kind: 'error', message: 'injected R2 fault' });
    const broken = setup({ bucket: faultyR2(env.CACHE, plan) });
    const failed = await broken.purge.purge({ site: 'purge-g' });
    expect(failed).toMatchObject({ ok: false, error: { kind: 'unavailable' } });
    expect(broken.lines.find((l) => l.line.event === 'cache.purge_failed')?.level).toBe('error');
    expect(await indexed('purge-g')).toHaveLength(3);
    expect(await objects(keys)).toBe(3);
    expect(await setup().purge.purge({ site: 'purge-g' })).toMatchObject({
      ok: true,
      value: { entries: 3, complete: true },
    });
  });
});
