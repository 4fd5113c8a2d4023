// Specifies src/cache/chunk-tiers.ts (with edge-cache.ts) over the real R2, D1 and Cache API: a
// chunk is read from the fastest tier that holds it, immutable chunks only enter the faster tiers
// and never outlive their own expiry or the tier's cap, a failing or garbage tier is a miss and
// never an error, an undecodable chunk is never served, eviction reaches the faster tiers, and
// every read is counted for the LRU. Each spec has its own named Cache API cache.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  CHUNK_ENCODING,
  CHUNK_ENCODING_V1,
  type ChunkSeries,
  encodeChunk,
} from '../../src/cache/chunk-codec.ts';
import { packChunkV3 } from '../../src/cache/chunk-codec-v3.ts';
import { createChunkMemory } from '../../src/cache/chunk-memory.ts';
import { type ChunkRef, createChunkTiers } from '../../src/cache/chunk-tiers.ts';
import { createEdgeChunkCache, edgeUrlOf } from '../../src/cache/edge-cache.ts';
import { createCacheEviction } from '../../src/cache/eviction.ts';
import { type ChunkMeta, createResultCache } from '../../src/cache/result-cache.ts';
import { createDb } from '../../src/db/d1.ts';
import { createLogger } from '../../src/obs/log.ts';

const HOUR = 3_600_000;
let now = Date.UTC(2026, 2, 1);
const clock = { now: () => now };
const series: ChunkSeries[] = [
  { point: 'a', t: [1, 2, 3], v: [0.5, 1.5, 2.5] },
  { point: 'b', t: [4], v: [-1] },
];
const meta = (samples = 4): ChunkMeta => ({
  site: 'demo-small',
  interval: 'raw',
  chunkStartMs: 0,
  chunkEndMs: 1,
  points: 2,
  samples,
  encoding: CHUNK_ENCODING,
});

/** Tiers over a fresh memory and the named Cache API cache; `cache` null: no Cache API at all. */
async function tiersWith(options: { cache?: Cache | null; memoryTtlMs?: number; edgeTtlMs?: number } = {}) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({}, (_l, line) => lines.push(line));
  const db = createDb({ db: env.DB, clock, log });
  const memory = createChunkMemory({ maxBytes: 1 << 20 });
  const cache =
    options.cache === undefined ? await caches.open(`tiers-${crypto.randomUUID()}`) : options.cache;
  const edge = createEdgeChunkCache({ cache, clock, log, maxTtlMs: options.edgeTtlMs ?? HOUR });
  const forgetFaster = async (keys: readonly string[]) => {
    memory.delete(keys);
    await edge.delete(keys);
  };
  const eviction = createCacheEviction({ bucket: env.CACHE, db, clock, log, maxBytes: 1e12, forgetFaster });
  const store = createResultCache({ bucket: env.CACHE, db, clock, log, eviction });
  const touched: string[] = [];
  const deferred: Promise<unknown>[] = [];
  const tiers = createChunkTiers({
    memory,
    edge,
    store,
    clock,
    log,
    memoryTtlMs: options.memoryTtlMs ?? 10 * 60_000,
    touch: (key) => touched.push(key),
    defer: (work) => deferred.push(work),
  });
  const settle = () => Promise.all(deferred.splice(0));
  return { tiers, memory, edge, cache, store, eviction, touched, lines, settle };
}

const ref = (immutable = true): ChunkRef => ({
  key: `tiers/${crypto.randomUUID()}`,
  immutable,
  site: 'demo-small',
  points: series.map((s) => s.point),
});

async function tierOf(t: Awaited<ReturnType<typeof tiersWith>>, r: ChunkRef) {
  const got = await t.tiers.read(r);
  if (!got.ok) throw new Error(`read failed: ${got.error.kind}`);
  await t.settle();
  return got.value ? { tier: got.value.tier, series: got.value.series } : null;
}

