// The result cache against the real local R2 and D1: round trips, honest gzip labels, TTL, the
// index, degradation when R2 or D1 fail (fault wrappers around the real bindings), and the size cap.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { createCacheEviction } from '../../src/cache/eviction.ts';
import { type ChunkMeta, createResultCache, touchStatements } from '../../src/cache/result-cache.ts';
import type { Clock } from '../../src/clock.ts';
import { createDb } from '../../src/db/d1.ts';
import { gunzip } from '../../src/encoding/gzip.ts';
import { createLogger } from '../../src/obs/log.ts';
import { createFaultPlan, type D1Op, faultyD1, faultyR2, type R2Op } from '../support/faults.ts';

const log = createLogger({}, () => {});
let now = Date.UTC(2026, 0, 10);
const clock: Clock = { now: () => now };
const meta: ChunkMeta = {
  site: 'demo-small',
  interval: 'raw',
  chunkStartMs: Date.UTC(2026, 0, 1),
  chunkEndMs: Date.UTC(2026, 0, 2),
  points: 2,
  samples: 3,
  encoding: 'test-bytes',
};
let seq = 0;
const freshKey = () => `v1/spec/raw/${(++seq).toString(16).padStart(64, '0')}`;
const bytesOf = (text: string) => new TextEncoder().encode(text);

function cacheWith(overrides: { bucket?: R2Bucket; d1?: D1Database; maxBytes?: number } = {}) {
  const db = createDb({ db: overrides.d1 ?? env.DB, clock, log });
  const bucket = overrides.bucket ?? env.CACHE;
  const eviction = createCacheEviction({ bucket, db, clock, log, maxBytes: overrides.maxBytes ?? 1e12 });
  return { cache: createResultCache({ bucket, db, clock, log, eviction }), eviction };
}

const db = () => env.DB;

async function indexRow(key: string) {
  return env.DB.prepare('SELECT * FROM cache_entries WHERE key = ?')
    .bind(key)
    .first<Record<string, number | string>>();
}

beforeEach(async () => {
  await env.DB.prepare('DELETE FROM cache_entries').run();
  now = Date.UTC(2026, 0, 10);
});

