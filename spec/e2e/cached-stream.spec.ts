// A fully cached read over the in-memory answer limit (JOB_MAX_SAMPLES) streams from the cache
// (src/timeseries/cached-answer.ts) through the Worker's app, real local D1 and R2, ACE behind
// msw: every layout, format and interval decodes to exactly the answer laid out in memory, with
// the batch limit cutting points apart, together, or neither; past CACHED_STREAM_MAX_SAMPLES, not
// fully cached, or a chunk lost since the index listed it, the read is a job estimated at all its
// samples.
import { env } from 'cloudflare:workers';
import { decode } from '@msgpack/msgpack';
import { beforeAll, describe, expect, it } from 'vitest';
import { sitePoints } from '../../fixtures/ace/catalogue.ts';
import { resetIsolateState } from '../../src/isolate.ts';
import { harness } from '../http/harness.ts';
import { createFaultPlan, faultyR2, type R2Op } from '../support/faults.ts';

const DAY = 86_400_000;
const D0 = Date.UTC(2025, 10, 3);
const DAYS = 4;
const names = sitePoints('demo-small')
  .filter((p) => p.point.collect_enabled)
  .slice(0, 5)
  .map((p) => p.point.name);
// Asked in another order than the cache's canonical one.
const asked = [...names].reverse();
const token = `stream-${crypto.randomUUID()}`;

interface Answer {
  series: { point: string }[];
  meta: { samples: number; cache: string; chunks: number; estimated_samples: number };
}

function read(h: ReturnType<typeof harness>, query: Record<string, string>, points = asked, days = DAYS) {
  const params = new URLSearchParams({
    points: points.join(','),
    start: String(D0),
    end: String(D0 + days * DAY),
    ...query,
  });
  return h.fetch(`/api/sites/demo-small/timeseries?${params}`, {
    headers: { authorization: `Bearer ${token}` },
  });
}

async function body(res: Response, format: string): Promise<Answer> {
  return format === 'msgpack'
    ? (decode(new Uint8Array(await res.arrayBuffer())) as Answer)
    : ((await res.json()) as Answer);
}

/** The estimate a 202's job was planned on, and its stored request (queue_jobs). */
async function jobRow(res: Response): Promise<{ estimate: number | null; densities?: number[] }> {
  const { job } = (await res.json()) as { job: { id: string } };
  const row = await env.DB.prepare('SELECT estimated_samples, request FROM queue_jobs WHERE id = ?')
    .bind(job.id)
    .first<{ estimated_samples: number | null; request: string }>();
  const request = JSON.parse(row?.request ?? '{}') as { densities?: number[] };
  return {
    estimate: row?.estimated_samples ?? null,
    ...(request.densities ? { densities: request.densities } : {}),
  };
}

const jobEstimate = async (res: Response) => (await jobRow(res)).estimate;

let cachedSamples = 0;
const inMemory = harness();

beforeAll(async () => {
  const warm = await read(inMemory, {});
  expect(warm.status).toBe(200);
  cachedSamples = (await body(warm, 'json')).meta.samples;
  // Enough that the limits below cut points apart and put several together.
  expect(cachedSamples).toBeGreaterThan(2_000);
});

