// Cache keys (review 2), one invariant per property: equal canonical requests → equal keys;
// any difference in site, a point, start, end, interval or version → a different key, over
// thousands of generated near-miss pairs including separator tricks; object keys are valid and bounded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CACHE_ENCODING_VERSION,
  type ChunkKeyInput,
  canonicalChunk,
  chunkKey,
  chunkObjectKey,
} from '../../src/cache/cache-key.ts';
import { chunkKeyInputArb, nearMissArb, separatorTrickArb } from '../support/arbitraries/cache-keys.ts';

describe('the key of one chunk, worked by hand', () => {
  // Keys are persisted (R2 object names, D1 rows): the text they hash must not drift. The text is
  // the documented fixed-shape array, the digest SHA-256 computed here with WebCrypto directly.
  it('hashes ["vitals-edge/chunk", version, site, sorted distinct points, start, end, interval]', async () => {
    const input: ChunkKeyInput = {
      site: 'demo-small',
      points: ['b', 'a', 'b'],
      startMs: 0,
      endMs: 86_400_000,
      interval: 'raw',
    };
    const text = `["vitals-edge/chunk",${CACHE_ENCODING_VERSION},"demo-small",["a","b"],0,86400000,"raw"]`;
    expect(canonicalChunk(input)).toBe(text);
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
    const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    expect(await chunkKey(input)).toBe(hex);
  });
});

describe('chunkKey', () => {
  it('is 64 lowercase hex digits', async () => {
    await fc.assert(
      fc.asyncProperty(chunkKeyInputArb, async (input) => {
        expect(await chunkKey(input)).toMatch(/^[0-9a-f]{64}$/);
      }),
      { numRuns: 200 },
    );
  });

  it('ignores the order and duplication of points', async () => {
    await fc.assert(
      fc.asyncProperty(chunkKeyInputArb, fc.integer(), async (input, seed) => {
        const shuffled = [...input.points, ...input.points.slice(0, 2)].sort(
          (a, b) => ((a.length * 31 + seed) % 7) - ((b.length * 31 + seed) % 7),
        );
        expect(await chunkKey({ ...input, points: shuffled })).toBe(await chunkKey(input));
      }),
      { numRuns: 300 },
    );
  });

  it('differs for any near-miss request (one field changed)', async () => {
    await fc.assert(
      fc.asyncProperty(nearMissArb, async ([a, b]) => {
        expect(await chunkKey(a)).not.toBe(await chunkKey(b));
      }),
      { numRuns: 3000 },
    );
  });

  it('differs when separators move between points or between site and points', async () => {
    await fc.assert(
      fc.asyncProperty(separatorTrickArb, async ([a, b]) => {
        expect(canonicalChunk(a)).not.toBe(canonicalChunk(b));
        expect(await chunkKey(a)).not.toBe(await chunkKey(b));
      }),
      { numRuns: 1000 },
    );
  });

  it('distinguishes the classic bare-join collision', async () => {
    const base: ChunkKeyInput = { site: 's', points: ['a,b', 'c'], startMs: 0, endMs: 1, interval: 'raw' };
    expect(await chunkKey(base)).not.toBe(await chunkKey({ ...base, points: ['a', 'b,c'] }));
    expect(await chunkKey({ ...base, site: 'a/b', points: ['c'] })).not.toBe(
      await chunkKey({ ...base, site: 'a', points: ['b/c'] }),
    );
  });
});

describe('chunkObjectKey', () => {
  it('is a valid, bounded R2 key with no caller string unescaped', async () => {
    await fc.assert(
      fc.asyncProperty(chunkKeyInputArb, async (input) => {
        const key = await chunkObjectKey(input);
        const segments = key.split('/');
        expect(segments).toHaveLength(4);
        expect(segments[0]).toBe(`v${input.version ?? CACHE_ENCODING_VERSION}`);
        expect(segments[1]).toMatch(/^[a-z0-9][a-z0-9_-]{0,62}$|^h-[0-9a-f]{32}$/);
        expect(segments[2]).toBe(input.interval);
        expect(segments[3]).toMatch(/^[0-9a-f]{64}$/);
        expect(key.length).toBeLessThanOrEqual(140);
        expect(key).not.toContain('..');
      }),
      { numRuns: 500 },
    );
  });

  it('hashes a site that could smuggle a path', async () => {
    const key = await chunkObjectKey({
      site: '../etc',
      points: ['p'],
      startMs: 0,
      endMs: 1,
      interval: 'raw',
    });
    expect(key).toMatch(/^v1\/h-[0-9a-f]{32}\/raw\/[0-9a-f]{64}$/);
  });
});
