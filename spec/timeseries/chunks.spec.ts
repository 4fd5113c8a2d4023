// Day chunks: they partition a range exactly at UTC midnights, and freshness follows recency
// (history long-lived, the last 10 minutes at most 60 s). One invariant per property.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  MAX_RECENT_TTL_MS,
  planChunks,
  RECENT_WINDOW_MS,
  splitAtDays,
  splitByChunk,
} from '../../src/timeseries/chunks.ts';
import { windowArb } from '../support/arbitraries/time.ts';

const policy = { historyTtlMs: 7 * DAY_MS, recentTtlMs: 60_000 };

describe('splitAtDays', () => {
  it('partitions the range exactly: contiguous, no gap, no overlap, nothing outside', () => {
    fc.assert(
      fc.property(windowArb(1, 40 * DAY_MS), ({ startMs, endMs }) => {
        const chunks = splitAtDays(startMs, endMs);
        expect(chunks[0]?.startMs).toBe(startMs);
        expect(chunks.at(-1)?.endMs).toBe(endMs);
        for (let i = 1; i < chunks.length; i++) expect(chunks[i]?.startMs).toBe(chunks[i - 1]?.endMs);
      }),
    );
  });

  it('keeps every chunk inside one UTC day, cutting only at midnights', () => {
    fc.assert(
      fc.property(windowArb(1, 40 * DAY_MS), ({ startMs, endMs }) => {
        const chunks = splitAtDays(startMs, endMs);
        for (const c of chunks) {
          expect(c.endMs).toBeGreaterThan(c.startMs);
          expect(Math.floor(c.startMs / DAY_MS)).toBe(Math.floor((c.endMs - 1) / DAY_MS));
        }
        for (const c of chunks.slice(1)) expect(c.startMs % DAY_MS).toBe(0);
      }),
    );
  });

  it('makes one chunk per UTC day touched', () => {
    fc.assert(
      fc.property(windowArb(1, 40 * DAY_MS), ({ startMs, endMs }) => {
        const days = Math.floor((endMs - 1) / DAY_MS) - Math.floor(startMs / DAY_MS) + 1;
        expect(splitAtDays(startMs, endMs)).toHaveLength(days);
      }),
    );
  });

  it('is empty for an empty range', () => {
    expect(splitAtDays(5, 5)).toEqual([]);
  });
});

describe('planChunks freshness', () => {
  it('gives history the long TTL and anything touching the last 10 minutes at most 60 s', () => {
    fc.assert(
      fc.property(
        windowArb(1, 10 * DAY_MS),
        fc.integer({ min: -2 * DAY_MS, max: 12 * DAY_MS }),
        fc.integer({ min: 0, max: 3_600_000 }),
        ({ startMs, endMs }, nowOffset, recentTtlMs) => {
          const now = startMs + nowOffset;
          for (const c of planChunks(startMs, endMs, now, { ...policy, recentTtlMs })) {
            if (c.endMs <= now - RECENT_WINDOW_MS) {
              expect(c).toMatchObject({ recent: false, ttlMs: policy.historyTtlMs });
            } else {
              expect(c.recent).toBe(true);
              expect(c.ttlMs).toBeLessThanOrEqual(MAX_RECENT_TTL_MS);
              expect(c.ttlMs).toBeGreaterThanOrEqual(0);
            }
          }
        },
      ),
    );
  });

  // The configured recent TTL, never over 60 s and never negative, worked by hand.
  it.each([
    [30_000, 30_000],
    [60_000, 60_000],
    [3_600_000, 60_000],
    [0, 0],
    [-5_000, 0],
  ])('a recent chunk with RECENT_TTL %i ms is kept %i ms', (recentTtlMs, ttlMs) => {
    const now = Date.UTC(2026, 0, 5, 12);
    const [c] = planChunks(now - 3_600_000, now, now, { ...policy, recentTtlMs });
    expect(c).toMatchObject({ recent: true, ttlMs });
  });

  it('treats the boundary exactly: ended 10 minutes ago is history, a millisecond later is recent', () => {
    const day = Date.UTC(2026, 0, 5);
    const now = day + DAY_MS + RECENT_WINDOW_MS;
    expect(planChunks(day, day + DAY_MS, now, policy)[0]?.recent).toBe(false);
    expect(planChunks(day, day + DAY_MS, now - 1, policy)[0]?.recent).toBe(true);
  });
});

describe('splitByChunk', () => {
  it('gives each chunk exactly the samples inside it, in order, for every series', () => {
    const DAY = 86_400_000;
    const chunks = splitAtDays(Date.UTC(2026, 0, 1, 6), Date.UTC(2026, 0, 4));
    const series = [
      {
        point: 'a',
        t: [Date.UTC(2026, 0, 1, 5), Date.UTC(2026, 0, 1, 7), Date.UTC(2026, 0, 2), Date.UTC(2026, 0, 3, 23)],
        v: [0, 1, 2, 3],
      },
      { point: 'b', t: [], v: [] },
    ];
    const parts = splitByChunk(series, chunks);
    expect([...parts.keys()]).toEqual(chunks.map((c) => c.startMs));
    expect(parts.get(chunks[0]?.startMs ?? 0)).toEqual([
      { point: 'a', t: [Date.UTC(2026, 0, 1, 7)], v: [1] },
      { point: 'b', t: [], v: [] },
    ]);
    expect(parts.get(Date.UTC(2026, 0, 2))?.[0]).toEqual({ point: 'a', t: [Date.UTC(2026, 0, 2)], v: [2] });
    expect(parts.get(Date.UTC(2026, 0, 3))?.[0]).toEqual({
      point: 'a',
      t: [Date.UTC(2026, 0, 3, 23)],
      v: [3],
    });
    expect(DAY).toBe(chunks[1] ? chunks[1].endMs - chunks[1].startMs : 0);
  });
});
