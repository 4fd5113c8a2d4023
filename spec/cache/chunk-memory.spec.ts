// Specifies src/cache/chunk-memory.ts: the isolate's memory tier never holds more than its byte
// budget, returns exactly what a least-recently-used model with expiry would, never returns an
// expired entry, and forgets by key and by site.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChunkSeries } from '../../src/cache/chunk-codec.ts';
import { createChunkMemory, estimateChunkBytes, type MemoryChunk } from '../../src/cache/chunk-memory.ts';

const series = (samples: number, point = 'p'): ChunkSeries[] => [
  { point, t: Array.from({ length: samples }, (_, i) => i), v: Array.from({ length: samples }, () => 1) },
];

const chunk = (samples: number, site = 'a', expiresAt = 1_000): MemoryChunk => ({
  series: series(samples),
  samples,
  site,
  expiresAt,
});

type Op =
  | { op: 'set'; key: string; samples: number; site: string; expiresAt: number }
  | { op: 'get'; key: string; now: number }
  | { op: 'delete'; key: string }
  | { op: 'deleteSite'; site: string };

const keyArb = fc.constantFrom('k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7');
const siteArb = fc.constantFrom('a', 'b');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('set' as const),
    key: keyArb,
    samples: fc.integer({ min: 0, max: 400 }),
    site: siteArb,
    expiresAt: fc.integer({ min: 1, max: 12 }),
  }),
  fc.record({ op: fc.constant('get' as const), key: keyArb, now: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ op: fc.constant('delete' as const), key: keyArb }),
  fc.record({ op: fc.constant('deleteSite' as const), site: siteArb }),
);

/** The model: entries in least-recently-used-first order, evicted from the front. */
interface ModelEntry {
  key: string;
  samples: number;
  site: string;
  expiresAt: number;
  bytes: number;
}

function applyModel(model: ModelEntry[], op: Op, maxBytes: number): ModelEntry | undefined | null {
  const at = (key: string) => model.findIndex((e) => e.key === key);
  switch (op.op) {
    case 'set': {
      const i = at(op.key);
      if (i >= 0) model.splice(i, 1);
      const bytes = estimateChunkBytes(series(op.samples));
      if (bytes > maxBytes) return null;
      model.push({ key: op.key, samples: op.samples, site: op.site, expiresAt: op.expiresAt, bytes });
      while (model.reduce((n, e) => n + e.bytes, 0) > maxBytes) model.shift();
      return null;
    }
    case 'get': {
      const i = at(op.key);
      if (i < 0) return undefined;
      const [entry] = model.splice(i, 1) as [ModelEntry];
      if (entry.expiresAt <= op.now) return undefined;
      model.push(entry);
      return entry;
    }
    case 'delete': {
      const i = at(op.key);
      if (i >= 0) model.splice(i, 1);
      return null;
    }
    case 'deleteSite':
      for (let i = model.length - 1; i >= 0; i--) if (model[i]?.site === op.site) model.splice(i, 1);
      return null;
  }
}

describe('createChunkMemory', () => {
  it('behaves as a byte-bounded LRU with expiry, whatever the operations', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 60 }),
        fc.integer({ min: 2_000, max: 12_000 }),
        (ops, maxBytes) => {
          const memory = createChunkMemory({ maxBytes });
          const model: ModelEntry[] = [];
          for (const op of ops) {
            const expected = applyModel(model, op, maxBytes);
            if (op.op === 'set') memory.set(op.key, chunk(op.samples, op.site, op.expiresAt));
            else if (op.op === 'delete') memory.delete([op.key]);
            else if (op.op === 'deleteSite') memory.deleteSite(op.site);
            else {
              const got = memory.get(op.key, op.now);
              expect(got?.samples).toBe(expected?.samples);
              if (got) expect(got.expiresAt).toBeGreaterThan(op.now);
            }
            const size = memory.size();
            expect(size.bytes).toBeLessThanOrEqual(maxBytes);
            expect(size.entries).toBe(model.length);
            expect(size.bytes).toBe(model.reduce((n, e) => n + e.bytes, 0));
          }
          // Which entries survive (and in what order they would go) is the model's, to the key.
          for (const e of [...model]) expect(memory.get(e.key, 0)?.samples).toBe(e.samples);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('evicts the least recently used entry first, counting a get as a use', () => {
    const one = estimateChunkBytes(series(100));
    const memory = createChunkMemory({ maxBytes: 3 * one });
    memory.set('a', chunk(100));
    memory.set('b', chunk(100));
    memory.set('c', chunk(100));
    expect(memory.get('a', 0)).toBeDefined(); // a is now the most recent
    memory.set('d', chunk(100)); // evicts b, the least recent
    expect(memory.get('b', 0)).toBeUndefined();
    expect(['a', 'c', 'd'].map((k) => memory.get(k, 0)?.samples)).toEqual([100, 100, 100]);
  });

  it('does not hold a chunk larger than the whole budget, and keeps what it held', () => {
    const memory = createChunkMemory({ maxBytes: estimateChunkBytes(series(100)) });
    memory.set('small', chunk(100));
    memory.set('huge', chunk(10_000));
    expect(memory.get('huge', 0)).toBeUndefined();
    expect(memory.get('small', 0)?.samples).toBe(100);
  });

  it('counts a chunk by its samples and point names', () => {
    const empty = estimateChunkBytes([]);
    expect(estimateChunkBytes(series(1_000))).toBeGreaterThanOrEqual(empty + 16 * 1_000);
    expect(estimateChunkBytes(series(0, 'x'.repeat(500)))).toBeGreaterThan(
      estimateChunkBytes(series(0, 'x')),
    );
  });
});