describe('reading through the tiers', () => {
  it('serves an immutable chunk from memory, else the Cache API, else R2, filling the faster tiers', async () => {
    const a = await tiersWith();
    const r = ref();
    expect((await a.tiers.write(r, series, meta(), HOUR)).ok).toBe(true);
    await a.settle();
    expect(await tierOf(a, r)).toEqual({ tier: 'memory', series });
    // Another isolate of the same data centre: its memory is empty, the Cache API has the chunk.
    const b = await tiersWith({ cache: a.cache });
    expect(await tierOf(b, r)).toEqual({ tier: 'edge', series });
    expect(await tierOf(b, r)).toEqual({ tier: 'memory', series });
    // Another data centre: nothing but R2; the read fills both faster tiers.
    const c = await tiersWith();
    expect(await tierOf(c, r)).toEqual({ tier: 'r2', series });
    expect(await tierOf(c, r)).toEqual({ tier: 'memory', series });
    expect(await c.edge.get(r.key)).not.toBeNull();
    expect(c.touched).toEqual([r.key, r.key]);
  });

  it('reads a chunk R2 holds in the version-1 encoding (written before codec v2): a deploy breaks no read', async () => {
    const t = await tiersWith();
    const r = ref();
    const legacy = { ...meta(), encoding: CHUNK_ENCODING_V1 };
    expect((await t.store.put(r.key, encodeChunk(series), legacy, HOUR)).ok).toBe(true);
    expect(await tierOf(t, r)).toEqual({ tier: 'r2', series });
    // The faster tiers keep it in whatever encoding it came in; they read it back as well.
    const b = await tiersWith({ cache: t.cache });
    expect(await tierOf(b, r)).toEqual({ tier: 'edge', series });
    // Read for other points (a key collision, a bug), it is a miss, never someone else's data.
    const c = await tiersWith();
    expect(await tierOf(c, { ...r, points: ['a', 'c'] })).toBeNull();
  });

  it('keeps a chunk of a day that is not over out of the faster tiers: R2 only, for its short TTL', async () => {
    const t = await tiersWith();
    const r = ref(false);
    await t.tiers.write(r, series, meta(), 60_000);
    await t.settle();
    expect(await tierOf(t, r)).toMatchObject({ tier: 'r2' });
    expect(await tierOf(t, r)).toMatchObject({ tier: 'r2' });
    expect(t.memory.size().entries).toBe(0);
    expect(await t.edge.get(r.key)).toBeNull();
    now += 60_000;
    expect(await tierOf(t, r)).toBeNull();
    now -= 60_000;
  });

  it('never keeps a chunk in memory past the memory TTL or its own expiry', async () => {
    const t = await tiersWith({ memoryTtlMs: 10 * 60_000 });
    const r = ref();
    await t.tiers.write(r, series, meta(), HOUR);
    await t.settle();
    now += 10 * 60_000;
    expect(await tierOf(t, r)).toMatchObject({ tier: 'edge' });
    const short = await tiersWith({ memoryTtlMs: 10 * HOUR });
    const s = ref();
    await short.tiers.write(s, series, meta(), 5 * 60_000);
    await short.settle();
    now += 5 * 60_000;
    expect(await tierOf(short, s)).toBeNull();
    now -= 15 * 60_000;
  });

  it('stores in the Cache API for at most its cap and never past the chunk’s expiry', async () => {
    const puts: { url: string; cacheControl: string | null }[] = [];
    const real = await caches.open(`tiers-${crypto.randomUUID()}`);
    const spy = {
      match: (url: string) => real.match(url),
      put: (url: string, res: Response) => {
        puts.push({ url, cacheControl: res.headers.get('cache-control') });
        return real.put(url, res);
      },
      delete: (url: string) => real.delete(url),
    } as unknown as Cache;
    const t = await tiersWith({ cache: spy, edgeTtlMs: HOUR });
    const long = ref();
    const brief = ref();
    await t.tiers.write(long, series, meta(), 7 * 24 * HOUR);
    await t.tiers.write(brief, series, meta(), 20 * 60_000);
    await t.settle();
    expect(puts).toEqual([
      { url: edgeUrlOf(long.key), cacheControl: 'max-age=3600' },
      { url: edgeUrlOf(brief.key), cacheControl: 'max-age=1200' },
    ]);
    // Expiry travels with the entry: read after it, the Cache API's copy is no answer.
    now += 20 * 60_000;
    const other = await tiersWith({ cache: spy });
    expect(await other.edge.get(brief.key)).toBeNull();
    now -= 20 * 60_000;
  });
});