describe('put and get', () => {
  it('round-trips the payload byte for byte with its metadata', async () => {
    const { cache } = cacheWith();
    const key = freshKey();
    const payload = bytesOf('{"series":[1,2,3]}'.repeat(100));
    const put = await cache.put(key, payload, meta, 60_000);
    expect(put).toMatchObject({ ok: true, value: { stored: true } });
    const got = await cache.get(key);
    if (!got.ok || !got.value) throw new Error('expected a hit');
    expect(got.value.payload).toEqual(payload);
    expect(got.value.meta).toMatchObject({ ...meta, rawBytes: payload.byteLength, expiresAt: now + 60_000 });
  });

  it('stores gzip bytes labelled contentEncoding gzip, with custom metadata (review 1)', async () => {
    const { cache } = cacheWith();
    const key = freshKey();
    const payload = bytesOf('abc'.repeat(1000));
    await cache.put(key, payload, meta, 60_000);
    const object = await env.CACHE.get(key);
    expect(object?.httpMetadata?.contentEncoding).toBe('gzip');
    expect(object?.customMetadata).toMatchObject({ samples: '3', points: '2', encoding: 'test-bytes' });
    const stored = new Uint8Array(await (object as R2ObjectBody).arrayBuffer());
    expect(stored[0]).toBe(0x1f);
    expect(stored[1]).toBe(0x8b);
    expect(stored.byteLength).toBeLessThan(payload.byteLength);
    expect(await gunzip(stored)).toEqual(payload);
  });

  it('stores a payload that compresses itself as it is, unlabelled, and reads it back unchanged', async () => {
    const { cache } = cacheWith();
    const key = freshKey();
    // Starts with gzip's magic bytes: a reader guessing by content would try to inflate it.
    const payload = new Uint8Array([0x1f, 0x8b, ...bytesOf('not gzip at all'.repeat(50))]);
    await cache.put(key, payload, meta, 60_000, { compress: false });
    const object = await env.CACHE.get(key);
    expect(object?.httpMetadata?.contentEncoding).toBeUndefined();
    expect(new Uint8Array(await (object as R2ObjectBody).arrayBuffer())).toEqual(payload);
    const got = await cache.get(key);
    if (!got.ok || !got.value) throw new Error('expected a hit');
    expect(got.value.payload).toEqual(payload);
    expect(got.value.meta.rawBytes).toBe(payload.byteLength);
  });

  it('indexes every stored entry in D1; batched touches count hits and move the LRU time forward only', async () => {
    const { cache } = cacheWith();
    const key = freshKey();
    await cache.put(key, bytesOf('x'.repeat(50)), meta, 60_000);
    now += 1000;
    // A read writes nothing itself: the bookkeeping's batch carries the touches.
    await cache.get(key);
    expect(await indexRow(key)).toMatchObject({ hits: 0, last_access_at: now - 1000 });
    const touch = (at: number, hits: number) =>
      touchStatements([
        { key, at, hits },
        { key: freshKey(), at, hits },
      ]);
    await db().batch(
      touch(now, 2).map((s) =>
        db()
          .prepare(s.sql)
          .bind(...s.params),
      ),
    );
    await db().batch(
      touch(now - 500, 1).map((s) =>
        db()
          .prepare(s.sql)
          .bind(...s.params),
      ),
    );
    expect(await indexRow(key)).toMatchObject({
      hits: 3,
      last_access_at: now,
    });
    expect((await env.DB.prepare('SELECT count(*) AS n FROM cache_entries').first<{ n: number }>())?.n).toBe(
      1,
    );
    expect(await indexRow(key)).toMatchObject({
      site: 'demo-small',
      samples: 3,
      raw_bytes: 50,
    });
    const stats = await cache.stats();
    expect(stats).toMatchObject({ ok: true, value: { entries: 1, hits: 3, rawBytes: 50 } });
  });

  it('does not store a chunk whose TTL is 0', async () => {
    const { cache } = cacheWith();
    const key = freshKey();
    expect(await cache.put(key, bytesOf('recent'), meta, 0)).toEqual({
      ok: true,
      value: { stored: false, bytes: 0 },
    });
    expect(await env.CACHE.head(key)).toBeNull();
  });

  it('is a miss for an absent key', async () => {
    expect(await cacheWith().cache.get(freshKey())).toEqual({ ok: true, value: null });
  });
});

describe('expiry and corruption (review 4)', () => {
  it('never serves an expired entry, and forgets it', async () => {
    const { cache } = cacheWith();
    const key = freshKey();
    await cache.put(key, bytesOf('old'), meta, 60_000);
    now += 60_000;
    expect(await cache.get(key)).toEqual({ ok: true, value: null });
    expect(await env.CACHE.head(key)).toBeNull();
    expect(await indexRow(key)).toBeNull();
  });

  it('treats an unreadable object as a miss and forgets it', async () => {
    const { cache } = cacheWith();
    const key = freshKey();
    await cache.put(key, bytesOf('good'), meta, 60_000);
    const object = await env.CACHE.head(key);
    await env.CACHE.put(key, bytesOf('not gzip at all'), { customMetadata: object?.customMetadata });
    expect(await cache.get(key)).toEqual({ ok: true, value: null });
    expect(await env.CACHE.head(key)).toBeNull();
  });

  it('answers the read even when forgetting the entry fails', async () => {
    const plan = createFaultPlan<R2Op>();
    const { cache } = cacheWith({ bucket: faultyR2(env.CACHE, plan) });
    const key = freshKey();
    await cache.put(key, bytesOf('old'), meta, 1000);
    now += 5000;
    plan.set('delete', { kind: 'error', message: 'r2 delete down' });
    expect(await cache.get(key)).toEqual({ ok: true, value: null });
  });
});

