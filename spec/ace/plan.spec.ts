// Specifies src/ace/plan.ts: page sizes only from ACE's enum, batches of ≤ 50 distinct names
// with ≤ 6 in flight whose time slices tile the window, site paging for large point sets, and
// page/byte budgets (review 22) as typed errors.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZES as MOCK_PAGE_SIZES } from '../../fixtures/ace/pages.ts';
import {
  batchNames,
  choosePageSize,
  MAX_IN_FLIGHT,
  MAX_NAMES_PER_CALL,
  PAGE_SIZES,
  planFetch,
  sliceWindow,
  WIRE_BYTES_PER_SAMPLE,
} from '../../src/ace/plan.ts';
import { windowArb } from '../support/arbitraries/time.ts';

const MiB = 1024 ** 2;
const namesArb = (max: number) =>
  fc.array(
    fc.integer({ min: 0, max: 2000 }).map((n) => `p${n}`),
    { minLength: 1, maxLength: max },
  );

describe('page sizes', () => {
  it('are exactly the sizes ACE accepts', () => {
    expect([...PAGE_SIZES]).toEqual([...MOCK_PAGE_SIZES]);
  });

  // Worked by hand: a quarter of the byte budget over 160 wire bytes a sample (one 100k page of
  // ACE's JSON measured 15.6 MB) caps the page; the smallest enum size that holds the expected
  // samples under that cap wins, else the cap itself. 64 MiB / 4 / 160 = 104,857.6 → 100,000.
  it.each<[number, number, number]>([
    [0, 64 * MiB, 3],
    [3, 64 * MiB, 3],
    [4, 64 * MiB, 10],
    [1_400, 64 * MiB, 5_000],
    [100_000, 64 * MiB, 100_000],
    [100_001, 64 * MiB, 100_000],
    [10_000_000, 64 * MiB, 100_000],
    // 500 samples × 160 B × 4 = 320,000 B: the budget that just admits 500-sample pages.
    [600, 320_000, 500],
    [400, 320_000, 500],
    [600, 319_999, 100],
    // 3 × 160 × 4 = 1,920 B: under it no enum size fits; the smallest is used anyway.
    [50, 1_919, 3],
    [1, 1, 3],
    // 300,000 × 160 × 4 = 192,000,000 B.
    [250_000, 192_000_000, 300_000],
    [250_000, 191_999_999, 100_000],
    [10_000_000, 512 * MiB, 500_000],
  ])('chooses for %i expected samples under a %i-byte budget a page of %i', (expected, maxBytes, size) => {
    expect(choosePageSize(expected, maxBytes)).toBe(size);
  });

  const choiceArb = fc.tuple(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 512 * MiB }));
  const pageBytes = (size: number) => size * WIRE_BYTES_PER_SAMPLE;

  it('chooses a size ACE accepts', () => {
    fc.assert(
      fc.property(choiceArb, ([expected, maxBytes]) => {
        expect(PAGE_SIZES).toContain(choosePageSize(expected, maxBytes));
      }),
    );
  });

  it('never chooses a page over a quarter of the byte budget, unless no size fits', () => {
    fc.assert(
      fc.property(choiceArb, ([expected, maxBytes]) => {
        const size = choosePageSize(expected, maxBytes);
        expect(size === PAGE_SIZES[0] || pageBytes(size) <= maxBytes / 4).toBe(true);
      }),
    );
  });

  it('takes one page whenever a size within the budget holds every expected sample', () => {
    fc.assert(
      fc.property(choiceArb, ([expected, maxBytes]) => {
        const oneFits = PAGE_SIZES.some((s) => s >= expected && pageBytes(s) <= maxBytes / 4);
        expect(choosePageSize(expected, maxBytes) >= expected).toBe(oneFits || expected <= PAGE_SIZES[0]);
      }),
    );
  });

  it('takes no larger a page than one page needs: every smaller size holds fewer samples', () => {
    fc.assert(
      fc.property(choiceArb, ([expected, maxBytes]) => {
        const size = choosePageSize(expected, maxBytes);
        expect(PAGE_SIZES.filter((s) => s < size && s >= expected)).toEqual([]);
      }),
    );
  });

  it('takes the fewest pages when one is not enough: every larger size is past the budget', () => {
    fc.assert(
      fc.property(choiceArb, ([expected, maxBytes]) => {
        const size = choosePageSize(expected, maxBytes);
        const largerWithin = PAGE_SIZES.filter((s) => s > size && pageBytes(s) <= maxBytes / 4);
        expect(size >= expected || largerWithin.length === 0).toBe(true);
      }),
    );
  });

  it('uses 100k-sample pages under the default 64 MiB budget for big fetches', () => {
    expect(choosePageSize(10_000_000, 64 * MiB)).toBe(100_000);
    expect(choosePageSize(1_400, 64 * MiB)).toBe(5_000);
  });
});