describe('a fully cached read over the in-memory limit', () => {
  it.each([
    ['every point over the batch limit (day by day)', '10'],
    ['batches of several points', () => String(Math.ceil(cachedSamples / 3))],
    ['every point in one batch', () => String(cachedSamples)],
  ])('streams exactly the answer laid out in memory: %s', async (_, batch) => {
    const limit = typeof batch === 'function' ? batch() : batch;
    const streaming = harness({ env: { JOB_MAX_SAMPLES: '1000', JOB_TASK_MAX_SAMPLES: limit } });
    for (const layout of ['columns', 'rows', 'compact']) {
      for (const format of ['json', 'msgpack']) {
        for (const interval of ['raw', '1h']) {
          const query = { layout, format, interval };
          const expected = await read(inMemory, query);
          const got = await read(streaming, query);
          expect([got.status, got.headers.get('x-cache')]).toEqual([200, 'HIT']);
          expect(got.headers.get('content-type')).toBe(expected.headers.get('content-type'));
          expect(await body(got, format)).toEqual(await body(expected, format));
        }
      }
    }
  });

  it('is a job past CACHED_STREAM_MAX_SAMPLES, estimated at the cached samples', async () => {
    const h = harness({
      env: { JOB_MAX_SAMPLES: '1000', CACHED_STREAM_MAX_SAMPLES: String(cachedSamples - 1) },
    });
    const res = await read(h, {});
    expect(res.status).toBe(202);
    const routed = h.logs.find((l) => l.line.event === 'timeseries.routed')?.line;
    expect(routed).toMatchObject({ route: 'job', reason: 'too_large' });
    // The job fetches every chunk again: it is planned on all of them, not on the uncached none.
    expect(await jobEstimate(res)).toBe(cachedSamples);
    const exactly = harness({
      env: { JOB_MAX_SAMPLES: '1000', CACHED_STREAM_MAX_SAMPLES: String(cachedSamples) },
    });
    expect((await read(exactly, {})).status).toBe(200);
  });

  it('is a job when not fully cached, estimated at the cached samples and the rest', async () => {
    const h = harness({ env: { JOB_MAX_SAMPLES: '1000' } });
    const res = await read(h, {}, asked, DAYS + 1);
    expect(res.status).toBe(202);
    const routed = h.logs.find((l) => l.line.event === 'timeseries.routed')?.line;
    expect(routed).toMatchObject({ reason: 'too_large' });
    // Five points over one more day, estimated from what the first days taught (learned densities).
    const { estimate, densities } = await jobRow(res);
    expect(estimate).toBeGreaterThan(cachedSamples + (cachedSamples / DAYS) * 0.5);
    expect(estimate).toBeLessThan(cachedSamples + (cachedSamples / DAYS) * 2);
    // The job keeps each point's density, in the order asked (its tasks' batches follow them):
    // demo-small reports every collect_interval, so what the reads taught is about 1 / interval
    // (within 15%: the days' edges); the points asked differ in interval by more than that.
    const interval = new Map(sitePoints('demo-small').map((p) => [p.point.name, p.point.collect_interval]));
    const intervals = asked.map((p) => interval.get(p) as number);
    expect(Math.max(...intervals) / Math.min(...intervals)).toBeGreaterThan(1.5);
    expect(densities).toHaveLength(asked.length);
    asked.forEach((_, i) => {
      expect(Math.abs((densities?.[i] ?? 0) * (intervals[i] as number) - 1)).toBeLessThan(0.15);
    });
  });

  it('is a job when a chunk the index lists is gone by the time it is read', async () => {
    const start = D0 + 20 * DAY;
    const points = names.slice(0, 2);
    const window = (h: ReturnType<typeof harness>) =>
      h.fetch(
        `/api/sites/demo-small/timeseries?${new URLSearchParams({ points: points.join(','), start: String(start), end: String(start + 2 * DAY) })}`,
        { headers: { authorization: `Bearer ${token}` } },
      );
    expect((await window(inMemory)).status).toBe(200);
    resetIsolateState();
    const lost = await env.DB.prepare('SELECT key FROM cache_entries WHERE chunk_start = ?')
      .bind(start + DAY)
      .first<{ key: string }>();
    expect(lost).not.toBeNull();
    await env.CACHE.delete(lost?.key ?? '');
    const h = harness({ env: { JOB_MAX_SAMPLES: '1' } });
    const res = await window(h);
    expect(res.status).toBe(202);
    expect(
      h.logs.some((l) => l.line.event === 'timeseries.routed' && l.line.reason === 'cache_changed'),
    ).toBe(true);
  });

  it('errors the stream, never ends it short, when a chunk cannot be read after the answer started', async () => {
    resetIsolateState();
    const plan = createFaultPlan<R2Op>();
    // No memory or edge tier: every read of a chunk is an R2 get.
    const h = harness({
      env: {
        JOB_MAX_SAMPLES: '1000',
        CHUNK_MEMORY_MAX_BYTES: '0',
        CHUNK_EDGE_TTL_S: '0',
        CACHE: faultyR2(env.CACHE, plan),
      },
    });
    const res = await read(h, {});
    expect(res.status).toBe(200);
    plan.set('get', { kind: 'error', message: 'r2 down' });
    await expect(res.text()).rejects.toThrow();
  });

  it('is not recorded for cache warming, which lays a read out in memory; an answer within the limit is', async () => {
    const hot = async () =>
      (await env.DB.prepare('SELECT COUNT(*) AS n FROM hot_requests').first<{ n: number }>())?.n ?? 0;
    await env.DB.prepare('DELETE FROM hot_requests').run();
    const streaming = harness({ env: { JOB_MAX_SAMPLES: '1000', BOOKKEEPING_FLUSH_MS: '20' } });
    expect((await read(streaming, {})).status).toBe(200);
    expect(await hot()).toBe(0);
    expect((await read(harness({ env: { BOOKKEEPING_FLUSH_MS: '20' } }), {})).status).toBe(200);
    expect(await hot()).toBe(1);
  });
});