describe('degradation', () => {
  it('reports R2 failures on get as unavailable, not as a miss or a throw', async () => {
    const plan = createFaultPlan<R2Op>();
    plan.set('get', { kind: 'error' });
    const got = await cacheWith({ bucket: faultyR2(env.CACHE, plan) }).cache.get(freshKey());
    expect(got).toMatchObject({ ok: false, error: { kind: 'unavailable' } });
  });

  it('leaves neither object nor index row when the R2 put fails', async () => {
    const plan = createFaultPlan<R2Op>();
    plan.set('put', { kind: 'error' });
    const key = freshKey();
    const put = await cacheWith({ bucket: faultyR2(env.CACHE, plan) }).cache.put(
      key,
      bytesOf('x'),
      meta,
      60_000,
    );
    expect(put).toMatchObject({ ok: false, error: { kind: 'unavailable' } });
    expect(await env.CACHE.head(key)).toBeNull();
    expect(await indexRow(key)).toBeNull();
  });

  it('takes the object back when the index write fails', async () => {
    const plan = createFaultPlan<D1Op>();
    plan.set('run', { kind: 'error' });
    const key = freshKey();
    const put = await cacheWith({ d1: faultyD1(env.DB, plan) }).cache.put(key, bytesOf('x'), meta, 60_000);
    expect(put.ok).toBe(false);
    expect(await env.CACHE.head(key)).toBeNull();
  });
});

describe('size cap (review 3, 34)', () => {
  it('holds the total under the cap after every put, evicting least recently used first', async () => {
    const payloadOf = (i: number) => {
      // Incompressible (xorshift noise), so every object stores about 2 KB.
      const out = new Uint8Array(2000);
      let x = i + 1;
      for (let j = 0; j < out.length; j++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        out[j] = x & 0xff;
      }
      return out;
    };
    const { cache } = cacheWith({ maxBytes: 10_000 });
    const keys: string[] = [];
    for (let i = 0; i < 12; i++) {
      const key = freshKey();
      keys.push(key);
      now += 1000;
      await cache.put(key, payloadOf(i), meta, 3_600_000);
      if (i === 3) {
        now += 1;
        // A read of key 0, as the bookkeeping writes it.
        const [touch] = touchStatements([{ key: keys[0] ?? '', at: now, hits: 1 }]);
        if (touch)
          await env.DB.prepare(touch.sql)
            .bind(...touch.params)
            .run();
      }
      const stats = await cache.stats();
      if (!stats.ok) throw new Error('stats failed');
      expect(stats.value.bytes).toBeLessThanOrEqual(10_000);
      if (i === 4) {
        // Over the cap for the first time: the oldest by access (key 1), not the oldest by put (key 0).
        expect(await indexRow(keys[0] ?? '')).not.toBeNull();
        expect(await indexRow(keys[1] ?? '')).toBeNull();
      }
    }
    // The most recent put survives; the entry read at step 3 outlived the one put right after it.
    expect(await indexRow(keys[11] ?? '')).not.toBeNull();
    const stats = await cache.stats();
    expect(stats.ok && stats.value.entries).toBeGreaterThanOrEqual(3);
    expect(await indexRow(keys[1] ?? '')).toBeNull();
    expect(await env.CACHE.head(keys[1] ?? '')).toBeNull();
  });
});

describe('present (the router’s view of what is cached)', () => {
  it('lists stored, unexpired keys only, across more keys than one statement may bind', async () => {
    const { cache } = cacheWith();
    const stored = [freshKey(), freshKey(), freshKey()];
    await cache.put(stored[0] as string, bytesOf('a'), meta, 60_000);
    await cache.put(stored[1] as string, bytesOf('b'), meta, 60_000);
    await cache.put(stored[2] as string, bytesOf('c'), meta, 1_000);
    now += 5_000; // the third has expired
    const absent = Array.from({ length: 250 }, () => freshKey());
    const got = await cache.present([...absent, ...stored, stored[0] as string]);
    expect(got.ok && [...got.value.keys()].sort()).toEqual([stored[0], stored[1]].sort());
    expect(got.ok && got.value.get(stored[0] as string)).toBe(meta.samples);
  });

  it('answers an empty set for no keys and an error when D1 fails', async () => {
    const { cache } = cacheWith();
    expect(await cache.present([])).toEqual({ ok: true, value: new Map() });
    const plan = createFaultPlan<D1Op>();
    plan.set('batch', { kind: 'error' });
    const failing = cacheWith({ d1: faultyD1(env.DB, plan) }).cache;
    const got = await failing.present([freshKey()]);
    expect(got.ok).toBe(false);
  });
});