describe('batches', () => {
  it('groups distinct names in order, at most 50 a group', () => {
    fc.assert(
      fc.property(namesArb(400), (names) => {
        const groups = batchNames(names);
        expect(groups.every((g) => g.length >= 1 && g.length <= MAX_NAMES_PER_CALL)).toBe(true);
        expect(groups.flat()).toEqual([...new Set(names)]);
      }),
    );
  });

  it('slices tile the window: contiguous, non-empty, from start to end', () => {
    fc.assert(
      fc.property(
        windowArb(1, 400 * 86_400_000),
        fc.integer({ min: 1, max: 500 }),
        ({ startMs, endMs }, n) => {
          const slices = sliceWindow(startMs, endMs, n);
          expect(slices[0]?.startMs).toBe(startMs);
          expect(slices.at(-1)?.endMs).toBe(endMs);
          slices.forEach((s, k) => {
            expect(s.endMs).toBeGreaterThan(s.startMs);
            if (k > 0) expect(s.startMs).toBe(slices[k - 1]?.endMs);
          });
        },
      ),
    );
  });

  it('covers every (name, instant) exactly once, ≤ 6 in flight, each call under the sample cap', () => {
    fc.assert(
      fc.property(
        namesArb(300),
        windowArb(60_000, 30 * 86_400_000),
        fc.integer({ min: 1_000, max: 500_000 }),
        (names, { startMs, endMs }, maxSamplesPerCall) => {
          const plan = planFetch(
            { points: names, startMs, endMs, samplesPerSecond: 1 / 30 },
            { maxPages: 1_000_000, maxBytes: 64 * MiB, maxSamplesPerCall },
          );
          expect(plan.ok).toBe(true);
          if (!plan.ok || plan.value.kind !== 'batches') throw new Error('expected a batch plan');
          const { calls, concurrency } = plan.value;
          expect(concurrency).toBeLessThanOrEqual(MAX_IN_FLIGHT);
          for (const name of new Set(names)) {
            const mine = calls.filter((c) => c.names.includes(name)).sort((a, b) => a.startMs - b.startMs);
            expect(mine[0]?.startMs).toBe(startMs);
            expect(mine.at(-1)?.endMs).toBe(endMs);
            mine.forEach((c, k) => {
              if (k > 0) expect(c.startMs).toBe(mine[k - 1]?.endMs);
            });
          }
          for (const c of calls) {
            expect(c.names.length).toBeLessThanOrEqual(MAX_NAMES_PER_CALL);
            const expected = (c.names.length * (c.endMs - c.startMs)) / 30_000;
            // Slices are whole ms, so one may exceed an exact share by a rounding sliver.
            expect(expected).toBeLessThanOrEqual(maxSamplesPerCall * 1.01 + c.names.length);
          }
        },
      ),
    );
  });

  it('keeps the samples in flight under maxSamplesInFlight, one call at least: worked', () => {
    const names = Array.from({ length: 200 }, (_, i) => `p${i}`);
    // 200 names a second over one hour: 4 groups of 50, each 180,000 samples, sliced under
    // 100,000 a call: 8 calls of 90,000.
    const plan = (maxSamplesInFlight?: number) =>
      planFetch(
        { points: names, startMs: 0, endMs: 3_600_000, samplesPerSecond: 1 },
        {
          maxPages: 1_000,
          maxBytes: 64 * MiB,
          maxSamplesPerCall: 100_000,
          ...(maxSamplesInFlight === undefined ? {} : { maxSamplesInFlight }),
        },
      );
    const concurrency = (m?: number) => {
      const p = plan(m);
      return p.ok && p.value.kind === 'batches' ? [p.value.calls.length, p.value.concurrency] : null;
    };
    expect(concurrency()).toEqual([8, 6]);
    expect(concurrency(270_000)).toEqual([8, 3]);
    expect(concurrency(269_999)).toEqual([8, 2]);
    expect(concurrency(90_000)).toEqual([8, 1]);
    expect(concurrency(1)).toEqual([8, 1]);
  });

  it('fails before any request when the calls exceed the page budget', () => {
    const names = Array.from({ length: 120 }, (_, i) => `p${i}`);
    const plan = planFetch(
      { points: names, startMs: 0, endMs: 86_400_000, samplesPerSecond: 1 },
      { maxPages: 10, maxBytes: 64 * MiB, maxSamplesPerCall: 100_000 },
    );
    expect(plan).toMatchObject({ ok: false, error: { kind: 'payload_too_large' } });
  });
});

describe('strategy', () => {
  const base = { startMs: 0, endMs: 3_600_000, samplesPerSecond: 1 / 30 };
  const limits = { maxPages: 2000, maxBytes: 64 * MiB };
  const names = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`);

  it('batches small point sets and pages the site for large ones', () => {
    expect(planFetch({ ...base, points: names(300) }, limits)).toMatchObject({ value: { kind: 'batches' } });
    expect(planFetch({ ...base, points: names(301) }, limits)).toMatchObject({ value: { kind: 'site' } });
  });

  it('pages the site when the points are most of a known site', () => {
    expect(planFetch({ ...base, points: names(30), sitePointCount: 52 }, limits)).toMatchObject({
      value: { kind: 'site' },
    });
    expect(planFetch({ ...base, points: names(20), sitePointCount: 52 }, limits)).toMatchObject({
      value: { kind: 'batches' },
    });
  });

  it('honours a forced strategy and page size', () => {
    expect(planFetch({ ...base, points: names(1), strategy: 'site', pageSize: 3 }, limits)).toEqual({
      ok: true,
      value: { kind: 'site', pageSize: 3 },
    });
    expect(planFetch({ ...base, points: names(400), strategy: 'batches' }, limits)).toMatchObject({
      value: { kind: 'batches', concurrency: 6 },
    });
  });
});