describe('a failing or lying tier is a miss', () => {
  it('a Cache API that throws: the chunk comes from R2 and the read succeeds', async () => {
    const broken = {
      match: () => Promise.reject(new Error('cache down')),
      put: () => Promise.reject(new Error('cache down')),
      delete: () => Promise.reject(new Error('cache down')),
    } as unknown as Cache;
    const t = await tiersWith({ cache: broken });
    const r = ref();
    await t.tiers.write(r, series, meta(), HOUR);
    await t.settle();
    const fresh = await tiersWith({ cache: broken });
    expect(await tierOf(fresh, r)).toEqual({ tier: 'r2', series });
    expect(fresh.lines.some((l) => l.event === 'edge_cache.get_failed')).toBe(true);
    await fresh.eviction.remove([r.key]);
    expect(await fresh.store.get(r.key)).toEqual({ ok: true, value: null });
  });

  it('garbage in the Cache API is never served: R2 answers and the entry is dropped', async () => {
    const t = await tiersWith();
    const r = ref();
    await t.tiers.write(r, series, meta(), HOUR);
    await t.settle();
    const cache = t.cache;
    if (!cache) throw new Error('this spec needs a Cache API cache');
    const lie = (body: Uint8Array, headers: Record<string, string>) =>
      cache.put(
        edgeUrlOf(r.key),
        new Response(body, { headers: { 'cache-control': 'max-age=600', ...headers } }),
      );
    const good = await packChunkV3(series);
    const expires = String(now + HOUR);
    const cases: [Uint8Array, Record<string, string>][] = [
      // Undecodable bytes, with headers that match them.
      [
        new Uint8Array(good.byteLength).fill(7),
        {
          'x-chunk-encoding': CHUNK_ENCODING,
          'x-chunk-samples': '4',
          'x-chunk-expires': expires,
          'x-chunk-length': String(good.byteLength),
        },
      ],
      // Decodable bytes that disagree with the sample count.
      [
        good,
        {
          'x-chunk-encoding': CHUNK_ENCODING,
          'x-chunk-samples': '5',
          'x-chunk-expires': expires,
          'x-chunk-length': String(good.byteLength),
        },
      ],
      // A truncated body.
      [
        good.subarray(0, 10),
        {
          'x-chunk-encoding': CHUNK_ENCODING,
          'x-chunk-samples': '4',
          'x-chunk-expires': expires,
          'x-chunk-length': String(good.byteLength),
        },
      ],
      // An encoding this Worker does not read.
      [
        good,
        {
          'x-chunk-encoding': 'f64-columns-v0',
          'x-chunk-samples': '4',
          'x-chunk-expires': expires,
          'x-chunk-length': String(good.byteLength),
        },
      ],
      // No metadata at all.
      [good, {}],
    ];
    for (const [body, headers] of cases) {
      await lie(body, headers);
      const reader = await tiersWith({ cache });
      expect(await tierOf(reader, r)).toEqual({ tier: 'r2', series });
      // The lie is dropped, so the next reader finds the Cache API refilled from R2, not the lie.
      expect(await reader.edge.get(r.key)).toMatchObject({ samples: 4 });
    }
  });

  it('a memory entry that does not add up is dropped and read again from the next tier', async () => {
    const t = await tiersWith();
    const r = ref();
    await t.tiers.write(r, series, meta(), HOUR);
    await t.settle();
    t.memory.set(r.key, {
      series: [{ point: 'a', t: [1, 2], v: [1] }],
      samples: 2,
      site: 'demo-small',
      expiresAt: now + HOUR,
    });
    expect(await tierOf(t, r)).toEqual({ tier: 'edge', series });
    expect(t.lines.some((l) => l.event === 'chunk_tiers.bad_memory_entry')).toBe(true);
  });

  it('an undecodable R2 object is a miss, never an answer, and enters no faster tier', async () => {
    const t = await tiersWith();
    const r = ref();
    expect((await t.store.put(r.key, new Uint8Array([1, 2, 3]), meta(), HOUR)).ok).toBe(true);
    expect(await tierOf(t, r)).toBeNull();
    expect(t.memory.size().entries).toBe(0);
    expect(await t.edge.get(r.key)).toBeNull();
  });
});

describe('eviction and purge', () => {
  it('removing an entry forgets it in this isolate’s memory and this data centre’s Cache API too', async () => {
    const t = await tiersWith();
    const r = ref();
    await t.tiers.write(r, series, meta(), HOUR);
    await t.settle();
    await t.eviction.remove([r.key]);
    expect(t.memory.get(r.key, now)).toBeUndefined();
    expect(await t.edge.get(r.key)).toBeNull();
    expect(await tierOf(t, r)).toBeNull();
  });
});
